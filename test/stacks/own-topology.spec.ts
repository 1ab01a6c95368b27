import { CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { cloudFormationValidation } from '../../lib/app/app';
import { outputCount } from '../../lib/app/deploy-limits';
import { plannedResources, resourceCensus } from '../../lib/app/resources';
import { templateCensus } from '../support/census';
import { deploymentOrder, cycleBackCalls, cyclesOf, legacyEndpoint } from '../../lib/model/graph';
import { MIGRATION_PHASES, MigrationPhase } from '../../lib/model/phase';
import { readTopologyFile } from '../../lib/model/topology-file';
import { planIsSafe, planStep } from '../../lib/plan/plan';
import { MigrationApp } from '../../lib/app/app';
import { buildApp } from '../support/app';
import { nagViolations } from '../support/nag';
import { ecsServices } from '../support/template';
import { tempDir } from '../support/temp';

/**
 * A topology that is not Yelb, shaped like a real system (examples/shop.topology.json): a
 * public web entry, two services behind the internal load balancer that call each other (a
 * cycle), HTTP and TCP services in Cloud Map DNS, Postgres on a data volume, and a client-only
 * worker. The CDK app builds it from the file, in every phase.
 */
const FILE = 'examples/shop.topology.json';
const SHOP = readTopologyFile(FILE);
const built = new Map<MigrationPhase, MigrationApp>(
  MIGRATION_PHASES.map((phase) => [phase, buildApp(phase, { topology: FILE })])
);
const templates = new Map(
  MIGRATION_PHASES.map((phase) => {
    const app = built.get(phase)!;
    const stacks = [app.network, app.system, app.loadTestStack];
    return [phase, Object.fromEntries(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON()]))];
  })
);
const system = (phase: MigrationPhase) => Template.fromJSON(templates.get(phase)!.Shop);

test('the example is the shape the issue asks for', () => {
  const kinds = SHOP.services.map((s) => s.legacyDiscovery.kind);
  expect(SHOP.services.length).toBeGreaterThanOrEqual(8);
  expect(SHOP.services.filter((s) => s.publicEntry)).toHaveLength(1);
  expect(kinds).toEqual(expect.arrayContaining(['internalAlb', 'cloudMapDns', 'none']));
  expect(SHOP.services.some((s) => s.appProtocol === 'http')).toBe(true);
  expect(SHOP.services.some((s) => s.port !== undefined && s.appProtocol === undefined)).toBe(true);
  expect(cyclesOf(SHOP)).toEqual([['catalog', 'search']]);
  expect(SHOP.services.some((s) => s.dataVolume)).toBe(true);
  expect(SHOP.services.some((s) => s.port === undefined && s.calls.length > 0)).toBe(true);
});

test('its stacks are named after it, and Yelb is nowhere in them', () => {
  const app = built.get('discovery')!;
  expect([app.network.stackName, app.system.stackName, app.loadTestStack.stackName]).toEqual([
    'ShopNetwork',
    'Shop',
    'ShopLoadTest',
  ]);
  for (const phase of MIGRATION_PHASES) {
    expect(JSON.stringify(templates.get(phase)).match(/yelb/i)?.[0]).toBeUndefined();
  }
});

describe.each(MIGRATION_PHASES)('%s phase', (phase) => {
  const app = built.get(phase)!;

  test('cdk-nag AwsSolutions and NIST 800-53 rev 5 find nothing unacknowledged in the app', () => {
    for (const pack of ['AwsSolutions', 'NIST.800.53.R5'] as const) {
      expect(nagViolations(app.app, pack)).toEqual([]);
    }
  });

  test("the CDK's CloudFormation validation finds nothing", () => {
    const dir = tempDir(`shop-${phase}`);
    const files = Object.entries(templates.get(phase)!)
      .filter(([, t]) => Object.keys((t as { Resources?: object }).Resources ?? {}).length > 0)
      .map(([stack, t]) => {
        const file = path.join(dir, `${stack}.json`);
        fs.writeFileSync(file, JSON.stringify(t));
        return file;
      });
    const report = cloudFormationValidation().validate({
      templatePaths: files,
      stackTemplates: files.map((f) => ({ templatePath: f, stackConstructPath: f })),
    } as unknown as Parameters<CloudFormationValidatePlugin['validate']>[0]);
    expect(report.violations.map((v) => `${v.ruleName} ${v.description}`)).toEqual([]);
  });

  test('each service waits for exactly what the deployment order says (a cycle as a chain)', () => {
    const services = ecsServices(system(phase));
    const direction = phase === 'discovery' ? 'clientsFirst' : 'serversFirst';
    for (const svc of SHOP.services) {
      const expected = deploymentOrder(SHOP, direction)
        .filter((w) => w.service === svc.name)
        .map((w) => services[w.after].logicalId)
        .sort();
      const waits = (services[svc.name].DependsOn ?? []).filter((id) =>
        Object.values(services).some((s) => s.logicalId === id)
      );
      expect({ [svc.name]: waits.sort() }).toEqual({ [svc.name]: expected });
    }
  });

  test("the stack has the plan's resources, construct by construct, and the outputs the model counts", () => {
    const config = app.config;
    const options = { mirrorImages: config.mirrorImages, https: false, domain: false, alarmEmail: false };
    expect(templateCensus(app.system)).toEqual(resourceCensus(plannedResources(app.system.plan, options)));
    expect(Object.keys(system(phase).toJSON().Outputs).length).toBe(outputCount(config.topology));
  });
});

