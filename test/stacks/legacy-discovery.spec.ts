import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { LegacyDiscovery } from '../../lib/constructs/legacy-discovery';
import { ValidationError } from '../../lib/core/validation';
import { validateDeployable } from '../../lib/model/deployable';
import { MigrationPhase } from '../../lib/model/phase';
import { defaultPlanOptions, planSystem, servicePlan } from '../../lib/model/plan';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';
import { bareStack } from '../support/app';

/**
 * The old path is built with the names the callers use, whatever the file calls them: a Cloud
 * Map service named otherwise than its ECS service, an alias record named otherwise. Tested as
 * aws-ecs-patterns tests a construct: in a bare stack, from its slice of the plan.
 */

/** Yelb, its database found as `postgres.…` and its application server as `api.…`. */
const RENAMED: Topology = {
  ...YELB,
  services: YELB.services.map((svc) =>
    svc.name === 'yelb-db'
      ? { ...svc, legacyDiscovery: { kind: 'cloudMapDns' as const, serviceName: 'postgres' } }
      : svc.name === 'yelb-appserver'
        ? {
            ...svc,
            legacyDiscovery: {
              kind: 'internalAlb' as const,
              healthCheckPath: '/api/hostname',
              dnsName: 'api.yelb.lb.internal',
            },
          }
        : svc
  ),
};

function oldPathTemplate(topology: Topology, phase: MigrationPhase): Template {
  const stack = bareStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const plan = planSystem(topology, defaultPlanOptions(phase));
  new LegacyDiscovery(stack, 'Legacy', {
    vpc,
    services: plan.services.map((s) => ({ name: s.spec.name, id: s.id, oldPath: s.oldPath })),
    cloudMapNamespace: new servicediscovery.PrivateDnsNamespace(stack, 'Namespace', {
      name: topology.cloudMapDnsNamespace!,
      vpc,
    }),
    zoneName: topology.internalZoneName!,
    internalAlbName: 'legacy-test',
  });
  return Template.fromStack(stack);
}

describe('the old path has the names its callers use', () => {
  const plan = planSystem(RENAMED, defaultPlanOptions('discovery'));
  const appserver = servicePlan(plan, 'yelb-appserver');
  const ui = servicePlan(plan, 'yelb-ui');

  test("the callers' environment holds the file's names", () => {
    expect(appserver.environment.YELB_DB_SERVER_ENDPOINT).toBe('postgres.yelb.cloudmap.internal');
    expect(ui.environment.YELB_APPSERVER_ENDPOINT).toBe('http://api.yelb.lb.internal:4567');
  });

  test('the Cloud Map service and the alias record are those names', () => {
    const template = oldPathTemplate(RENAMED, 'discovery');
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'postgres' });
    template.resourcePropertiesCountIs('AWS::ServiceDiscovery::Service', { Name: 'yelb-db' }, 0);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.yelb.lb.internal.', Type: 'A' });
    template.resourcePropertiesCountIs(
      'AWS::Route53::RecordSet',
      { Name: 'yelb-appserver.yelb.lb.internal.' },
      0
    );
  });

  test("and Service Connect's client aliases keep them", () => {
    const on = planSystem(RENAMED, defaultPlanOptions('serviceConnect'));
    expect(servicePlan(on, 'yelb-db').serviceConnect?.endpoint?.alias).toEqual({
      host: 'postgres.yelb.cloudmap.internal',
      port: 5432,
    });
    expect(servicePlan(on, 'yelb-appserver').serviceConnect?.endpoint?.alias).toEqual({
      host: 'api.yelb.lb.internal',
      port: 4567,
    });
  });

  test('retired: the Cloud Map services stay, empty, under the same names; the load balancer and its records go', () => {
    const template = oldPathTemplate(RENAMED, 'retired');
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'postgres' });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  test('fails when an alias record would be outside the zone the app builds', () => {
    const outside: Topology = {
      ...RENAMED,
      services: RENAMED.services.map((svc) =>
        svc.name === 'yelb-appserver'
          ? {
              ...svc,
              legacyDiscovery: {
                kind: 'internalAlb' as const,
                healthCheckPath: '/',
                dnsName: 'api.other.internal',
              },
            }
          : svc
      ),
    };
    expect(() => validateDeployable(outside)).toThrow(ValidationError);
    expect(() => validateDeployable(outside)).toThrow(
      /services\[1\]\.legacyDiscovery\.dnsName: 'api\.other\.internal' is not in 'yelb\.lb\.internal'/
    );
  });
});
