import { CfnOutput } from 'aws-cdk-lib';
import { CloudFormationLimits, limitProblems, templateUsage } from '../../lib/app/cfn-limits';
import * as fs from 'fs';
import * as path from 'path';
import { createApp } from '../../lib/app/app';
import { TEST_CONTEXT } from '../support/app';
import { tempDir } from '../support/temp';
import { YELB } from '../../lib/model/yelb';

describe('CloudFormation quotas', () => {
  test('measures a template', () => {
    const text = JSON.stringify({ Resources: { A: {}, B: {} }, Outputs: { O: {} }, Parameters: { P: {} } });
    expect(templateUsage(text)).toEqual({
      resources: 2,
      outputs: 1,
      parameters: 1,
      templateBytes: text.length,
    });
  });

  test('names every exceeded quota with the number and the limit (resources are left to the CDK)', () => {
    expect(
      limitProblems('Yelb', { resources: 900, outputs: 201, parameters: 0, templateBytes: 2_000_000 })
    ).toEqual([
      'stack Yelb has 201 outputs; CloudFormation allows 200 per stack, so the deployment would fail. Split the topology or remove services.',
      'stack Yelb has 2000000 bytes of template; CloudFormation allows 1048576 per stack, so the deployment would fail. Split the topology or remove services.',
    ]);
  });

  test('the synth-time plugin reports a template over a quota', () => {
    const dir = tempDir('limits');
    const file = path.join(dir, 'Big.template.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        Resources: {},
        Outputs: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, {}])),
      })
    );
    const report = new CloudFormationLimits().validate({ templatePaths: [file], stackTemplates: [] } as any);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.description)).toEqual([
      expect.stringMatching(/^stack Big has 201 outputs; CloudFormation allows 200/),
    ]);
  });

  test('the app runs the check at every synth', () => {
    const { app, system: yelb } = createApp({ context: TEST_CONTEXT }, YELB);
    for (let i = 0; i < 200; i++) new CfnOutput(yelb, `Extra${i}`, { value: 'x' });
    expect(() => app.synth()).toThrow(/stack Yelb has 217 outputs; CloudFormation allows 200 per stack/);
  });
});
