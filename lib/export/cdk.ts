import { ValidationError } from '../core/validation';
import { PortMappingPlan } from '../model/plan';
import { ServiceConnectConfig } from '../model/service-connect';
import { ServiceSpec } from '../model/topology';
import { ExportPlan, ExportWave } from './cloudformation';
import {
  ExportContext,
  ExportedFile,
  listed,
  readmeHeader,
  statusAfterOff,
  statusAfterWave,
} from './exported';

/**
 * The export for a CDK app: a template edit would be reverted by the next `cdk deploy`, so the
 * migration goes into the app's code. Per wave a TypeScript file with, for each of its services,
 * a function that returns its `serviceConnectConfiguration` (the props of its `FargateService` or
 * `Ec2Service`, the same values `apply` sends) and the port mapping that names its port; per
 * wave of the rollback, the function that states Service Connect off on the service's L1
 * (leaving the prop out would change nothing: CloudFormation keeps what an absent property had);
 * and for retire, the function that states a service's registries empty. The test in
 * test/export/ type-checks and synthesizes these files against aws-cdk-lib.
 */

/**
 * The CDK export of a plan. @throws ValidationError naming each service whose configuration the
 * CDK's props cannot express, and the value (nothing is written).
 */
export function cdkFiles(context: ExportContext, plan: ExportPlan): ExportedFile[] {
  const problems = context.waves.flatMap((w) =>
    w.services.flatMap((s) => notExpressible(s.name, s.serviceConnect))
  );
  if (problems.length > 0) throw new ValidationError(problems);
  const files: ExportedFile[] = context.waves.map((wave, i) => ({
    path: `wave-${i + 1}.ts`,
    text: waveFile(wave, i + 1, context.waves.length, plan),
  }));
  context.waves.forEach((wave, i) =>
    files.push({ path: `rollback-wave-${i + 1}.ts`, text: rollbackFile(wave, i + 1) })
  );
  const retiring = [...plan.slices.values()].filter(
    (s) => s.spec.legacyDiscovery.kind === 'cloudMapDns' && !s.keepsOldPath
  );
  if (retiring.length > 0) files.push({ path: 'retire.ts', text: retireFile(retiring.map((s) => s.spec)) });
  return [{ path: 'README.md', text: readme(context, plan) }, ...files];
}

/** A service's name as a TypeScript identifier: `yelb-appserver` → `yelbAppserver`. */
export function identifierOf(name: string): string {
  const words = name.split(/[-_]+/).filter(Boolean);
  const id = words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() : w.charAt(0).toUpperCase()) + w.slice(1))
    .join('');
  return /^[0-9]/.test(id) ? `s${id}` : id;
}

function waveFile(wave: ExportWave, number: number, of: number, plan: ExportPlan): string {
  const bodies = wave.services.map((s) => {
    const slice = plan.slices.get(s.name)!;
    return [
      serviceConnectFunction(slice.spec, s.serviceConnect),
      portMappingConstant(slice.spec, slice.portMapping),
    ]
      .filter(Boolean)
      .join('\n\n');
  });
  const code = bodies.join('\n\n');
  const imports = [
    ...(code.includes('Duration.') ? ["import { Duration } from 'aws-cdk-lib/core';"] : []),
    "import * as ecs from 'aws-cdk-lib/aws-ecs';",
    ...(code.includes('logs.') ? ["import * as logs from 'aws-cdk-lib/aws-logs';"] : []),
    "import { Construct } from 'constructs';",
  ];
  return [
    `// Wave ${number} of ${of}, servers first: ${listed(wave.services.map((s) => s.name))}.`,
    '// Written by `npm run migrate -- export --format cdk`: give each service its serviceConnectConfiguration',
    '// and its port mapping these fields, `cdk deploy`, and check `migrate status` before the next wave.',
    ...imports,
    '',
    code,
    '',
  ].join('\n');
}

/** The log options the CDK's `LogDrivers.awsLogs` states (the region is the stack's). */
const AWS_LOGS_OPTIONS = ['awslogs-group', 'awslogs-stream-prefix', 'awslogs-region'];

/**
 * What of a service's configuration the functions below cannot write with the CDK's props, one
 * problem per field, naming the value: log options its awsLogs driver does not take, TLS (its
 * props take the key and the role as constructs), test traffic rules, and more than one client
 * alias per endpoint (its props state one).
 */
