import { PortMappingPlan } from '../model/plan';
import { ServiceSpec } from '../model/topology';
import { DeployedValues, evaluate, firstIntrinsic, intrinsicName, isIntrinsic } from './intrinsics';
import { ResourceJson, StackTemplate, TemplateEdit, TemplatePath } from './template';

/**
 * Where each service a stack owns is in its template, and what the migration edits there: its
 * `AWS::ECS::Service` (the Service Connect configuration), the port mapping of its task
 * definition (its name and app protocol), and, to retire, the entries of `ServiceRegistries` or
 * `LoadBalancers` that are its old path. A field the export must read or change and that the
 * template sets through something it cannot evaluate (a condition, a function other than a
 * parameter reference, a task definition of another stack) is a problem naming the stack, the
 * resource and the field.
 */

/** A service of the stack, found in its template. */
export interface StackService {
  readonly spec: ServiceSpec;
  /** The logical ID of its AWS::ECS::Service. */
  readonly logicalId: string;
  /** The logical ID of its task definition, when the edits change it. */
  readonly taskDefinitionId?: string;
  /** The edits that name its port and state its app protocol (none when the template has them). */
  readonly portEdits: readonly TemplateEdit[];
  /** What the port edits do, for people: `port 5432 named 'yelb-db'`. */
  readonly portChange?: string;
  /** The retire edit: its old path's entries removed from the list that holds them. */
  readonly detach?: { readonly property: 'ServiceRegistries' | 'LoadBalancers'; readonly edit: TemplateEdit };
  /** Why retire keeps its old path attached, when it does. */
  readonly keepsOldPath?: string;
}

/** What the export needs of one service beyond the topology: its port mapping in the plan. */
export interface ServiceSlice {
  readonly spec: ServiceSpec;
  readonly portMapping?: PortMappingPlan;
  /** Why retire keeps its old path (callers outside ECS, a caller by another name). */
  readonly keepsOldPath?: string;
}

/** The services of `stack` in `template`, or the problems that stop the export. */
export function locateServices(
  template: StackTemplate,
  deployed: DeployedValues,
  slices: readonly ServiceSlice[]
): { services: StackService[]; problems: string[] } {
  const problems: string[] = [];
  const services: StackService[] = [];
  for (const slice of slices) {
    const where = `stack ${deployed.stack}, ${slice.spec.name}`;
    const found = locateService(template, deployed, slice);
    if (typeof found === 'string') problems.push(`${where}: ${found}`);
    else if (Array.isArray(found)) problems.push(...found.map((p) => `${where}: ${p}`));
    else services.push(found);
  }
  return { services, problems };
}

function locateService(
  template: StackTemplate,
  deployed: DeployedValues,
  slice: ServiceSlice
): StackService | string | string[] {
  const { spec } = slice;
  const logicalId = spec.owner!.logicalId;
  const resources = template.json().Resources ?? {};
  const resource = resources[logicalId];
  if (resource === null || typeof resource !== 'object')
    return `no resource ${logicalId} in the template's Resources (its tags name it: a transform or macro may make it, which the export cannot edit)`;
  if (resource.Type !== 'AWS::ECS::Service')
    return `${logicalId} is of type ${String(resource.Type)}, not AWS::ECS::Service (its tags name it as the service)`;
  if (resource.Condition !== undefined)
    return `${logicalId} exists only under the condition '${JSON.stringify(resource.Condition)}', whose value the export does not guess: give the service no Condition, or migrate it by hand`;
  const problems: string[] = [];
  const current = resource.Properties?.ServiceConnectConfiguration;
  const fn = firstIntrinsic(current);
  if (fn)
    problems.push(
      `${logicalId}.ServiceConnectConfiguration is set through ${intrinsicName(fn)}, which the export would replace without knowing what it says: state it as literal values (or remove it) first`
    );
  const port = portEdits(resources, logicalId, resource, deployed, slice);
  if (typeof port === 'string') problems.push(port);
  const detach = slice.keepsOldPath ? undefined : detachEdit(resource, logicalId, slice, deployed);
  if (typeof detach === 'string') problems.push(detach);
  if (problems.length > 0) return problems;
  return {
    spec,
    logicalId,
    ...(typeof port === 'object' && port),
    ...(typeof detach === 'object' && { detach }),
    ...(slice.keepsOldPath && { keepsOldPath: slice.keepsOldPath }),
  } as StackService;
}

