import {
  DescribeStackResourcesCommand,
  GetTemplateCommand,
  StackResource as CfnStackResource,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { AwsClients } from '../aws/clients';
import { mapLimit } from '../core/concurrency';
import { madeByOf } from '../export/made-by';
import { StackTemplate, UnreadableTemplate } from '../export/template';
import { StackOwner, StackResource } from '../model/topology';

/**
 * Which CloudFormation stack owns each service, read-only and at few calls. A service that
 * CloudFormation made carries its `aws:cloudformation:stack-name` and `logical-id` tags, which
 * `DescribeServices` returns with the services (no call of its own); a service with no tags at
 * all (an account where ECS's tags were never opted in to) is asked with `DescribeStackResources`
 * by its ARN. Each owning stack is then read once: its template (`GetTemplate`: whether the CDK
 * or Copilot made it) and its resources (`ListStackResources`, paged), which give the stack and
 * logical ID of the services' task definitions, Cloud Map services, target groups and records;
 * a task definition, Cloud Map service or internal target group found in no owning stack is asked
 * by its physical ID. No stack owns anything in a
 * cluster without tags of CloudFormation's: no call is made then, beyond the untagged services'.
 */

/** What discovery knows of the stacks that own the cluster's services. */
export interface StackOwners {
  /** The stack and logical ID of each service a stack owns, by service name. */
  readonly services: ReadonlyMap<string, StackResource>;
  /** The tool that made each owning stack (none: written by hand). */
  readonly madeBy: ReadonlyMap<string, StackOwner['madeBy']>;
  /** The resources of the owning stacks (and those found by physical ID), by physical ID. */
  readonly resources: ReadonlyMap<string, StackResource>;
}

const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';
/** The tag Copilot puts on its stacks, which CloudFormation passes on to their resources. */
const COPILOT_TAG = 'copilot-application';
/** Concurrent reads, as the rest of discovery. */
const CONCURRENCY = 5;

/**
 * Reads the owners of `services` (described with their tags). Of the target groups, only those of
 * internal load balancers (`internalTargetGroups`, when known) are an old path worth a call.
 */
export async function readOwners(
  clients: Pick<AwsClients, 'cloudFormation'>,
  services: readonly EcsService[],
  internalTargetGroups: ReadonlySet<string> | undefined,
  progress: (line: string) => void
): Promise<StackOwners> {
  const owned = new Map<string, StackResource>();
  const copilot = new Set<string>();
  const untagged: EcsService[] = [];
  for (const service of services) {
    const tags = new Map((service.tags ?? []).map((t) => [t.key, t.value]));
    const stack = tags.get(STACK_NAME_TAG);
    const logicalId = tags.get(LOGICAL_ID_TAG);
    if (stack && logicalId) owned.set(service.serviceName!, { stack, logicalId });
    if (stack && tags.has(COPILOT_TAG)) copilot.add(stack);
    if (tags.size === 0 && service.serviceArn) untagged.push(service);
  }
  const resources = new Map<string, StackResource>();
  const stackFamilies = new Map<string, StackResource>();
  await mapLimit(untagged, CONCURRENCY, async (service) => {
    const found = await stackOf(clients, service.serviceArn!);
    const own = found.find((r) => r.PhysicalResourceId === service.serviceArn);
    if (own?.ResourceType === 'AWS::ECS::Service')
      owned.set(service.serviceName!, { stack: own.StackName!, logicalId: own.LogicalResourceId! });
  });
  const stacks = [...new Set([...owned.values()].map((o) => o.stack))];
  const madeBy = new Map<string, StackOwner['madeBy']>();
  await mapLimit(stacks, CONCURRENCY, async (stack) => {
    madeBy.set(stack, copilot.has(stack) ? 'copilot' : await madeByStack(clients, stack));
    for await (const page of paginateListStackResources(
      { client: clients.cloudFormation },
      { StackName: stack }
    ))
      for (const r of page.StackResourceSummaries ?? [])
        if (r.PhysicalResourceId && r.ResourceStatus !== 'DELETE_COMPLETE') {
          resources.set(r.PhysicalResourceId, { stack, logicalId: r.LogicalResourceId! });
          if (r.ResourceType === 'AWS::ECS::TaskDefinition')
            stackFamilies.set(familyOf(r.PhysicalResourceId), { stack, logicalId: r.LogicalResourceId! });
        }
  });
  // A service that runs a later revision than its stack's (apply --allow-drift registered one to
  // name a port): the stack's task definition of the same family is still the one to edit.
  for (const service of services.filter((s) => owned.has(s.serviceName!) && s.taskDefinition)) {
    const stackDefinition = stackFamilies.get(familyOf(service.taskDefinition!));
    if (
      !resources.has(service.taskDefinition!) &&
      stackDefinition?.stack === owned.get(service.serviceName!)!.stack
    )
      resources.set(service.taskDefinition!, stackDefinition);
  }
  const elsewhere = services
    .filter((s) => owned.has(s.serviceName!))
    .flatMap((s) => [
      s.taskDefinition,
      ...(s.serviceRegistries ?? []).map((r) => r.registryArn?.slice(r.registryArn.lastIndexOf('/') + 1)),
      ...(s.loadBalancers ?? [])
        .map((lb) => lb.targetGroupArn)
        .filter((arn) => !internalTargetGroups || (arn !== undefined && internalTargetGroups.has(arn))),
    ])
    .filter((id): id is string => id !== undefined && !resources.has(id));
  await mapLimit([...new Set(elsewhere)], CONCURRENCY, async (physicalId) => {
    const own = (await stackOf(clients, physicalId)).find((r) => r.PhysicalResourceId === physicalId);
    if (own) resources.set(physicalId, { stack: own.StackName!, logicalId: own.LogicalResourceId! });
  });
  if (owned.size > 0) progress(`CloudFormation: ${owned.size} service(s) owned by ${stacks.length} stack(s)`);
  return { services: owned, madeBy, resources };
}

/** A task definition's family, from its ARN (`…:task-definition/family:revision`). */
function familyOf(taskDefinitionArn: string): string {
  return taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1).replace(/:\d+$/, '');
}

/** The resources of the stack that holds `physicalId` (none when no stack does). */
async function stackOf(
  clients: Pick<AwsClients, 'cloudFormation'>,
  physicalId: string
): Promise<CfnStackResource[]> {
  try {
    const { StackResources } = await clients.cloudFormation.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: physicalId })
    );
    return (StackResources ?? []).filter((r) => r.ResourceStatus !== 'DELETE_COMPLETE');
  } catch (err) {
    if ((err as Error).name === 'ValidationError') return [];
    throw err;
  }
}

/** Whether the CDK made `stack`, from its template; a template that cannot be read says nothing. */
async function madeByStack(
  clients: Pick<AwsClients, 'cloudFormation'>,
  stack: string
): Promise<StackOwner['madeBy']> {
  const { TemplateBody } = await clients.cloudFormation.send(
    new GetTemplateCommand({ StackName: stack, TemplateStage: 'Original' })
  );
  try {
    return madeByOf(StackTemplate.parse(TemplateBody ?? '{}', `stack ${stack}`).json());
  } catch (err) {
    if (err instanceof UnreadableTemplate) return undefined;
    throw err;
  }
}
