import { ServiceConnectConfig } from '../model/service-connect';
import { ExportWave } from './cloudformation';

/**
 * What every format shares: the files an export writes, and the parts of their README that say
 * the same thing whatever owns the services (the order, and the `migrate status` line that
 * proves a step is live before the next).
 */

/** A file of the export, its path relative to the output folder. */
export interface ExportedFile {
  readonly path: string;
  readonly text: string;
}

/** The formats `migrate export` writes. */
export const EXPORT_FORMATS = ['cloudformation', 'cdk', 'terraform'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where the README's commands come from: the topology file, as the user named it. */
export interface ExportContext {
  readonly topologyFile: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly waves: readonly ExportWave[];
}

/** The client aliases of a configuration, as `migrate status` prints them (`-` for none). */
export function aliasesOf(config: ServiceConnectConfig): string {
  const aliases = (config.services ?? []).flatMap((e) =>
    e.clientAliases.map((a) => `${a.dnsName}:${a.port}`)
  );
  return aliases.join(' ') || '-';
}

/** `a, b and c`. */
export function listed(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The status command of the README. */
export function statusCommand(context: ExportContext): string {
  return `npm run migrate -- status --topology ${context.topologyFile}`;
}

/**
 * What `migrate status` must print for a wave's services before the next step: the cells of
 * their rows (service connect, client aliases, deployment).
 */
export function statusAfterWave(context: ExportContext, wave: ExportWave): string[] {
  return [
    ...cycleRedeploy(context, wave),
    `Live before the next step: \`${statusCommand(context)}\` prints, for each of these services:`,
    '',
    '| service | service connect | client aliases | deployment |',
    '| --- | --- | --- | --- |',
    ...wave.services.map((s) => `| ${s.name} | on | ${aliasesOf(s.serviceConnect)} | completed |`),
    '',
    `(\`namespace ${context.namespace}:\` lists their endpoints too.) A deployment still \`in progress\` is not live: wait, do not deploy the next step.`,
  ];
}

/**
 * The redeploy `apply` does after a wave with a cycle of calls: a proxy knows the endpoints that
 * existed when its task started, so a member deployed before the others had theirs has no alias
 * for them (its calls still go the old way, which retire would take away). A forced deployment
 * changes nothing in the service's definition: no drift from its code.
 */
export function cycleRedeploy(context: ExportContext, wave: ExportWave): string[] {
  return (wave.cycles ?? []).flatMap((cycle) => [
    `${listed([...cycle])} call each other (a cycle): each one's tasks that started before the others' endpoints existed have no alias for them. Once this step is deployed, start them again, as \`migrate apply\` does, and wait for each to complete:`,
    '',
    '```sh',
    ...cycle.map(
      (name) => `aws ecs update-service --cluster ${context.cluster} --service ${name} --force-new-deployment`
    ),
    '```',
    '',
  ]);
}

/** What `migrate status` prints once a wave's services are off again (a rollback step). */
export function statusAfterOff(context: ExportContext, wave: ExportWave): string[] {
  return [
    `Live before the next step: \`${statusCommand(context)}\` prints \`off\` under service connect and \`completed\` under deployment for ${listed(wave.services.map((s) => s.name))}.`,
  ];
}

/** The header every README starts with. */
export function readmeHeader(context: ExportContext, format: ExportFormat, how: string): string[] {
  const waves = context.waves.map((w, i) => `wave ${i + 1}: ${w.services.map((s) => s.name).join(', ')}`);
  return [
    `# ${context.cluster}: Service Connect through ${format === 'cloudformation' ? 'its CloudFormation stacks' : format === 'cdk' ? 'its CDK app' : 'its Terraform configuration'}`,
    '',
    `Written by \`npm run migrate -- export --topology ${context.topologyFile} --format ${format}\`. ${how}`,
    '',
    `The waves are those of \`npm run migrate -- apply\`, servers first (${waves.join('; ')}), and each service's Service Connect configuration is, field for field, what \`npm run migrate -- apply --dry-run --topology ${context.topologyFile}\` prints for it: every name its callers use is its client alias, so no caller changes its configuration. Deploy one step at a time, and check that it is live before the next: a client started before the endpoints it calls exist has no alias for them.`,
    '',
    `Before step 1: the Service Connect namespace \`${context.namespace}\` must exist: a Cloud Map HTTP namespace, a resource of your own or \`aws servicediscovery create-http-namespace --name ${context.namespace}\` (Service Connect does not create it).`,
  ];
}
