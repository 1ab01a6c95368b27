import * as fs from 'fs';
import { Service } from '@aws-sdk/client-ecs';
import { AwsClients } from '../aws/clients';
import { serviceConnectEndpoints, servicesByName } from '../aws/ecs';
import { CliIo } from '../cli/cli-io';
import { Problems, ValidationError } from '../core/validation';
import { legacyEndpoint } from '../model/graph';
import { ServiceConnectConfig } from '../model/service-connect';
import { Topology, endpointName } from '../model/topology';
import { liveServiceConnect } from './compare';
import { ConfigValue, callersUsing, namespaceMoves, removedNames } from './removed-names';
import { LiveFacts, PlanTarget, desiredConfiguration, isDone, serviceConnectOn } from './plan';
import { ScUpdate } from './sc-files';
import { MigrationTarget } from './target';
import { WaitOptions } from './run';
import { describeTaskDefinition, namedRevision, portProblem, previousRevision } from './task-definitions';
import { paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';

/** Everything a command that changes or reads a cluster works with, resolved before it starts. */
export interface Session {
  readonly clients: AwsClients;
  readonly io: CliIo;
  readonly topology: Topology;
  /** `sc-update/` files that override the configuration derived from the topology. */
  readonly overrides: readonly ScUpdate[];
  readonly target: MigrationTarget;
  readonly wait: WaitOptions;
  readonly progress: (line: string) => void;
  readonly verbose: boolean;
}

/** Where the configurations go, for the plan. */
export function planTarget(session: Session): PlanTarget {
  const { target, topology } = session;
  return {
    cluster: target.cluster,
    region: target.region,
    namespace: target.namespace.arn ?? target.namespace.name,
    logGroupName: target.logGroupName || topology.logGroupName,
    options: target.options,
    ...(target.tls && { tls: target.tls }),
  };
}

/** The live services of the topology, by name (10 per DescribeServices call). */
export async function liveServicesOf(session: Session): Promise<Map<string, Service>> {
  return (
    (await servicesByName(
      session.clients.ecs,
      session.target.cluster,
      session.topology.services.map((s) => s.name)
    )) ?? new Map()
  );
}

/**
 * What `apply` must know of the live system before its first change, read-only: for each service
 * with an endpoint that does not run the configuration yet, its task definition (a missing
 * container or port is a problem; a port without its name gets a revision), and that every log
 * group the proxies write to exists.
 *
 * @throws ValidationError with every problem.
 */
export async function applyFacts(session: Session, live: ReadonlyMap<string, Service>): Promise<LiveFacts> {
  const { topology, target } = session;
  const problems = new Problems();
  const revisions = new Map<string, ReturnType<typeof namedRevision> & object>();
  const planned = planTarget(session);
  const groups = new Set<string>();
  const sent = new Map<string, ServiceConnectConfig>();
  for (const svc of topology.services) {
    let desired: ReturnType<typeof desiredConfiguration>;
    try {
      desired = desiredConfiguration(topology, svc, planned, session.overrides);
    } catch (err) {
      // No log group for its proxy: said with what to add, beside every other problem.
      if (!(err instanceof ValidationError)) throw err;
      err.problems.forEach((p) => problems.add(p));
      continue;
    }
    const group = desired.logConfiguration?.options?.['awslogs-group'];
    if (group) groups.add(group);
    sent.set(svc.name, desired);
    const current = live.get(svc.name);
    const controller = current?.deploymentController?.type;
    if (controller !== undefined && controller !== 'ECS') {
      problems.add(
        `${svc.name}: deployed by ${controller === 'CODE_DEPLOY' ? 'CodeDeploy' : 'an external controller'} (deploymentController ${controller}): UpdateService cannot change its configuration; migrate it through that controller`
      );
      continue;
    }
    if (!current || legacyEndpoint(topology, svc) === undefined) continue;
    const { name, arn } = target.namespace;
    if (arn && isDone(serviceConnectOn(svc, desired), current, { name, arn })) continue;
    const described = await describeTaskDefinition(session.clients.ecs, current.taskDefinition!);
    const problem = portProblem(described.taskDefinition, svc);
    if (problem) {
      problems.add(problem);
      continue;
    }
    const revision = namedRevision(described, svc);
    if (revision) revisions.set(svc.name, revision);
  }
  const liveConfigs = new Map([...live].map(([name, service]) => [name, liveServiceConnect(service)]));
  namespaceMoves(liveConfigs, sent, target.namespace).forEach((p) => problems.add(p));
  (await removalProblems(session, live, sent)).forEach((p) => problems.add(p));
  for (const group of groups) {
    if (!(await logGroupExists(session.clients, group)))
      problems.add(
        `log group '${group}' does not exist in ${target.region}: the proxies' logs go there (create it: aws logs create-log-group --log-group-name ${group}, or set logGroupName in the topology)`
      );
  }
  problems.throwIfAny();
  return { revisions };
}

/**
 * Each name a service's live configuration answers on that the configuration `apply` would send
 * takes away while a caller uses it (see removed-names.ts), as a problem naming the callers and
 * where they hold the name. Task definitions are read only when something would be taken away.
 */
async function removalProblems(
  session: Session,
  live: ReadonlyMap<string, Service>,
  sent: ReadonlyMap<string, ServiceConnectConfig>
): Promise<string[]> {
  const { name, arn } = session.target.namespace;
  if (!arn) return [];
  const namespace = { name, arn };
  const read = new Map<string, Promise<ConfigValue[]>>();
  const problems: string[] = [];
  for (const [service, desired] of sent) {
    const current = live.get(service);
    for (const removed of removedNames(current && liveServiceConnect(current), desired, namespace)) {
      const callers = await callersUsing(session, live, service, removed, namespace, read);
      if (callers.length === 0) continue;
      problems.push(
        `${service}: apply would remove its ${removed.what} (client alias ${removed.host}:${removed.port}, endpoint ${removed.discoveryName}, port name ${removed.portName}), which ${callers.join(', ')} use${callers.length === 1 ? 's' : ''}: their proxies would have nowhere to send those requests. Discover the cluster again (the file then records what runs, and the plan keeps it), or move the callers to another name first`
      );
    }
  }
  return problems;
}

/** For `rollback`: the revision each service returns to, when it runs one that `apply` registered. */
export async function rollbackFacts(
  session: Session,
  live: ReadonlyMap<string, Service>
): Promise<LiveFacts> {
  const restore = new Map<string, string>();
  for (const svc of session.topology.services) {
    const current = live.get(svc.name);
    if (!current?.taskDefinition) continue;
    const previous = previousRevision(
      await describeTaskDefinition(session.clients.ecs, current.taskDefinition)
    );
    if (previous) restore.set(svc.name, previous);
  }
  return { restore };
}

async function logGroupExists(clients: AwsClients, name: string): Promise<boolean> {
  for await (const page of paginateDescribeLogGroups(
    { client: clients.logs },
    { logGroupNamePrefix: name }
  )) {
    if ((page.logGroups ?? []).some((g) => g.logGroupName === name)) return true;
  }
  return false;
}

/**
 * The endpoints (discovery names) of the topology's services in the target namespace: those the
 * topology gives its client-server services, and those the live services' deployments carry
 * (a configuration from an `sc-update/` file, or from an earlier apply, may name them otherwise).
 */
export function ownEndpoints(session: Session, live: Iterable<Service>): Set<string> {
  const { topology, target } = session;
  const names = topology.services.flatMap((svc) => {
    const name = legacyEndpoint(topology, svc) !== undefined ? endpointName(svc) : undefined;
    return name === undefined ? [] : [name];
  });
  const namespaceId = target.namespace.id;
  const running = namespaceId ? [...live].flatMap((svc) => serviceConnectEndpoints(svc, namespaceId)) : [];
  return new Set([...names, ...running]);
}

/** Whether `dir` exists as a folder (for --sc-dir). */
export function isFolder(dir: string): boolean {
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}
