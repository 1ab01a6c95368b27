import { DescribeClustersCommand, Service } from '@aws-sdk/client-ecs';
import { GetNamespaceCommand, paginateListNamespaces } from '@aws-sdk/client-servicediscovery';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { PlanOptions, defaultPlanOptions } from '../model/plan';
import { Topology } from '../model/topology';
import { AppOptions, appOptionsSchema, planOptionsFromApp } from '../contract/app-options';
import { SYSTEM_OUTPUTS } from '../contract/outputs';
import { parseWith } from '../core/schema';
import { Problems, ValidationError } from '../core/validation';
import { AwsClients, stackOutputs } from '../aws/clients';
import { NamespaceRef, isOn, liveServiceConnect } from './compare';
import { describeServices } from '../aws/ecs';

/** The Service Connect namespace: found (with its ARN and ID), or missing (plan, or apply that creates it). */
export type TargetNamespace =
  | (NamespaceRef & { readonly id: string })
  | {
      readonly name: string;
      readonly arn?: undefined;
      readonly id?: undefined;
      /** `apply` creates it: it was named with --namespace. */
      readonly create: boolean;
    };

/**
 * What a namespace that does not exist means: `create` (apply and plan, named with --namespace:
 * apply creates it), `report` (plan and status, read-only: they say so), `refuse`.
 */
export type MissingNamespace = 'create' | 'report' | 'refuse';

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
  /**
   * What every configuration includes, in the phase apply turns Service Connect on to: the app's
   * options as its stack states them, else `--options`, else the app's defaults (with
   * `--access-logs`).
   */
  readonly options: PlanOptions;
  /** TLS's KMS key and role, when the options encrypt an endpoint. */
  readonly tls?: { readonly kmsKeyArn: string; readonly roleArn: string };
  /** Where the values came from, for the user. */
  readonly notes: readonly string[];
  /** What the user should know before a change: a namespace created beside one in use, services moved. */
  readonly warnings: readonly string[];
}

/** What the user passed. */
export interface TargetOptions {
  readonly cluster?: string;
  /** The stack whose outputs name the cluster and namespace (the CDK app's); none for a topology file. */
  readonly stack?: string;
  /**
   * The Service Connect namespace by name (--namespace). Default: the one the topology's services
   * run Service Connect in, else the topology's `serviceConnectNamespace`.
   */
  readonly namespace?: string;
  /** What a namespace that does not exist means. @default 'refuse' */
  readonly missingNamespace?: MissingNamespace;
  /** The CDK app's options from a file (`--options`), for a cluster whose stack states none. */
  readonly appOptions?: AppOptions;
  /** `--access-logs`: the proxies' access logs, for a cluster whose stack states no options. */
  readonly accessLogs?: boolean;
}

/**
 * The options a run renders every configuration with, and where they come from: the stack's
 * `ServiceConnectOptions` output (the CDK app's, so that the CLI sends its template's
 * configurations), else `--options`, else the app's defaults and `--access-logs`. A stack that
 * states its options is not overridden: a flag that would send something else than its template
 * is refused.
 *
 * @throws ValidationError for an output that is not the app's options, or a flag beside a stack's
 */
