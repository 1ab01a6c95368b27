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
    options: run.options,
    ...(run.tls && { tls: { kmsKeyArn: run.tls.kmsKeyArn, roleArn: run.tls.roleArn } }),
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
