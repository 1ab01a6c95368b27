import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { ServiceSpec, StackOwner } from '../model/topology';
import { Finding } from './findings';
import { ownedByStack } from './inferred-findings';
import { StackOwners } from './owners-read';

/**
 * Each service's owner in the topology file, from what discovery read of the stacks
 * (`readOwners`): the stack and logical ID of the service, the tool that made the stack, and the
 * stacks and logical IDs of its task definition and of its old path (the Cloud Map service, the
 * internal target group, the alias record its callers use). Pure.
 */

/** `spec` with its owner, when a stack owns its service. */
export function withOwner(
  spec: ServiceSpec,
  service: EcsService,
  owners: StackOwners | undefined
): ServiceSpec {
  const base = owners?.services.get(spec.name);
  if (!owners || !base) return spec;
  const d = spec.legacyDiscovery;
  const at = (...ids: (string | undefined)[]) =>
    ids.map((id) => (id === undefined ? undefined : owners.resources.get(id))).find((r) => r !== undefined);
  const registry = d.kind === 'cloudMapDns' ? d.registryArn : undefined;
  const owner: StackOwner = {
    ...base,
    ...(owners.madeBy.get(base.stack) && { madeBy: owners.madeBy.get(base.stack) }),
    ...optional('taskDefinition', at(service.taskDefinition)),
    ...optional('registry', at(registry, registry?.slice(registry.lastIndexOf('/') + 1))),
    ...optional('targetGroup', at(d.kind === 'internalAlb' ? d.targetGroupArn : undefined)),
    ...optional(
      'record',
      at(
        d.kind === 'internalAlb' && d.dnsName ? d.dnsName : undefined,
        d.kind === 'internalAlb' && d.dnsName ? `${d.dnsName}.` : undefined
      )
    ),
  };
  return { ...spec, owner };
}

/** One finding per owning stack, naming its services and where their other resources are. */
export function ownerFindings(specs: readonly ServiceSpec[]): Finding[] {
  const byStack = new Map<string, ServiceSpec[]>();
  for (const spec of specs.filter((s) => s.owner))
    byStack.set(spec.owner!.stack, [...(byStack.get(spec.owner!.stack) ?? []), spec]);
  return [...byStack].map(([stack, services]) => ownedByStack(stack, services));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]: V });
}