export function runOptions(
  stackOptions: string | undefined,
  stackName: string | undefined,
  options: Pick<TargetOptions, 'appOptions' | 'accessLogs'>
): { options: PlanOptions; tls?: AppOptions['tls']; note: string } {
  let app: AppOptions | undefined = options.appOptions;
  let from = '--options';
  if (stackOptions !== undefined) {
    const given = options.appOptions
      ? '--options'
      : options.accessLogs !== undefined
        ? '--access-logs'
        : undefined;
    if (given)
      throw new ValidationError([
        `${given}: stack '${stackName}' states the app's options (its ServiceConnectOptions output); allowed: no ${given} with a stack, whose template the CLI must match (deploy the app with other -c flags instead)`,
      ]);
    let json: unknown;
    try {
      json = JSON.parse(stackOptions);
    } catch (err) {
      throw new ValidationError([
        `stack '${stackName}': ServiceConnectOptions is not JSON (${(err as Error).message})`,
      ]);
    }
    app = parseWith(appOptionsSchema, json, `stack '${stackName}' output ServiceConnectOptions`);
    from = `stack ${stackName}`;
  }
  if (!app) {
    const accessLogs = options.accessLogs ?? true;
    return {
      options: { ...defaultPlanOptions('serviceConnect'), accessLogs },
      note: `options: access logs ${accessLogs ? 'on' : 'off'}, no TLS (the app's defaults${options.accessLogs === undefined ? '' : ', --access-logs'})`,
    };
  }
  // Apply turns Service Connect on: a stack still in discovery gets the serviceConnect phase's configurations.
  const phase = app.phase === 'discovery' ? 'serviceConnect' : app.phase;
  return {
    options: planOptionsFromApp(app, phase),
    ...(app.tls && { tls: app.tls }),
    note: `options from ${from}: access logs ${app.accessLogs ? 'on' : 'off'}, ${app.tls ? 'TLS' : 'no TLS'}, ${app.deployment.strategy}, the ${phase} phase's configurations`,
  };
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
  const run = runOptions(outputs?.[SYSTEM_OUTPUTS.serviceConnectOptions], options.stack, options);
  notes.push(run.note);

  const problems = new Problems();
  const clusters = await clients.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  const found = clusters.clusters?.find((c) => c.status === 'ACTIVE');
  problems.check(found !== undefined, `cluster '${cluster}' does not exist in ${region} (or is not ACTIVE)`);

  const services = found
    ? await activeServices(clients, cluster, topology, problems)
    : new Map<string, Service>();

  const resolved = await resolveNamespace(clients, region, topology, {
    named: options.namespace,
    missing: options.missingNamespace ?? 'refuse',
    services,
    stackNamespace: outputs && {
      name: outputs[SYSTEM_OUTPUTS.serviceConnectNamespaceName],
      id: outputs[SYSTEM_OUTPUTS.serviceConnectNamespaceId],
    },
    clusterDefault: found?.serviceConnectDefaults?.namespace,
  });
  if (resolved.problem) problems.add(resolved.problem);
  problems.throwIfAny();
  return {
    region,
    cluster,
    namespace: resolved.namespace!,
    stack: options.stack,
    logGroupName,
    deployedPhase,
    options: run.options,
    ...(run.tls && { tls: { kmsKeyArn: run.tls.kmsKeyArn, roleArn: run.tls.roleArn } }),
    notes: [...notes, ...resolved.notes],
    warnings: resolved.warnings,
  };
}

/** The topology's services in the cluster, by name; each that is missing or not ACTIVE is a problem. */
async function activeServices(
  clients: AwsClients,
  cluster: string,
  topology: Topology,
  problems: Problems
): Promise<Map<string, Service>> {
  const names = topology.services.map((s) => s.name);
  const services = new Map<string, Service>();
  for (const svc of (await describeServices(clients.ecs, cluster, names)) ?? [])
    services.set(svc.serviceName!, svc);
  for (const name of names)
    problems.check(
      services.get(name)?.status === 'ACTIVE',
      `service '${name}' does not exist in cluster '${cluster}' (or is not ACTIVE)`
    );
  return services;
}

/** What {@link resolveNamespace} reads besides the options. */
interface NamespaceContext {
  readonly named?: string;
  readonly missing: MissingNamespace;
  /** The topology's live services, by name. */
  readonly services: ReadonlyMap<string, Service>;
  /** The namespace the stack's outputs name (the CDK app's). */
  readonly stackNamespace?: { readonly name?: string; readonly id?: string };
  /** The cluster's default Service Connect namespace (an ARN). */
  readonly clusterDefault?: string;
}

/** A namespace the topology's services run Service Connect in, and those services. */
interface InUse {
  readonly arn: string;
  readonly name: string;
  readonly id: string;
  readonly users: readonly string[];
}

/** What {@link resolveNamespace} finds. */
interface ResolvedNamespace {
  readonly namespace?: TargetNamespace;
  readonly notes: string[];
  readonly warnings: string[];
  readonly problem?: string;
}

/**
 * The namespace a command works in: the one named with --namespace; else the one the topology's
 * services run Service Connect in (so that status, retire and rollback find what apply used
 * without being told); else the topology's. A namespace that does not exist is created by apply
 * only when named, and never beside one in use without a warning that says so.
 */