test('servers first with Service Connect on, clients first without, in the templates themselves', () => {
  const order = (phase: MigrationPhase) => {
    const services = ecsServices(system(phase));
    const byId = new Map(Object.entries(services).map(([name, r]) => [r.logicalId, name]));
    return new Map(
      Object.entries(services).map(([name, r]) => [
        name,
        (r.DependsOn ?? []).flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
      ])
    );
  };
  const on = order('serviceConnect');
  const off = order('discovery');
  const backCalls = cycleBackCalls(SHOP).map((c) => `${c.caller}→${c.callee}`);
  for (const caller of SHOP.services) {
    for (const call of caller.calls) {
      if (backCalls.includes(`${caller.name}→${call.service}`)) continue;
      expect({
        on: `${caller.name} after ${call.service}`,
        ok: on.get(caller.name)!.includes(call.service),
      }).toEqual({
        on: `${caller.name} after ${call.service}`,
        ok: true,
      });
      expect({
        off: `${call.service} after ${caller.name}`,
        ok: off.get(call.service)!.includes(caller.name),
      }).toEqual({
        off: `${call.service} after ${caller.name}`,
        ok: true,
      });
    }
  }
  // catalog calls search, which comes later: catalog starts first and reaches search by its old
  // name; retiring goes through the chain again, so catalog is redeployed before search's old path goes.
  expect(backCalls).toEqual(['catalog→search']);
  expect(order('retired').get('search')).toEqual(['catalog']);
});

test("in the retired phase every cycle member is redeployed (its old path detached), before its chain's next member", () => {
  const before = ecsServices(system('serviceConnect'));
  const after = ecsServices(system('retired'));
  for (const name of cyclesOf(SHOP).flat()) {
    const changed = ['ServiceRegistries', 'LoadBalancers'].filter(
      (key) => JSON.stringify(before[name].Properties[key]) !== JSON.stringify(after[name].Properties[key])
    );
    expect({ name, changed: changed.length > 0 }).toEqual({ name, changed: true });
  }
});

test('Service Connect keeps every old name as the client alias, on the port callers use', () => {
  const services = ecsServices(system('serviceConnect'));
  for (const svc of SHOP.services) {
    const endpoint = legacyEndpoint(SHOP, svc);
    const config = services[svc.name].Properties.ServiceConnectConfiguration;
    expect(config.Enabled).toBe(true);
    if (!endpoint) {
      expect({ [svc.name]: config.Services }).toEqual({ [svc.name]: [] });
      continue;
    }
    expect({ [svc.name]: config.Services[0].ClientAliases }).toEqual({
      [svc.name]: [{ DnsName: endpoint.host, Port: endpoint.port }],
    });
  }
  // catalog's callers use 8081, the internal load balancer's listener; its container listens on 80.
  expect(
    legacyEndpoint(
      SHOP,
      SHOP.services.find((s) => s.name === 'catalog')!
    )
  ).toEqual({
    host: 'catalog.shop.lb.internal',
    port: 8081,
  });
});

test('the internal load balancer listens on the ports callers use, and forwards to the containers', () => {
  const listeners = system('discovery').findResources('AWS::ElasticLoadBalancingV2::Listener');
  const ports = Object.values(listeners).map((l) => l.Properties.Port as number);
  expect(ports.sort()).toEqual([80, 8081, 8082]); // the public entry's, catalog's, search's
});

test('the client-only worker has no port mapping and no Service Connect endpoint', () => {
  const taskDefinitions = system('serviceConnect').findResources('AWS::ECS::TaskDefinition');
  const mailer = Object.values(taskDefinitions).find((t) => t.Properties.Family === 'mailer')!;
  expect(mailer.Properties.ContainerDefinitions[0].PortMappings).toBeUndefined();
  expect(
    ecsServices(system('serviceConnect')).mailer.Properties.ServiceConnectConfiguration.Services
  ).toEqual([]);
});

test.each([
  ['discovery', 'serviceConnect'],
  ['serviceConnect', 'retired'],
  ['retired', 'serviceConnect'],
  ['serviceConnect', 'discovery'],
] as const)('the plan of %s → %s is safe', (from, to) => {
  const plan = planStep(from, to, templates.get(from)!, templates.get(to)!);
  expect(plan.blockers).toEqual([]);
  expect(planIsSafe([plan])).toBe(true);
});
