import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ServiceSpec } from '../model/topology';

/**
 * A port without a name gets one: Service Connect refers to a port by its name. `apply` registers
 * a revision of the service's task definition that differs only by the port mapping's name (and
 * app protocol, from the topology), tagged with the revision it replaces; `rollback` moves a
 * service that runs such a revision back to that one. The state lives in the tag, in AWS: no
 * local file to lose between apply and rollback.
 */

/** The tag on a revision that `apply` registered: the ARN of the revision the service ran before. */
export const PREVIOUS_REVISION_TAG = 'service-connect-migration:previous-task-definition';

/** A task definition as DescribeTaskDefinition returns it, with its tags. */
export interface DescribedTaskDefinition {
  readonly taskDefinition: TaskDefinition;
  readonly tags: readonly Tag[];
}

/** Reads a task definition with its tags. */
export async function describeTaskDefinition(ecs: ECSClient, arn: string): Promise<DescribedTaskDefinition> {
  const answer = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })
  );
  return { taskDefinition: answer.taskDefinition!, tags: answer.tags ?? [] };
}

/** The container that serves `svc`'s port: the one the topology names, else the one named like the service. */
export function containerOf(td: TaskDefinition, svc: ServiceSpec) {
  return td.containerDefinitions?.find((c) => c.name === (svc.container ?? svc.name));
}

/**
 * What is wrong with a task definition for `svc`'s endpoint: a missing container or port mapping.
 * A port that only lacks its name (or app protocol) is not a problem: {@link namedRevision} fixes it.
 */
export function portProblem(td: TaskDefinition, svc: ServiceSpec): string | undefined {
  const container = containerOf(td, svc);
  const where = `${svc.name}: task definition ${td.family}:${td.revision}`;
  if (!container)
    return `${where} has no container '${svc.container ?? svc.name}' (containers: ${(td.containerDefinitions ?? []).map((c) => c.name).join(', ')}); set services[].container in the topology`;
  if (!(container.portMappings ?? []).some((m) => m.containerPort === svc.port))
    return `${where}: container '${container.name}' has no port mapping for port ${svc.port} (ports: ${(container.portMappings ?? []).map((m) => m.containerPort).join(', ') || 'none'})`;
  const taken = (td.containerDefinitions ?? [])
    .flatMap((c) => (c.portMappings ?? []).map((m) => ({ c: c.name, m })))
    .find(({ c, m }) => m.name === svc.portName && !(c === container.name && m.containerPort === svc.port));
  if (taken)
    return `${where}: the port name '${svc.portName}' is already container '${taken.c}''s port ${taken.m.containerPort}; choose another portName`;
  return undefined;
}

/**
 * The RegisterTaskDefinition request for a revision whose port mapping has `svc`'s port name and
 * app protocol, tagged with the revision it replaces; `undefined` when the task definition already
 * has them. Every other field is copied as the API returned it (the request's members only: not
 * the ARN, revision, status or registration details).
 */
export function namedRevision(
  described: DescribedTaskDefinition,
  svc: ServiceSpec
): RegisterTaskDefinitionCommandInput | undefined {
  const td = described.taskDefinition;
  const container = containerOf(td, svc)!;
  const mapping = container.portMappings!.find((m) => m.containerPort === svc.port)!;
  const protocol = svc.appProtocol ?? mapping.appProtocol;
  if (mapping.name === svc.portName && mapping.appProtocol === protocol) return undefined;
  const containerDefinitions = td.containerDefinitions!.map((c) =>
    c !== container
      ? c
      : {
          ...c,
          portMappings: c.portMappings!.map((m) =>
            m !== mapping ? m : { ...m, name: svc.portName, ...(protocol && { appProtocol: protocol }) }
          ),
        }
  );
  // Tags starting with aws: are AWS's own (CloudFormation's stack tags): a request may not set them.
  const tags = [
    ...described.tags.filter((t) => t.key !== PREVIOUS_REVISION_TAG && !/^aws:/i.test(t.key ?? '')),
    { key: PREVIOUS_REVISION_TAG, value: td.taskDefinitionArn! },
  ];
  return {
    family: td.family,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    networkMode: td.networkMode,
    containerDefinitions,
    volumes: td.volumes,
    placementConstraints: td.placementConstraints,
    requiresCompatibilities: td.requiresCompatibilities,
    cpu: td.cpu,
    memory: td.memory,
    tags,
    pidMode: td.pidMode,
    ipcMode: td.ipcMode,
    proxyConfiguration: td.proxyConfiguration,
    inferenceAccelerators: td.inferenceAccelerators,
    ephemeralStorage: td.ephemeralStorage,
    runtimePlatform: td.runtimePlatform,
    enableFaultInjection: td.enableFaultInjection,
  };
}

/** The revision a service ran before `apply` named its port, when it runs one that `apply` registered. */
export function previousRevision(described: DescribedTaskDefinition): string | undefined {
  return described.tags.find((t) => t.key === PREVIOUS_REVISION_TAG)?.value;
}