function notExpressible(service: string, config: ServiceConnectConfig): string[] {
  if (!config.enabled) return [];
  const problems: string[] = [];
  const log = config.logConfiguration;
  const options = Object.keys(log?.options ?? {}).filter((k) => !AWS_LOGS_OPTIONS.includes(k));
  if (log && !(log.options?.['awslogs-group'] && log.options['awslogs-stream-prefix']))
    problems.push(
      `${service}: log options ${JSON.stringify(log.options ?? {})}; the CDK's awsLogs driver needs awslogs-group and awslogs-stream-prefix`
    );
  else if (options.length > 0)
    problems.push(
      `${service}: log options ${options.map((o) => `'${o}'`).join(', ')}; the CDK's awsLogs driver states only ${AWS_LOGS_OPTIONS.join(', ')}`
    );
  for (const e of config.services ?? []) {
    const where = `${service}, endpoint '${e.portName}'`;
    if (e.tls) problems.push(`${where}: TLS is not exported for the CDK; state its tls props by hand`);
    if (e.clientAliases.some((a) => a.testTrafficRules))
      problems.push(`${where}: test traffic rules are not exported for the CDK (its props have none)`);
    if (e.clientAliases.length !== 1)
      problems.push(
        `${where}: ${e.clientAliases.length} client aliases (${e.clientAliases.map((a) => `${a.dnsName}:${a.port}`).join(', ') || 'none'}); the CDK's props state exactly one`
      );
  }
  return problems;
}

function serviceConnectFunction(spec: ServiceSpec, config: ServiceConnectConfig): string {
  const id = identifierOf(spec.name);
  const options = config.logConfiguration?.options ?? {};
  const lines = [
    `/** ${spec.name}: the serviceConnectConfiguration of its FargateService or Ec2Service. */`,
    `export function ${id}ServiceConnect(scope: Construct): ecs.ServiceConnectProps {`,
    '  return {',
    `    namespace: ${quote(config.namespace)},`,
    `    services: [${(config.services ?? []).map((e) => `\n${endpoint(e)}`).join('')}${(config.services ?? []).length > 0 ? '\n    ' : ''}],`,
    ...(config.logConfiguration
      ? [
          '    logDriver: ecs.LogDrivers.awsLogs({',
          `      logGroup: logs.LogGroup.fromLogGroupName(scope, ${quote(`${pascal(id)}ServiceConnectLogs`)}, ${quote(options['awslogs-group'])}),`,
          `      streamPrefix: ${quote(options['awslogs-stream-prefix'])},`,
          '    }),',
        ]
      : []),
    ...(config.accessLogConfiguration
      ? [
          `    accessLogConfiguration: { format: ecs.ServiceConnectAccessLogFormat.${config.accessLogConfiguration.format}, includeQueryParameters: ${config.accessLogConfiguration.includeQueryParameters === 'ENABLED'} },`,
        ]
      : []),
    '  };',
    '}',
  ];
  return lines.join('\n');
}

function endpoint(e: NonNullable<ServiceConnectConfig['services']>[number]): string {
  const [alias] = e.clientAliases;
  const fields = [
    `portMappingName: ${quote(e.portName)}`,
    ...(e.discoveryName !== undefined ? [`discoveryName: ${quote(e.discoveryName)}`] : []),
    `dnsName: ${quote(alias.dnsName)}`,
    `port: ${alias.port}`,
    ...(e.ingressPortOverride !== undefined ? [`ingressPortOverride: ${e.ingressPortOverride}`] : []),
    ...(e.timeout?.idleTimeoutSeconds !== undefined
      ? [`idleTimeout: Duration.seconds(${e.timeout.idleTimeoutSeconds})`]
      : []),
    ...(e.timeout?.perRequestTimeoutSeconds !== undefined
      ? [`perRequestTimeout: Duration.seconds(${e.timeout.perRequestTimeoutSeconds})`]
      : []),
  ];
  return ['      {', ...fields.map((f) => `        ${f},`), '      },'].join('\n');
}

function portMappingConstant(spec: ServiceSpec, mapping: PortMappingPlan | undefined): string {
  if (!mapping?.name) return '';
  const fields = [
    `containerPort: ${mapping.containerPort}`,
    `name: ${quote(mapping.name)}`,
    ...(mapping.appProtocol ? [`appProtocol: ecs.AppProtocol.${mapping.appProtocol}`] : []),
  ];
  return [
    `/** ${spec.name}: the port mapping of its container ${spec.container ?? spec.name} (keep your other fields, such as hostPort, beside these). */`,
    `export const ${identifierOf(spec.name)}PortMapping: ecs.PortMapping = { ${fields.join(', ')} };`,
  ].join('\n');
}

