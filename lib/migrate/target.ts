import { DescribeClustersCommand, Service } from '@aws-sdk/client-ecs';
import { GetNamespaceCommand, paginateListNamespaces } from '@aws-sdk/client-servicediscovery';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { Topology } from '../model/topology';
import { SYSTEM_OUTPUTS } from '../app/outputs';
import { Problems } from '../core/validation';
import { AwsClients, stackOutputs } from '../aws/clients';
import { NamespaceRef } from './compare';
import { describeServices } from '../aws/ecs';

/** The Service Connect namespace: found (with its ARN and ID), or to be created by `apply`. */
export type TargetNamespace =
  | (NamespaceRef & { readonly id: string })
  | { readonly name: string; readonly arn?: undefined; readonly id?: undefined };

/** The live system a command works on. */
export interface MigrationTarget {
  readonly region: string;
  readonly cluster: string;
  readonly namespace: TargetNamespace;
  readonly logGroupName: string;
  /** The phase of the last deployed template, when the stack could be read. */
  readonly deployedPhase?: MigrationPhase;
  /** The CDK stack read for outputs; none for a topology file. */
  readonly stack?: string;
  /** Where the values came from, for the user. */
  readonly notes: readonly string[];
}

/** What the user passed. */
export interface TargetOptions {
  readonly cluster?: string;
  /** The stack whose outputs name the cluster and namespace (the CDK app's); none for a topology file. */
  readonly stack?: string;
  /** The Service Connect namespace by name (default: the topology's). */
  readonly namespace?: string;
  /** A namespace that does not exist is fine: `apply` creates it. */
  readonly mayCreateNamespace?: boolean;
}

/**
 * Finds the cluster, the namespace and the log group (the option, else the stack's outputs,
 * else the model's defaults) and checks with read-only calls that the cluster, every service
 * and the namespace exist. Nothing is changed.
 *
 * @throws ValidationError naming everything that does not exist.
 */
export async function resolveTarget(
  clients: AwsClients,
  region: string,
  topology: Topology,
  options: TargetOptions
): Promise<MigrationTarget> {
  const notes: string[] = [];
  const { outputs, reason } = options.stack
    ? await stackOutputs(clients, options.stack)
    : { outputs: undefined, reason: undefined };
  if (options.stack && !outputs)
    notes.push(`stack '${options.stack}' not read (${reason}); using the model's names`);

  const cluster = options.cluster ?? outputs?.[SYSTEM_OUTPUTS.clusterName] ?? topology.clusterName;
  notes.push(
    `cluster ${cluster} (from ${options.cluster ? '--cluster' : outputs?.[SYSTEM_OUTPUTS.clusterName] ? `stack ${options.stack}` : 'the topology'})`
  );
  const logGroupName = outputs?.[SYSTEM_OUTPUTS.logGroupName] ?? topology.logGroupName ?? '';
  const phase = outputs?.[SYSTEM_OUTPUTS.migrationPhase];
  const deployedPhase = MIGRATION_PHASES.find((p) => p === phase);

  const problems = new Problems();
  const clusters = await clients.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  const found = clusters.clusters?.find((c) => c.status === 'ACTIVE');
  problems.check(found !== undefined, `cluster '${cluster}' does not exist in ${region} (or is not ACTIVE)`);

  const services = new Map<string, Service>();
  if (found) {
    const names = topology.services.map((s) => s.name);
    for (const svc of (await describeServices(clients.ecs, cluster, names)) ?? [])
      services.set(svc.serviceName!, svc);
    for (const name of names) {
      const svc = services.get(name);
      problems.check(
        svc?.status === 'ACTIVE',
        `service '${name}' does not exist in cluster '${cluster}' (or is not ACTIVE)`
      );
    }
  }

  const namespaceName = options.namespace ?? topology.serviceConnectNamespace;
  const namespace = await findNamespace(
    clients,
    namespaceName,
    options.namespace ? undefined : outputs?.[SYSTEM_OUTPUTS.serviceConnectNamespaceId]
  );
  problems.check(
    namespace !== undefined || options.mayCreateNamespace === true,
    `Service Connect namespace '${namespaceName}' does not exist in ${region} (an HTTP namespace)${options.mayCreateNamespace === false ? '' : '; apply creates it when it is named with --namespace'}`
  );
  problems.throwIfAny();
  if (!namespace)
    notes.push(
      `namespace ${namespaceName} does not exist yet: apply creates it (a Cloud Map HTTP namespace)`
    );
  return {
    region,
    cluster,
    namespace: namespace ?? { name: namespaceName },
    stack: options.stack,
    logGroupName,
    deployedPhase,
    notes,
  };
}

/** The HTTP namespace called `name` (by the stack's namespace ID when known). */
async function findNamespace(
  clients: AwsClients,
  name: string,
  idFromStack: string | undefined
): Promise<(NamespaceRef & { id: string }) | undefined> {
  if (idFromStack) {
    try {
      const { Namespace } = await clients.cloudMap.send(new GetNamespaceCommand({ Id: idFromStack }));
      if (Namespace?.Name === name && Namespace.Type === 'HTTP')
        return { name, arn: Namespace.Arn!, id: Namespace.Id! };
    } catch (err) {
      if ((err as Error).name !== 'NamespaceNotFound') throw err;
    }
  }
  const pages = paginateListNamespaces(
    { client: clients.cloudMap },
    { Filters: [{ Name: 'NAME', Values: [name], Condition: 'EQ' }] }
  );
  for await (const page of pages) {
    const match = page.Namespaces?.find((n) => n.Name === name && n.Type === 'HTTP');
    if (match) return { name, arn: match.Arn!, id: match.Id! };
  }
  return undefined;
}
