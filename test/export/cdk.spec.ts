import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { createRequire } from 'module';
import * as ts from 'typescript';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { identifierOf } from '../../lib/export/cdk';
import { renderTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { tempDir } from '../support/temp';
import { ecsServices, inApiTerms } from '../support/template';
import { dryRunWaves, filesUnder, migrate } from './exported';

// The CDK export, as the app that owns the services would use it: its files type-check against
// aws-cdk-lib, and synthesized in FargateServices they give, field for field, the configurations
// apply --dry-run sends (Yelb's topology: timeouts, named ports with app protocols, a client-only
// service). One type check and one synthesis for the whole spec: both are heavy.
const ROOT = path.join(__dirname, '..', '..');
const env = { AWS_REGION: 'us-east-1' };
let out: string;
let file: string;
let modules: Record<string, any>;
let diagnostics: string[];
let on: Template;
let off: Template;

beforeAll(async () => {
  const dir = tempDir('cdk');
  file = path.join(dir, 'yelb.json');
  out = path.join(dir, 'cdk');
  fs.writeFileSync(file, renderTopologyFile(YELB));
  const run = await migrate(env, 'export', '--topology', file, '--format', 'cdk', '--out', out);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const sources = filesUnder(out)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(out, f));
  diagnostics = typeCheck(sources);
  modules = Object.fromEntries(sources.map((f) => [path.basename(f, '.ts'), load(f)]));
  const app = new App();
  const stacks = [yelbStack(app, 'On', false), yelbStack(app, 'Off', true)];
  [on, off] = stacks.map((stack) => Template.fromStack(stack));
}, 120_000);

/** Diagnostics of the files, type-checked strictly against the repository's aws-cdk-lib. */
function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    noUnusedLocals: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    types: [],
    baseUrl: ROOT,
    paths: {
      'aws-cdk-lib': ['node_modules/aws-cdk-lib'],
      'aws-cdk-lib/*': ['node_modules/aws-cdk-lib/*'],
      constructs: ['node_modules/constructs'],
    },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    );
}

/** A file compiled to CommonJS and run, its imports resolved in the repository. */
function load(file: string): Record<string, unknown> {
  const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const module = { exports: {} as Record<string, unknown> };
  const run = vm.runInThisContext(`(function (require, exports, module) {\n${outputText}\n})`, {
    filename: file,
  });
  run(createRequire(path.join(ROOT, 'package.json')), module.exports, module);
  return module.exports;
}

/** Every wave's exports by name, and the rollback's and retire's. */
const all = () => Object.assign({}, ...Object.values(modules));

/**
 * Yelb's services as FargateServices, each with its port mapping and serviceConnectConfiguration
 * from the export's functions; `rolledBack`: then Service Connect off and the registries detached
 * by the rollback's and retire's functions.
 */
function yelbStack(app: App, id: string, rolledBack: boolean): Stack {
  const stack = new Stack(app, id);
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const namespace = cluster.addDefaultCloudMapNamespace({ name: 'yelb.cloudmap.internal' });
  const exported = all();
  for (const svc of YELB.services) {
    const name = identifierOf(svc.name);
    const taskDefinition = new ecs.FargateTaskDefinition(stack, `${name}Task`);
    taskDefinition.addContainer(svc.container ?? svc.name, {
      image: ecs.ContainerImage.fromRegistry('example/app'),
      portMappings: [exported[`${name}PortMapping`] ?? { containerPort: svc.port! }],
    });
    const service = new ecs.FargateService(stack, `${name}Service`, {
      cluster,
      taskDefinition,
      serviceName: svc.name,
      serviceConnectConfiguration: exported[`${name}ServiceConnect`](stack),
      ...(svc.legacyDiscovery.kind === 'cloudMapDns' && {
        cloudMapOptions: { name: svc.name, cloudMapNamespace: namespace },
      }),
    });
    if (!rolledBack) continue;
    exported[`${name}ServiceConnectOff`](service);
    exported[`${name}DetachOldPath`]?.(service);
  }
  return stack;
}

test('writes per wave the TypeScript to put in the app, the rollback and retire, and a README', () => {
  expect(filesUnder(out)).toEqual([
    'README.md',
    'retire.ts',
    'rollback-wave-1.ts',
    'rollback-wave-2.ts',
    'rollback-wave-3.ts',
    'wave-1.ts',
    'wave-2.ts',
    'wave-3.ts',
  ]);
  expect(Object.keys(modules['wave-1']).sort()).toEqual([
    'yelbDbPortMapping',
    'yelbDbServiceConnect',
    'yelbRedisPortMapping',
    'yelbRedisServiceConnect',
  ]);
});

test('the files type-check strictly against aws-cdk-lib', () => {
  expect(diagnostics).toEqual([]);
});

test('synthesized, each service has the configuration apply --dry-run sends, and its port its name and app protocol', async () => {
  const sent = Object.assign({}, ...(await dryRunWaves(env, file)));
  const template = on.toJSON();
  const services = ecsServices(on);
  expect(Object.keys(services).sort()).toEqual(Object.keys(sent).sort());
  for (const [name, service] of Object.entries(services)) {
    expect({
      [name]: inApiTerms(service.Properties.ServiceConnectConfiguration, template.Resources),
    }).toEqual({
      [name]: sent[name],
    });
  }
  const mappings = Object.values(on.findResources('AWS::ECS::TaskDefinition')).map(
    (td: any) => td.Properties.ContainerDefinitions[0].PortMappings[0]
  );
  expect(mappings).toContainEqual({
    ContainerPort: 4567,
    Name: 'yelb-appserver',
    AppProtocol: 'http',
    Protocol: 'tcp',
  });
  expect(mappings).toContainEqual({ ContainerPort: 5432, Name: 'yelb-db', Protocol: 'tcp' });
});

test('the rollback states Service Connect off on the L1 (the prop left out would change nothing), retire the registries empty', () => {
  for (const [name, service] of Object.entries(ecsServices(off))) {
    expect({ [name]: service.Properties.ServiceConnectConfiguration }).toEqual({
      [name]: { Enabled: false },
    });
    const cloudMap = YELB.services.find((s) => s.name === name)!.legacyDiscovery.kind === 'cloudMapDns';
    if (cloudMap) expect({ [name]: service.Properties.ServiceRegistries }).toEqual({ [name]: [] });
  }
});

test('the README says per wave what to put in the app, and the status that proves it live', () => {
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  expect(readme).toContain('## Step 2: wave 2, yelb-appserver');
  expect(readme).toContain(
    'From `wave-2.ts`: give yelb-appserver `serviceConnectConfiguration: <name>ServiceConnect(this)`'
  );
  expect(readme).toContain('| yelb-appserver | on | yelb-appserver.yelb.lb.internal:4567 | completed |');
  expect(readme).toMatch(/feature flag `@aws-cdk\/aws-ecs:removeEmptyLoadBalancers`/);
});