function rollbackFile(wave: ExportWave, number: number): string {
  return [
    `// Rollback of wave ${number}, clients first: ${listed(wave.services.map((s) => s.name))}.`,
    "// Remove serviceConnectConfiguration from these services' props AND call these functions: a prop left out",
    '// renders no property, and CloudFormation keeps what an absent property had (Service Connect on).',
    "import * as ecs from 'aws-cdk-lib/aws-ecs';",
    '',
    wave.services
      .map((s) =>
        [
          `/** ${s.name}: Service Connect off, stated on its L1 resource. */`,
          `export function ${identifierOf(s.name)}ServiceConnectOff(service: ecs.BaseService): void {`,
          '  (service.node.defaultChild as ecs.CfnService).serviceConnectConfiguration = { enabled: false };',
          '}',
        ].join('\n')
      )
      .join('\n\n'),
    '',
  ].join('\n');
}

function retireFile(services: readonly ServiceSpec[]): string {
  return [
    '// Retire: the Cloud Map registries detached, once every caller runs Service Connect. Keep cloudMapOptions',
    '// (or the Cloud Map service) as they are: nothing is deleted; ServiceRegistries is stated empty, because a',
    '// property left out would change nothing.',
    "import * as ecs from 'aws-cdk-lib/aws-ecs';",
    '',
    services
      .map((s) =>
        [
          `/** ${s.name}: its Cloud Map registry detached. */`,
          `export function ${identifierOf(s.name)}DetachOldPath(service: ecs.BaseService): void {`,
          '  (service.node.defaultChild as ecs.CfnService).serviceRegistries = [];',
          '}',
        ].join('\n')
      )
      .join('\n\n'),
    '',
  ].join('\n');
}

function readme(context: ExportContext, plan: ExportPlan): string {
  const lines = readmeHeader(
    context,
    'cdk',
    "A template edit would be reverted by the next `cdk deploy`: these files are the code to put in the app instead, one wave a deployment. The test in this project's test/export/ type-checks them against aws-cdk-lib, synthesizes them and compares the result with the plan."
  );
  context.waves.forEach((wave, i) => {
    lines.push('', `## Step ${i + 1}: wave ${i + 1}, ${listed(wave.services.map((s) => s.name))}`, '');
    lines.push(
      `From \`wave-${i + 1}.ts\`: give ${listed(wave.services.map((s) => s.name))} \`serviceConnectConfiguration: <name>ServiceConnect(this)\` in its props and its port mapping the fields of \`<name>PortMapping\`, keep what earlier waves added, then \`cdk deploy\`.`,
      '',
      ...statusAfterWave(context, wave)
    );
  });
  const registries = [...plan.slices.values()].filter(
    (s) => s.spec.legacyDiscovery.kind === 'cloudMapDns' && !s.keepsOldPath
  );
  const tgs = [...plan.slices.values()].filter(
    (s) => s.spec.legacyDiscovery.kind === 'internalAlb' && !s.keepsOldPath
  );
  lines.push('', `## Step ${context.waves.length + 1}: retire, the old path detached`, '');
  lines.push(
    'Once every caller runs Service Connect and nothing outside ECS uses the old names.',
    ...(registries.length > 0
      ? [
          '',
          `Cloud Map (${listed(registries.map((s) => s.spec.name))}): call the functions of \`retire.ts\` on the services, keep their \`cloudMapOptions\` (the Cloud Map services stay), \`cdk deploy\`.`,
        ]
      : []),
    ...(tgs.length > 0
      ? [
          '',
          `Internal load balancer (${listed(tgs.map((s) => s.spec.name))}): remove each service's attachment to its internal target group (\`attachToApplicationTargetGroup\`, \`loadBalancerTarget\`) and keep the target group. A service left without a load balancer renders \`LoadBalancers: []\` only with the feature flag \`@aws-cdk/aws-ecs:removeEmptyLoadBalancers\`; without it, state \`(service.node.defaultChild as ecs.CfnService).loadBalancers = []\`.`,
        ]
      : []),
    ...[...plan.slices.values()]
      .filter((s) => s.keepsOldPath)
      .map((s) => `\n${s.spec.name} keeps its old path: ${s.keepsOldPath}`)
  );
  lines.push(
    '',
    '## Rollback, clients first',
    '',
    "After retire, take its calls and changes out again and `cdk deploy` first (the old path attached). Then, wave by wave, remove the wave's `serviceConnectConfiguration` props and call the functions of its rollback file:",
    ''
  );
  for (let wave = context.waves.length; wave >= 1; wave -= 1) {
    lines.push(
      `- wave ${wave}: \`rollback-wave-${wave}.ts\`, \`cdk deploy\`. ${statusAfterOff(context, context.waves[wave - 1]).join(' ')}`
    );
  }
  return `${lines.join('\n')}\n`;
}

function quote(value: string | undefined): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
