import { isDeepStrictEqual } from 'util';
import { PortMappingPlan } from '../model/plan';
import { ServiceConnectConfig } from '../model/service-connect';
import { ExportPlan, ExportWave } from './cloudformation';
import { parseHcl } from './hcl';
import {
  ExportContext,
  ExportedFile,
  listed,
  readmeHeader,
  statusAfterOff,
  statusAfterWave,
} from './exported';

/**
 * The export for a Terraform configuration: per wave an HCL file with, for each of its services,
 * the `service_connect_configuration` block of its `aws_ecs_service` (the same values `apply`
 * sends, in the AWS provider's block and attribute names) and the fields of its port mapping (a
 * `locals` value for the `container_definitions` of its `aws_ecs_task_definition`); per wave of
 * the rollback, the block with `enabled = false`. Every file is read back with HashiCorp's HCL
 * parser (`@cdktf/hcl2json`) before it is written and must give the plan's configuration again.
 * What is not checked: the names against the provider's schema (`terraform validate` needs the
 * provider, which is downloaded from the network).
 */

/** The provider's name of a configuration's key where it is not the key in snake case. */
const BLOCK_NAMES: Readonly<Record<string, string>> = {
  services: 'service',
  clientAliases: 'client_alias',
  issuerCertificateAuthority: 'issuer_cert_authority',
  testTrafficRules: 'test_traffic_rules',
};
/** The keys whose value is a list of blocks (repeated), not one block. */
const REPEATED = new Set(['services', 'clientAliases']);

/** The Terraform export of a plan, each file checked by parsing it back. */
export async function terraformFiles(context: ExportContext, plan: ExportPlan): Promise<ExportedFile[]> {
  const files: ExportedFile[] = [];
  for (const [i, wave] of context.waves.entries()) {
    const text = waveFile(wave, i + 1, context.waves.length, plan);
    await checkParsed(`wave-${i + 1}.hcl`, text, wave, plan);
    files.push({ path: `wave-${i + 1}.hcl`, text });
  }
  for (const [i, wave] of context.waves.entries()) {
    const off = { services: wave.services.map((s) => ({ ...s, serviceConnect: { enabled: false } })) };
    const text = rollbackFile(off, i + 1);
    await checkParsed(`rollback-wave-${i + 1}.hcl`, text, off, plan);
    files.push({ path: `rollback-wave-${i + 1}.hcl`, text });
  }
  return [{ path: 'README.md', text: readme(context, plan) }, ...files];
}

/** The HCL label of a service's resource: `yelb-db` → `yelb_db`. */
export function labelOf(name: string): string {
  const label = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(label) ? label : `s_${label}`;
}

function waveFile(wave: ExportWave, number: number, of: number, plan: ExportPlan): string {
  const parts = wave.services.map((s) => {
    const mapping = plan.slices.get(s.name)?.portMapping;
    return [
      serviceBlock(s.name, s.serviceConnect),
      ...(mapping?.name ? [portMappingLocal(s.name, mapping)] : []),
    ].join('\n\n');
  });
  return [
    `# Wave ${number} of ${of}, servers first: ${listed(wave.services.map((s) => s.name))}.`,
    '# Written by `npm run migrate -- export --format terraform`. Merge each block into the resource of your',
    '# configuration that manages that ECS service (`name`) or task definition, `terraform apply`, and check',
    '# `migrate status` before the next wave. HCL, not a .tf file: Terraform does not load it as it is.',
    '',
    parts.join('\n\n'),
    '',
  ].join('\n');
}

function rollbackFile(wave: ExportWave, number: number): string {
  return [
    `# Rollback of wave ${number}, clients first: ${listed(wave.services.map((s) => s.name))}. Service Connect off, stated.`,
    '',
    wave.services.map((s) => serviceBlock(s.name, s.serviceConnect)).join('\n\n'),
    '',
  ].join('\n');
}

function serviceBlock(name: string, config: ServiceConnectConfig): string {
  return [
    `# ${name}: the service_connect_configuration of its aws_ecs_service`,
    `resource "aws_ecs_service" "${labelOf(name)}" {`,
    `  name = ${hclString(name)}`,
    '',
    ...block('service_connect_configuration', config, 1),
    '}',
  ].join('\n');
}

function portMappingLocal(name: string, mapping: PortMappingPlan): string {
  const fields = [
    ['containerPort', String(mapping.containerPort)],
    ['name', hclString(mapping.name!)],
    ...(mapping.appProtocol ? [['appProtocol', hclString(mapping.appProtocol)]] : []),
  ];
  return [
    `# ${name}: the fields of its port mapping, in the container_definitions of its aws_ecs_task_definition`,
    'locals {',
    `  ${labelOf(name)}_port_mapping = {`,
    ...fields.map(([k, v]) => `    ${k} = ${v}`),
    '  }',
    '}',
  ].join('\n');
}

/** A block of the provider from a value in the API's shape: nested blocks, attributes, the log options as a map. */
function block(name: string, value: Record<string, unknown>, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const lines = [`${pad}${name} {`];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const hclName = BLOCK_NAMES[key] ?? snake(key);
    if (key === 'options') {
      lines.push(`${pad}  options = {`);
      for (const [k, o] of Object.entries(v as Record<string, string>))
        lines.push(`${pad}    ${hclString(k)} = ${hclString(o)}`);
      lines.push(`${pad}  }`);
    } else if (REPEATED.has(key)) {
      for (const item of v as Record<string, unknown>[]) lines.push(...block(hclName, item, depth + 1));
    } else if (v !== null && typeof v === 'object') {
      lines.push(...block(hclName, v as Record<string, unknown>, depth + 1));
    } else {
      lines.push(`${pad}  ${hclName} = ${typeof v === 'string' ? hclString(v) : JSON.stringify(v)}`);
    }
  }
  lines.push(`${pad}}`);
  return lines;
}

