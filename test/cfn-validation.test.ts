import { CloudFormationValidatePlugin } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as path from 'path';
import { MIGRATION_PHASES } from '../lib/model/phase';
import { cloudFormationValidation } from '../lib/app/app';
import { TEMPLATES_ENV } from './support/global-setup';
import { buildApp } from './support/app';
import { tempDir } from './support/temp';

/**
 * The CDK's CloudFormation template validation (schema and best-practice rules) over every
 * template that `cdk synth` writes, in every phase: `cdk synth` leaves it off unless
 * -c validateTemplates=true (it triples the synth time), so CI checks the templates here. One
 * validation engine for all of them (it takes about two seconds to start), over the templates the
 * global setup synthesized once.
 */
const validator = cloudFormationValidation(); // the app's own, so that the engine starts once
const validate = (files: string[]) =>
  validator.validate({
    templatePaths: files,
    stackTemplates: files.map((f) => ({ templatePath: f, stackConstructPath: f })),
  } as unknown as Parameters<CloudFormationValidatePlugin['validate']>[0]);
const describeViolations = (report: ReturnType<typeof validate>) =>
  report.violations.map(
    (v) =>
      `${v.ruleName} ${v.description} ${v.violatingResources.map((r) => path.basename(r.templatePath ?? '')).join(',')}`
  );

describe('CloudFormation template validation', () => {
  const dir = process.env[TEMPLATES_ENV]!;
  const templates = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const withResources = templates.filter(
    (f) => Object.keys(JSON.parse(fs.readFileSync(f, 'utf8')).Resources ?? {}).length > 0
  );

  test('finds no problem in any template of any phase', () => {
    // The empty YelbLoadTest (no loadTest=true) is the only template without resources, by design.
    expect(
      templates
        .filter((f) => !withResources.includes(f))
        .map((f) => path.basename(f))
        .sort()
    ).toEqual(MIGRATION_PHASES.map((p) => `${p}.YelbLoadTest.json`).sort());
    expect(withResources).toHaveLength(MIGRATION_PHASES.length * 2);
    // Each distinct template once: the network stack's is the same in every phase.
    const distinct = [...new Map(withResources.map((f) => [fs.readFileSync(f, 'utf8'), f])).values()];
    expect(distinct.length).toBeGreaterThan(MIGRATION_PHASES.length);
    expect(describeViolations(validate(distinct))).toEqual([]);
  });

  test('finds a schema error (so the check above can fail)', () => {
    const yelb = JSON.parse(
      fs.readFileSync(
        withResources.find((f) => f.endsWith('discovery.Yelb.json'))!,
        'utf8'
      )
    );
    const service = Object.values<any>(yelb.Resources).find((r) => r.Type === 'AWS::ECS::Service');
    service.Properties.DesiredCounts = 1;
    const broken = path.join(tempDir('yelb-broken'), 'Yelb.json');
    fs.writeFileSync(broken, JSON.stringify(yelb));
    expect(describeViolations(validate([broken])).join('\n')).toMatch(
      /DesiredCounts: Additional properties are not allowed/
    );
  });

  test('-c validateTemplates=true runs it at synth; a plain cdk synth does not', () => {
    const on = buildApp('discovery', { validateTemplates: 'true' });
    on.system.services.get('yelb-db')!.cfnService.addPropertyOverride('DesiredCounts', 1);
    expect(() => on.app.synth()).toThrow(/DesiredCounts: Additional properties are not allowed/);
    const off = buildApp('discovery');
    off.system.services.get('yelb-db')!.cfnService.addPropertyOverride('DesiredCounts', 1);
    expect(() => off.app.synth()).not.toThrow();
  });
});
