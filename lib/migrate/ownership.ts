import { ServiceSpec, Topology } from '../model/topology';

/**
 * Services that a CloudFormation stack owns (the topology's `owner`, which discover records):
 * the stack's next deployment puts back what its template says, so what `apply`, `retire` or
 * `rollback` changes with the SDK is drift that the code reverts (and a template without the port
 * names, deployed while Service Connect is on, fails). Those commands refuse such services before
 * anything is read or changed, naming the stack and the command that writes the migration into
 * its code instead, unless `--allow-drift`.
 */

/** The commands that refuse owned services. */
export type ChangingCommand = 'apply' | 'retire' | 'rollback';

/**
 * One line per owning stack of the services `command` would change (`only`: retire's
 * `--only`), or none.
 */
export function ownedRefusals(
  topology: Topology,
  command: ChangingCommand,
  topologyFile: string | undefined,
  only?: readonly string[]
): string[] {
  const touched = topology.services.filter((s) => s.owner && (!only || only.includes(s.name)));
  const byStack = new Map<string, ServiceSpec[]>();
  for (const svc of touched) byStack.set(svc.owner!.stack, [...(byStack.get(svc.owner!.stack) ?? []), svc]);
  return [...byStack].map(([stack, services]) => {
    const madeBy = services[0].owner!.madeBy;
    const format = madeBy === 'cdk' ? 'cdk' : 'cloudformation';
    const tool = madeBy === 'cdk' ? ' (made by the CDK)' : madeBy === 'copilot' ? ' (made by Copilot)' : '';
    return `${services.map((s) => s.name).join(', ')}: owned by CloudFormation stack '${stack}'${tool}, whose next deployment puts back what ${command} changes; write the migration into its ${format === 'cdk' ? 'code' : 'template'} instead: npm run migrate -- export --topology ${topologyFile ?? 'FILE'} --format ${format} --out DIR, or pass --allow-drift to ${command} anyway (docs/your-services.md, "Services that a stack or code owns")`;
  });
}