/**
 * Parses `text` with HashiCorp's HCL parser and checks that each service's block gives its
 * configuration back, and each port mapping its fields. @throws Error naming the file otherwise.
 */
async function checkParsed(file: string, text: string, wave: ExportWave, plan: ExportPlan): Promise<void> {
  const parsed = (await parseHcl(file, text)) as {
    resource?: { aws_ecs_service?: Record<string, { service_connect_configuration?: unknown[] }[]> };
    locals?: Record<string, unknown>[];
  };
  for (const s of wave.services) {
    const [resource] = parsed.resource?.aws_ecs_service?.[labelOf(s.name)] ?? [];
    const read = fromHcl(resource?.service_connect_configuration?.[0]);
    if (!isDeepStrictEqual(read, s.serviceConnect))
      throw new Error(
        `${file}: ${s.name}'s block reads back as ${JSON.stringify(read)}, not ${JSON.stringify(s.serviceConnect)}`
      );
    const mapping = plan.slices.get(s.name)?.portMapping;
    const local = (parsed.locals ?? []).find((l) => `${labelOf(s.name)}_port_mapping` in l);
    if (mapping?.name && s.serviceConnect.enabled) {
      const fields = local?.[`${labelOf(s.name)}_port_mapping`];
      const expected = {
        containerPort: mapping.containerPort,
        name: mapping.name,
        ...(mapping.appProtocol && { appProtocol: mapping.appProtocol }),
      };
      if (!isDeepStrictEqual(fields, expected))
        throw new Error(`${file}: ${s.name}'s port mapping reads back as ${JSON.stringify(fields)}`);
    }
  }
}

/**
 * A parsed `service_connect_configuration` block in the API's shape: each block (hcl2json gives
 * a list) one object, the repeated ones lists. A client-only service has no `service` block,
 * which ECS takes as the API's empty list.
 */
export function fromHcl(value: unknown): unknown {
  const read = apiShape(value, '');
  if (read && typeof read === 'object' && (read as Record<string, unknown>).enabled === true)
    (read as Record<string, unknown>).services ??= [];
  return read;
}

function apiShape(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => apiShape(v, key));
    return REPEATED.has(key) ? items : items[0];
  }
  if (value === null || typeof value !== 'object') return value;
  if (key === 'options') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const apiKey = Object.entries(BLOCK_NAMES).find(([, hcl]) => hcl === k)?.[0] ?? camel(k);
      return [apiKey, apiShape(v, apiKey)];
    })
  );
}

function readme(context: ExportContext, plan: ExportPlan): string {
  const lines = readmeHeader(
    context,
    'terraform',
    "Per wave, the blocks to merge into the resources of your configuration that manage the services (`aws_ecs_service`, matched by `name`) and their task definitions; each file was read back with HashiCorp's HCL parser and gives the plan's configuration again. Not checked: the block and attribute names against the AWS provider's schema, which `terraform validate` would need the provider for (`access_log_configuration` needs a provider release from 2026, hashicorp/terraform-provider-aws#45820)."
  );
  context.waves.forEach((wave, i) => {
    lines.push('', `## Step ${i + 1}: wave ${i + 1}, ${listed(wave.services.map((s) => s.name))}`, '');
    lines.push(
      `Merge \`wave-${i + 1}.hcl\`, keep what earlier waves added, \`terraform apply\`.`,
      '',
      ...statusAfterWave(context, wave)
    );
  });
  const slices = [...plan.slices.values()];
  lines.push('', `## Step ${context.waves.length + 1}: retire, the old path detached`, '');
  lines.push(
    'Once every caller runs Service Connect and nothing outside ECS uses the old names: remove from the `aws_ecs_service` of',
    '',
    ...slices
      .filter((s) => s.spec.legacyDiscovery.kind !== 'none' && !s.keepsOldPath)
      .map((s) =>
        s.spec.legacyDiscovery.kind === 'cloudMapDns'
          ? `- ${s.spec.name}: its \`service_registries\` block (a provider release after April 2023 detaches it: hashicorp/terraform-provider-aws#30852)`
          : `- ${s.spec.name}: the \`load_balancer\` block of its internal target group`
      ),
    '',
    'and keep the resources themselves (`aws_service_discovery_service`, `aws_lb_target_group`, records): nothing is deleted.',
    ...slices
      .filter((s) => s.keepsOldPath)
      .map((s) => `\n${s.spec.name} keeps its old path: ${s.keepsOldPath}`)
  );
  lines.push(
    '',
    '## Rollback, clients first',
    '',
    'After retire, put the removed blocks back first. Then:',
    ''
  );
  for (let wave = context.waves.length; wave >= 1; wave -= 1) {
    lines.push(
      `- wave ${wave}: \`rollback-wave-${wave}.hcl\` (\`enabled = false\`, stated rather than the block removed), \`terraform apply\`. ${statusAfterOff(context, context.waves[wave - 1]).join(' ')}`
    );
  }
  return `${lines.join('\n')}\n`;
}

function hclString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')}"`;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_all, c: string) => c.toUpperCase());
}
