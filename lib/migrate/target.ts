import { DescribeClustersCommand, Service } from '@aws-sdk/client-ecs';
import { GetNamespaceCommand, paginateListNamespaces } from '@aws-sdk/client-servicediscovery';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { Topology } from '../model/topology';
import { YELB_OUTPUTS } from '../app/outputs';
import { Problems } from '../core/validation';
import { AwsClients, stackOutputs } from '../aws/clients';
import { NamespaceRef } from './compare';
import { describeServices } from '../aws/ecs';

/** The live system a command works on. */
export interface MigrationTarget {
  readonly region: string;
  readonly cluster: string;
  readonly namespace: NamespaceRef & { readonly id: string };
  readonly logGroupName: string;
  /** The phase of the last deployed template, when the stack could be read. */
  readonly deployedPhase?: MigrationPhase;
  /** Where the values came from, for the user. */
  readonly notes: readonly string[];
}

/** What the user passed. */
export interface TargetOptions {
  readonly cluster?: string;
  readonly stack: string;
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
  const { outputs, reason } = await stackOutputs(clients, options.stack);
  if (!outputs) notes.push(`stack '${options.stack}' not read (${reason}); using the model's names`);

  const cluster = options.cluster ?? outputs?.[YELB_OUTPUTS.clusterName] ?? topology.clusterName;
  notes.push(
    `cluster ${cluster} (from ${options.cluster ? '--cluster' : outputs?.[YELB_OUTPUTS.clusterName] ? `stack ${options.stack}` : 'the model'})`
  );
  const logGroupName = outputs?.[YELB_OUTPUTS.logGroupName] ?? topology.logGroupName ?? '';
  const phase = outputs?.[YELB_OUTPUTS.migrationPhase];
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

  const namespace = await findNamespace(
    clients,
    topology.serviceConnectNamespace,
    outputs?.[YELB_OUTPUTS.serviceConnectNamespaceId]
  );
  problems.check(
    namespace !== undefined,
    `Service Connect namespace '${topology.serviceConnectNamespace}' does not exist in ${region} (an HTTP namespace)`
  );
  problems.throwIfAny();
  return { region, cluster, namespace: namespace!, logGroupName, deployedPhase, notes };
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