async function resolveNamespace(
  clients: AwsClients,
  region: string,
  topology: Topology,
  context: NamespaceContext
): Promise<ResolvedNamespace> {
  const inUse = await namespacesInUse(clients, context.services);
  if (context.named === undefined && inUse.length > 1) {
    const where = inUse.map((n) => `${n.name}: ${n.users.join(', ')}`).join('; ');
    return {
      notes: [],
      warnings: [],
      problem: `the services run Service Connect in ${inUse.length} namespaces (${where}); pass --namespace NAME to choose one`,
    };
  }
  const live = context.named === undefined ? inUse[0] : undefined;
  const name = context.named ?? live?.name ?? topology.serviceConnectNamespace;
  const source =
    context.named !== undefined
      ? '--namespace'
      : live
        ? `the services that run Service Connect: ${live.users.join(', ')}`
        : "the topology's serviceConnectNamespace";
  const found = await findNamespace(
    clients,
    name,
    context.named === undefined ? (live?.id ?? context.stackNamespace?.id) : undefined
  );
  const warnings = inUse
    .filter((n) => n.arn !== found?.arn)
    .map(
      (n) =>
        `${n.users.join(', ')} run Service Connect in ${n.name}, not in ${name}: apply would move them, and services in different namespaces do not reach each other through Service Connect`
    );
  if (found) return { namespace: found, notes: [`namespace ${name} (from ${source})`], warnings };
  if (context.missing === 'refuse') {
    return {
      notes: [],
      warnings: [],
      problem: `Service Connect namespace '${name}' does not exist in ${region} (an HTTP namespace, from ${source}); apply creates one only when it is named with --namespace`,
    };
  }
  return missingNamespace(name, source, context, inUse, warnings);
}

/** A namespace that does not exist, for plan and status, or for apply to create (named with --namespace). */
function missingNamespace(
  name: string,
  source: string,
  context: NamespaceContext,
  inUse: readonly InUse[],
  warnings: readonly string[]
): ResolvedNamespace {
  const create = context.missing === 'create';
  const others = [
    ...(context.stackNamespace?.name && context.stackNamespace.name !== name
      ? [`${context.stackNamespace.name}, the stack's`]
      : []),
    ...(context.clusterDefault && !inUse.some((n) => n.arn === context.clusterDefault)
      ? [`${context.clusterDefault.split('/').pop()}, the cluster's default`]
      : []),
  ];
  return {
    namespace: { name, create },
    notes: [
      create
        ? `namespace ${name} does not exist yet: apply creates it (a Cloud Map HTTP namespace)`
        : `namespace ${name} (from ${source}) does not exist: apply creates it only when named, with --namespace ${name}`,
    ],
    warnings: [
      ...others.map(
        (other) =>
          `apply would create ${name} beside ${other}: services in different namespaces do not reach each other through Service Connect`
      ),
      ...warnings,
    ],
  };
}

/** The namespaces the services run Service Connect in (by their PRIMARY deployments), with their services. */
async function namespacesInUse(
  clients: AwsClients,
  services: ReadonlyMap<string, Service>
): Promise<InUse[]> {
  const users = new Map<string, string[]>();
  for (const [name, svc] of services) {
    const config = liveServiceConnect(svc);
    if (!isOn(config) || !config!.namespace) continue;
    users.set(config!.namespace, [...(users.get(config!.namespace) ?? []), name]);
  }
  const inUse: InUse[] = [];
  for (const [arn, names] of users) {
    const id = arn.split('/').pop()!;
    const found = await namespaceById(clients, id);
    inUse.push({ arn, id, name: found?.name ?? id, users: names });
  }
  return inUse;
}

/** The HTTP namespace with ID `id`, or undefined when there is none. */
async function namespaceById(
  clients: AwsClients,
  id: string
): Promise<(NamespaceRef & { id: string }) | undefined> {
  try {
    const { Namespace } = await clients.cloudMap.send(new GetNamespaceCommand({ Id: id }));
    if (Namespace?.Type === 'HTTP') return { name: Namespace.Name!, arn: Namespace.Arn!, id: Namespace.Id! };
    return undefined;
  } catch (err) {
    if ((err as Error).name === 'NamespaceNotFound') return undefined;
    throw err;
  }
}

/** The HTTP namespace called `name` (by the stack's namespace ID when known). */
async function findNamespace(
  clients: AwsClients,
  name: string,
  idFromStack: string | undefined
): Promise<(NamespaceRef & { id: string }) | undefined> {
  if (idFromStack) {
    const byId = await namespaceById(clients, idFromStack);
    if (byId?.name === name) return byId;
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