/** The edits that give the service's port mapping its name and app protocol, or a problem. */
function portEdits(
  resources: Record<string, ResourceJson>,
  logicalId: string,
  service: ResourceJson,
  deployed: DeployedValues,
  slice: ServiceSlice
): Pick<StackService, 'taskDefinitionId' | 'portEdits' | 'portChange'> | string {
  const wanted = slice.portMapping;
  if (!wanted?.name) return { portEdits: [] };
  const reference = service.Properties?.TaskDefinition;
  const id = isIntrinsic(reference) && typeof reference.Ref === 'string' ? reference.Ref : undefined;
  if (id === undefined || resources[id]?.Type !== 'AWS::ECS::TaskDefinition')
    return `${logicalId}.TaskDefinition is ${JSON.stringify(reference)}, not a Ref to a task definition of this template: its port ${wanted.containerPort} must be named '${wanted.name}' where the task definition is defined, which the export does not reach`;
  const definitions = resources[id].Properties?.ContainerDefinitions;
  if (!Array.isArray(definitions))
    return `${id}.ContainerDefinitions is ${describe(definitions)}: the export names a port only in a literal list`;
  const containerName = slice.spec.container ?? slice.spec.name;
  const names = definitions.map((c) => evaluate((c as Record<string, unknown>)?.Name, deployed));
  const index = names.indexOf(containerName);
  if (index < 0) {
    const unknown = names.some((n) => n === undefined);
    return `${id} has no container named '${containerName}'${unknown ? ' (a container name is set through a function other than a parameter reference)' : ''}`;
  }
  const container = definitions[index] as Record<string, unknown>;
  const mappings = container.PortMappings;
  if (!Array.isArray(mappings))
    return `${id}, container ${containerName}: PortMappings is ${describe(mappings)}: the export names a port only in a literal list`;
  const at = mappings.findIndex(
    (m) => Number(evaluate((m as Record<string, unknown>)?.ContainerPort, deployed)) === wanted.containerPort
  );
  if (at < 0)
    return `${id}, container ${containerName}: no port mapping of port ${wanted.containerPort} (a ContainerPort set through a function other than a parameter reference is not read)`;
  const mapping = mappings[at] as Record<string, unknown>;
  const path: TemplatePath = [
    'Resources',
    id,
    'Properties',
    'ContainerDefinitions',
    index,
    'PortMappings',
    at,
  ];
  const edits: TemplateEdit[] = [];
  const changes: string[] = [];
  for (const [field, value] of [
    ['Name', wanted.name],
    ['AppProtocol', wanted.appProtocol],
  ] as const) {
    // A parameter reference that the stack was deployed with as this value already says it.
    if (value === undefined || evaluate(mapping[field], deployed) === value) continue;
    if (isIntrinsic(mapping[field]))
      return `${id}, container ${containerName}: the port mapping's ${field} is ${JSON.stringify(mapping[field])}, which the export cannot read as '${value}' (the name Service Connect needs): state it as '${value}'`;
    edits.push({ kind: 'set', path: [...path, field], value });
    changes.push(field === 'Name' ? `named '${value}'` : `appProtocol ${value}`);
  }
  return edits.length === 0
    ? { portEdits: [] }
    : {
        taskDefinitionId: id,
        portEdits: edits,
        portChange: `port ${wanted.containerPort} ${changes.join(', ')}`,
      };
}

/** The retire edit: the entries of the service's old path removed from their list, or a problem. */
function detachEdit(
  service: ResourceJson,
  logicalId: string,
  slice: ServiceSlice,
  deployed: DeployedValues
): StackService['detach'] | string | undefined {
  const { spec } = slice;
  const d = spec.legacyDiscovery;
  if (d.kind === 'none') return undefined;
  const owner = spec.owner!;
  const [property, field, resource, arn] =
    d.kind === 'cloudMapDns'
      ? (['ServiceRegistries', 'RegistryArn', owner.registry, d.registryArn] as const)
      : (['LoadBalancers', 'TargetGroupArn', owner.targetGroup, d.targetGroupArn] as const);
  const list = service.Properties?.[property];
  if (!Array.isArray(list))
    return `${logicalId}.${property} is ${describe(list)}: retire states the list without the old path, so it must be a literal list here`;
  const local = resource?.stack === deployed.stack ? resource.logicalId : undefined;
  const indices = list.flatMap((entry, i) => {
    const value = (entry as Record<string, unknown>)?.[field];
    return refersTo(value, local, arn, deployed) ? [i] : [];
  });
  if (indices.length === 0)
    return `${logicalId}.${property} has no entry whose ${field} is ${local ? `the ${property === 'ServiceRegistries' ? 'Cloud Map service' : 'target group'} ${local} of this stack` : arn ? `'${arn}'` : 'the old path (the topology records neither its stack resource nor its ARN)'}: retire would detach nothing`;
  return {
    property,
    edit: { kind: 'removeItems', path: ['Resources', logicalId, 'Properties', property], indices },
  };
}

/** Whether a RegistryArn or TargetGroupArn names the old path: its resource here, or its ARN. */
function refersTo(
  value: unknown,
  logicalId: string | undefined,
  arn: string | undefined,
  deployed: DeployedValues
): boolean {
  if (logicalId && isIntrinsic(value)) {
    if (value.Ref === logicalId) return true;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
  }
  return arn !== undefined && evaluate(value, deployed) === arn;
}

function describe(value: unknown): string {
  if (value === undefined) return 'not set';
  return isIntrinsic(value) ? `set through ${intrinsicName(value)}` : JSON.stringify(value);
}
