import * as ecs from 'aws-cdk-lib/aws-ecs';
import { NagRuleCompliance } from 'cdk-nag';
import { MIGRATION_RULES, MigrationChecks } from '../../lib/app/migration-checks';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { createApp } from '../../lib/app/app';
import { YELB } from '../../lib/model/yelb';
import { TEST_CONTEXT, bareStack, buildApp, phaseContext } from '../support/app';

/**
 * The project's own rules at synth: each one finds what it guards against on a bare CfnService,
 * passes a correct one, and the app passes them all in every phase (Yelb, the shop, options).
 */

/** A service as the app writes it: everything stated. */
const GOOD: ecs.CfnServiceProps = {
  serviceConnectConfiguration: {
    enabled: true,
    namespace: 'ns',
    services: [{ portName: 'p', clientAliases: [{ dnsName: 'old.name', port: 80 }] }],
  },
  serviceRegistries: [],
  loadBalancers: [],
  deploymentConfiguration: {
    strategy: 'ROLLING',
    alarms: { alarmNames: ['a'], enable: true, rollback: true },
    deploymentCircuitBreaker: { enable: true, rollback: true },
  },
  healthCheckGracePeriodSeconds: 60,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['s'], assignPublicIp: 'DISABLED' } },
};

const service = (props: Partial<ecs.CfnServiceProps>) =>
  new ecs.CfnService(bareStack(), 'Service', { ...GOOD, ...props });
const rule = (id: string) => MIGRATION_RULES.find((r) => r.id === id)!;

describe('each rule', () => {
  test('passes a service as the app writes it', () => {
    for (const r of MIGRATION_RULES)
      expect({ [r.id]: r.check(service({})) }).toEqual({ [r.id]: NagRuleCompliance.COMPLIANT });
  });

  test.each([
    ['SC1', { serviceConnectConfiguration: undefined }],
    [
      'SC2',
      { serviceConnectConfiguration: { enabled: true, services: [{ portName: 'p', clientAliases: [] }] } },
    ],
    [
      'SC2',
      {
        serviceConnectConfiguration: {
          enabled: true,
          services: [
            {
              portName: 'p',
              clientAliases: [
                { dnsName: 'a', port: 1 },
                { dnsName: 'b', port: 1 },
              ],
            },
          ],
        },
      },
    ],
    ['OP1', { serviceRegistries: undefined }],
    ['OP1', { loadBalancers: undefined }],
    ['DP1', { deploymentConfiguration: { ...GOOD.deploymentConfiguration, strategy: undefined } }],
    ['DP1', { deploymentConfiguration: { ...GOOD.deploymentConfiguration, alarms: undefined } }],
    [
      'DP1',
      {
        deploymentConfiguration: {
          ...GOOD.deploymentConfiguration,
          deploymentCircuitBreaker: { enable: true, rollback: false },
        },
      },
    ],
    ['DP1', { deploymentController: { type: 'ECS' } }],
    ['DP1', { healthCheckGracePeriodSeconds: undefined }],
    ['NW1', { networkConfiguration: { awsvpcConfiguration: { subnets: ['s'], assignPublicIp: 'ENABLED' } } }],
  ] as [string, Partial<ecs.CfnServiceProps>][])('%s finds %j', (id, props) => {
    expect(rule(id).check(service(props))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  test('applies to ECS services only', () => {
    const stack = bareStack();
    const cluster = new ecs.CfnCluster(stack, 'Cluster', {});
    for (const r of MIGRATION_RULES) expect(r.check(cluster)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test('a finding names the rule and the service, as cdk-nag reports it', () => {
    const bad = service({ serviceRegistries: undefined });
    const violations = new MigrationChecks().validateScope(bad.stack).violations;
    expect(violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)])).toEqual([
      ['Migration-OP1', ['Test/Service']],
    ]);
  });
});

test('cdk synth runs the rules: a service of the app whose registries are not stated fails it, naming the rule', () => {
  const built = createApp({ context: { ...TEST_CONTEXT, ...phaseContext('discovery') } }, YELB);
  const db = built.system.node
    .findAll()
    .find((c) => c instanceof ecs.CfnService && c.serviceName === 'yelb-db') as ecs.CfnService;
  db.serviceRegistries = undefined;
  expect(() => built.app.synth()).toThrow(/Migration-OP1/);
});

describe.each(MIGRATION_PHASES)('the app, %s phase', (phase) => {
  test.each([
    ['Yelb', {}],
    ['the shop', { topology: 'examples/shop.topology.json' }],
  ])('%s passes every rule', (_name, context: Record<string, string>) => {
    const { app } = buildApp(phase, context);
    expect(new MigrationChecks(app).validateScope(app).violations).toEqual([]);
  });
});
