import { ECSClient, RegisterTaskDefinitionCommand, Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { WaiterResult, WaiterState, createWaiter } from '@smithy/core/client';
import { AwsClients } from '../aws/clients';
import { errorMessage } from '../core/errors';
import { formatDuration } from '../cli/duration';
import { discoveryName } from '../model/service-connect';
import { namespaceServices } from '../aws/cloud-map';
import { GradualDeployment, gradualDeployment } from '../aws/deployment-strategy';
import { describeServices, servicesByName } from '../aws/ecs';
import { NamespaceRef, isOn, liveServiceConnect, primaryDeployment } from './compare';
import { PlannedUpdate, PlannedWave, UpdateAction, isDone } from './plan';

/** How long and how often to wait. */
export interface WaitOptions {
  /** Bound of each wave's wait, and of the namespace drain, in seconds. */
  readonly timeoutSeconds: number;
  /** First delay between polls, in seconds (the waiter's minDelay); backoff up to 4×. */
  readonly pollSeconds: number;
}

/** What happened to one service. */
export interface ServiceOutcome {
  readonly service: string;
  readonly before: string;
  readonly after: string;
  /** From the update until the wave was stable; undefined when nothing was sent. */
  readonly seconds?: number;
  readonly result: 'changed' | 'skipped' | 'failed' | 'not started';
}

/** A wave that did not complete: which service, why, and its latest events. */
export class MigrationFailure extends Error {
  constructor(
    public readonly service: string,
    public readonly reason: string,
    public readonly events: readonly string[],
    public readonly outcomes: readonly ServiceOutcome[]
  ) {
    super(`${service}: ${reason}`);
    this.name = 'MigrationFailure';
  }
}

/** Where the engine writes progress lines. */
export type Progress = (line: string) => void;

type Namespace = NamespaceRef & { readonly id: string };

/** What a wave works with. */
interface WaveContext {
  readonly clients: AwsClients;
  readonly namespace: Namespace;
  readonly wait: WaitOptions;
  readonly progress: Progress;
}

/** A service whose UpdateService this run sent (as sent: a registered revision filled in), and the deployment that started. */
interface Started {
  readonly update: PlannedUpdate;
  readonly deploymentId: string;
  readonly before: string;
  /** ECS deploys the service gradually (blue/green, linear, canary): its steps and bake add to the wait. */
  readonly gradual?: GradualDeployment;
}

/**
 * Runs the waves in order; a failed wave stops the run and later waves are not touched. Each
 * wave is four steps: {@link sendUpdates} (services already where the update takes them, as ECS
 * reports it, are skipped; a revision that names a port is registered first),
 * {@link waitForDeployments} (the SDK's waiter machinery with acceptors that also stop early when
 * a started deployment fails), {@link verifyPrimary} (the PRIMARY deployment must be the one
 * started and carry what was sent: a wait also ends well after a circuit-breaker rollback), and
 * for Service Connect turned on {@link waitForRegistrations} in Cloud Map. A wave with a cycle of
 * calls then redeploys the members that started before another member's endpoint existed
 * ({@link redeployCycles}).
 *
 * @throws MigrationFailure with every service's outcome so far.
 */
export async function runWaves(
  clients: AwsClients,
  namespace: Namespace,
  waves: readonly PlannedWave[],
  wait: WaitOptions,
  progress: Progress
): Promise<ServiceOutcome[]> {
  const context: WaveContext = { clients, namespace, wait, progress };
  const outcomes: ServiceOutcome[] = [];
  for (const [index, wave] of waves.entries()) {
    progress(`wave ${index + 1}/${waves.length}: ${wave.updates.map((u) => u.service.name).join(', ')}`);
    const waveStart = Date.now();
    const started = new Map<string, Started>();
    try {
      outcomes.push(...(await sendUpdates(context, wave.updates, started)));
      await settle(context, started, waveStart);
      await waitForRegistrations(
        context,
        wave.updates.filter((u) => u.action === 'service-connect-on')
      );
      if (wave.cycles.length > 0) await redeployCycles(context, wave, outcomes);
    } catch (err) {
      if (!(err instanceof MigrationFailure)) throw err;
      outcomes.push(...startedOutcomes(started, waveStart, err.service));
      const reached = new Set(outcomes.map((o) => o.service));
      const notStarted = waves.flatMap((w) => w.updates).filter((u) => !reached.has(u.service.name));
      outcomes.push(
        ...notStarted.map((u): ServiceOutcome => ({
          service: u.service.name,
          before: '?',
          after: '?',
          result: 'not started',
        }))
      );
      throw new MigrationFailure(err.service, err.reason, err.events, outcomes);
    }
    outcomes.push(...startedOutcomes(started, waveStart));
    progress(`wave ${index + 1}/${waves.length} done in ${formatDuration(elapsed(waveStart))}`);
  }
  return outcomes;
}

/** Waits for the started deployments and checks what the PRIMARY deployments carry. */
async function settle(
  context: WaveContext,
  started: ReadonlyMap<string, Started>,
  since: number
): Promise<void> {
  await waitForDeployments(context, started, since);
  await verifyPrimary(context, started);
}

/**
 * After a wave with a cycle of calls: a task reaches only the endpoints that existed when it
 * started, and no order of a cycle's members puts the servers first. Each member whose PRIMARY
 * deployment started before another member's endpoint was created in the namespace is redeployed
 * (forceNewDeployment), then waited for. Idempotent: a re-run finds the later deployments and
 * sends nothing.
 */
async function redeployCycles(
  context: WaveContext,
  wave: PlannedWave,
  outcomes: ServiceOutcome[]
): Promise<void> {
  const { clients, namespace, progress } = context;
  const cluster = wave.updates[0].input.cluster!;
  const created = new Map(
    (await namespaceServices(clients.cloudMap, namespace.id)).map((s) => [
      s.Name!,
      s.CreateDate?.getTime() ?? 0,
    ])
  );
  const members = wave.cycles.flat();
  const live = await liveServices(clients.ecs, cluster, members);
  const started = new Map<string, Started>();
  const since = Date.now();
  for (const cycle of wave.cycles) {
    for (const name of cycle) {
      const startedAt = primaryDeployment(live.get(name)!)?.createdAt?.getTime() ?? 0;
      const later = cycle
        .filter((other) => other !== name)
        .flatMap((other) =>
          endpointsOf(wave.updates.find((u) => u.service.name === other))
            .filter((endpoint) => (created.get(endpoint) ?? 0) > startedAt)
            .map((endpoint) => `${other}'s endpoint ${endpoint}`)
        );
      if (later.length === 0) continue;
      const update: PlannedUpdate = {
        ...wave.updates.find((u) => u.service.name === name)!,
        register: undefined,
        input: { cluster, service: name, forceNewDeployment: true },
      };
      const { service } = await send(name, 'UpdateService', () =>
        clients.ecs.send(new UpdateServiceCommand(update.input))
      );
      const deploymentId = primaryDeployment(service!)?.id ?? 'unknown';
      const gradual = gradualDeployment(live.get(name)!.deploymentConfiguration);
      started.set(name, { update, deploymentId, before: 'on', gradual });
      progress(
        `  ${name}: redeployed (deployment ${deploymentId}), its tasks started before ${later.join(', ')} existed in the namespace`
      );
    }
  }
  if (started.size === 0) return;
  await settle(context, started, since);
  for (const name of started.keys()) {
    const outcome = outcomes.find((o) => o.service === name);
    if (outcome) Object.assign(outcome, { result: 'changed' });
  }
}

/** The discovery names a Service Connect update gives its service. */
function endpointsOf(update: PlannedUpdate | undefined): string[] {
  return (update?.input.serviceConnectConfiguration?.services ?? []).map(discoveryName);
}

/**
 * Step 1: UpdateService for each service of the wave that is not where the update takes it yet,
 * each recorded in `started` as soon as it is sent. A revision that names the port is registered
 * just before its service's update. Returns the outcomes of the services skipped.
 */
async function sendUpdates(
  { clients, namespace, progress }: WaveContext,
  wave: readonly PlannedUpdate[],
  started: Map<string, Started>
): Promise<ServiceOutcome[]> {
  const live = await liveServices(
    clients.ecs,
    wave[0].input.cluster!,
    wave.map((u) => u.service.name)
  );
  const skipped: ServiceOutcome[] = [];
  for (const planned of wave) {
    const name = planned.service.name;
    const current = live.get(name)!;
    const before = stateLabel(current, planned, namespace);
    if (isDone(planned, current, namespace)) {
      progress(`  ${name}: already ${afterLabel(planned.action)}, skipped`);
      skipped.push({ service: name, before, after: before, result: 'skipped' });
      continue;
    }
    let update = planned;
    if (planned.register) {
      const { taskDefinition } = await send(name, 'RegisterTaskDefinition', () =>
        clients.ecs.send(new RegisterTaskDefinitionCommand(planned.register!))
      );
      const arn = taskDefinition!.taskDefinitionArn!;
      progress(`  ${name}: registered ${arn.split('/').pop()}, its port named '${planned.service.portName}'`);
      update = { ...planned, register: undefined, input: { ...planned.input, taskDefinition: arn } };
    }
    const { service } = await send(name, 'UpdateService', () =>
      clients.ecs.send(new UpdateServiceCommand(update.input))
    );
    const deploymentId = primaryDeployment(service!)?.id ?? 'unknown';
    const gradual = gradualDeployment(current.deploymentConfiguration);
    started.set(name, { update, deploymentId, before, gradual });
    progress(
      `  ${name}: UpdateService sent, deployment ${deploymentId} (${before} → ${afterLabel(planned.action)})`
    );
    if (gradual)
      progress(
        `  ${name}: ECS deploys it ${gradual.how}: ${formatDuration(gradual.minutes * 60)} more than a rolling deployment${gradual.hooks > 0 ? `, and ${gradual.hooks} lifecycle hook(s) may hold it longer` : ''}`
      );
  }
  return skipped;
}

/**
 * Step 2: waits, bounded, until every started service is stable (one deployment, all its tasks
 * running: what `waitUntilServicesStable` checks), with one progress line per state change. Stops
 * early when a started deployment fails or stops being PRIMARY.
 */
async function waitForDeployments(
  { clients, wait, progress }: WaveContext,
  started: ReadonlyMap<string, Started>,
  waveStart: number
): Promise<void> {
  if (started.size === 0) return;
  const cluster = [...started.values()][0].update.input.cluster!;
  const states = new Map<string, string>();
  const latest = new Map<string, Service>();
  let lastError: unknown;

  const check = async (): Promise<WaiterResult> => {
    let services: Service[];
    try {
      services = (await describeServices(clients.ecs, cluster, [...started.keys()])) ?? [];
    } catch (err) {
      lastError = err; // the waiter's way: errors are retried until the deadline
      return { state: WaiterState.RETRY };
    }
    for (const svc of services) {
      const name = svc.serviceName!;
      const { deploymentId } = started.get(name)!;
      latest.set(name, svc);
      const state = deploymentState(svc, deploymentId);
      if (state !== states.get(name)) {
        states.set(name, state);
        progress(`  ${name}: ${state} (${formatDuration(elapsed(waveStart))})`);
      }
      const failed = deploymentFailure(svc, deploymentId);
      if (failed) return { state: WaiterState.FAILURE, reason: failed };
    }
    const stable = services.length === started.size && services.every(isStable);
    return { state: stable ? WaiterState.SUCCESS : WaiterState.RETRY };
  };

  const bound = waveBound(wait, started);
  if (bound.timeoutSeconds > wait.timeoutSeconds)
    progress(
      `  the wave waits up to ${formatDuration(bound.timeoutSeconds)}: --timeout ${formatDuration(wait.timeoutSeconds)} and the longest gradual deployment's steps and bake`
    );
  const result = await poll(bound, check);
  if (result.state === WaiterState.SUCCESS) return;
  if (result.state === WaiterState.FAILURE) throw result.reason as MigrationFailure;
  const unstable =
    [...started.keys()].find((name) => !states.get(name)?.startsWith('COMPLETED')) ?? [...started.keys()][0];
  const svc = latest.get(unstable);
  const why = lastError
    ? `not stable within ${formatDuration(bound.timeoutSeconds)} (last error: ${errorMessage(lastError)})`
    : `not stable within ${formatDuration(bound.timeoutSeconds)}`;
  throw new MigrationFailure(unstable, why, svc ? recentEvents(svc) : [], []);
}

/**
 * The bound of a wave's wait: --timeout, plus the steps and bake of the slowest gradual
 * deployment among the wave's services (a linear deployment with ECS's defaults alone takes
 * 54 minutes more than a rolling one, past the default --timeout of 15 minutes).
 */
export function waveBound(
  wait: WaitOptions,
  started: ReadonlyMap<string, { readonly gradual?: GradualDeployment }>
): WaitOptions {
  const extra = Math.max(0, ...[...started.values()].map((s) => (s.gradual?.minutes ?? 0) * 60));
  return { ...wait, timeoutSeconds: wait.timeoutSeconds + extra };
}

/** Step 3: the PRIMARY deployment of each started service is the one started, with what was sent. */
async function verifyPrimary(
  { clients, namespace }: WaveContext,
  started: ReadonlyMap<string, Started>
): Promise<void> {
  if (started.size === 0) return;
  const cluster = [...started.values()][0].update.input.cluster!;
  const after = await liveServices(clients.ecs, cluster, [...started.keys()]);
  for (const [name, s] of started) {
    const svc = after.get(name)!;
    const primary = primaryDeployment(svc);
    if (primary?.id !== s.deploymentId) {
      throw new MigrationFailure(
        name,
        `the PRIMARY deployment is ${primary?.id ?? 'none'}, not ${s.deploymentId} that this run started: the deployment was rolled back (circuit breaker)`,
        recentEvents(svc),
        []
      );
    }
    if (!isDone(s.update, svc, namespace)) {
      throw new MigrationFailure(
        name,
        'the PRIMARY deployment does not carry what was sent',
        recentEvents(svc),
        []
      );
    }
  }
}

/** Step 4 (apply): waits until every client-server service of the wave is registered in Cloud Map. */
async function waitForRegistrations(
  { clients, namespace, wait, progress }: WaveContext,
  wave: readonly PlannedUpdate[]
): Promise<void> {
  const expected = wave.flatMap((u) =>
    (u.input.serviceConnectConfiguration?.services ?? []).map((s) => ({
      service: u.service.name,
      discoveryName: discoveryName(s),
    }))
  );
  if (expected.length === 0) return;
  const reported = new Set<string>();
  const result = await poll(wait, async () => {
    const present = new Set((await namespaceServices(clients.cloudMap, namespace.id)).map((s) => s.Name));
    for (const e of expected) {
      if (present.has(e.discoveryName) && !reported.has(e.service)) {
        progress(`  ${e.service}: registered in ${namespace.name} as ${e.discoveryName}`);
        reported.add(e.service);
      }
    }
    return {
      state: expected.every((e) => present.has(e.discoveryName)) ? WaiterState.SUCCESS : WaiterState.RETRY,
    };
  });
  if (result.state !== WaiterState.SUCCESS) {
    throw new MigrationFailure(
      wave.map((u) => u.service.name).join(', '),
      `not registered in namespace ${namespace.name} within ${formatDuration(wait.timeoutSeconds)}`,
      [],
      []
    );
  }
}

/**
 * Waits, bounded, until the namespace no longer holds `endpoints` (discovery names): after
 * Service Connect is turned off, ECS removes the Cloud Map services it created for them. A
 * namespace serves every cluster whose services use it, so the endpoints of services outside the
 * topology are named once and left alone.
 *
 * @throws MigrationFailure when some of `endpoints` remain after the timeout.
 */
export async function waitForEndpointsGone(
  clients: AwsClients,
  namespace: Namespace,
  endpoints: ReadonlySet<string>,
  wait: WaitOptions,
  progress: Progress
): Promise<void> {
  const start = Date.now();
  let last: string | undefined;
  let ours: string[] = [];
  let others: string[] = [];
  const result = await poll(wait, async () => {
    const names = (await namespaceServices(clients.cloudMap, namespace.id)).map((s) => s.Name ?? s.Id ?? '?');
    ours = names.filter((n) => endpoints.has(n));
    others = names.filter((n) => !endpoints.has(n));
    const now = ours.join(', ');
    if (now !== last) {
      progress(
        ours.length === 0
          ? `namespace ${namespace.name}: none of the topology's endpoints left (${formatDuration(elapsed(start))})`
          : `namespace ${namespace.name}: ${ours.length} endpoint(s) left: ${now} (${formatDuration(elapsed(start))})`
      );
      last = now;
    }
    return { state: ours.length === 0 ? WaiterState.SUCCESS : WaiterState.RETRY };
  });
  if (result.state !== WaiterState.SUCCESS) {
    throw new MigrationFailure(
      `namespace ${namespace.name}`,
      `still holds ${ours.join(', ')} after ${formatDuration(wait.timeoutSeconds)}`,
      [],
      []
    );
  }
  if (others.length > 0)
    progress(
      `namespace ${namespace.name}: also holds ${others.join(', ')}: endpoints of services outside the topology, left alone`
    );
}

/** The ECS services by name (10 per call); a failure names the service that is missing. */
async function liveServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[]
): Promise<Map<string, Service>> {
  const byName =
    (await send(names.join(', '), 'DescribeServices', () => servicesByName(ecs, cluster, names))) ??
    new Map();
  for (const name of names) {
    if (!byName.has(name)) throw new MigrationFailure(name, `not found in cluster ${cluster}`, [], []);
  }
  return byName;
}

/** How many of a service's latest events a failure shows. */
const RECENT_EVENTS = 5;

/** The latest service events, newest first, as lines. */
export function recentEvents(service: Service): string[] {
  return (service.events ?? [])
    .slice(0, RECENT_EVENTS)
    .map((e) => `${e.createdAt?.toISOString() ?? ''} ${e.message ?? ''}`.trim());
}

/**
 * The SDK's waiter machinery (`createWaiter`, what `waitUntilServicesStable` runs on): `check`
 * until it answers SUCCESS or FAILURE, with exponential backoff and jitter from the poll interval
 * up to four times it, bounded by the timeout.
 */
export function poll(wait: WaitOptions, check: () => Promise<WaiterResult>): Promise<WaiterResult> {
  return createWaiter(
    {
      client: undefined,
      maxWaitTime: wait.timeoutSeconds,
      minDelay: wait.pollSeconds,
      maxDelay: wait.pollSeconds * 4,
    },
    undefined,
    check
  );
}

/** One line for the state of the deployment this run started. */
function deploymentState(svc: Service, deploymentId: string): string {
  const ours = svc.deployments?.find((d) => d.id === deploymentId);
  if (!ours) return 'deployment no longer listed';
  const others = (svc.deployments?.length ?? 1) - 1;
  return `${ours.rolloutState ?? ours.status}, ${ours.runningCount ?? 0}/${ours.desiredCount ?? 0} running${others > 0 ? `, ${others} older deployment(s) draining` : ''}`;
}

/** A failure when the started deployment failed, or another one is PRIMARY (a rollback). */
function deploymentFailure(svc: Service, deploymentId: string): MigrationFailure | undefined {
  const ours = svc.deployments?.find((d) => d.id === deploymentId);
  const primary = primaryDeployment(svc);
  if (ours?.rolloutState !== 'FAILED' && (!primary || primary.id === deploymentId)) return undefined;
  const reason = ours?.rolloutStateReason ? `: ${ours.rolloutStateReason}` : '';
  return new MigrationFailure(
    svc.serviceName!,
    `deployment ${deploymentId} failed and was rolled back${reason}`,
    recentEvents(svc),
    []
  );
}

/** What `waitUntilServicesStable` accepts: one deployment, and all its tasks running. */
function isStable(svc: Service): boolean {
  return svc.deployments?.length === 1 && svc.runningCount === svc.desiredCount;
}

function startedOutcomes(
  started: ReadonlyMap<string, Started>,
  waveStart: number,
  failedService?: string
): ServiceOutcome[] {
  return [...started].map(([name, s]) => ({
    service: name,
    before: s.before,
    after:
      failedService === undefined ? afterLabel(s.update.action) : name === failedService ? 'failed' : '?',
    seconds: elapsed(waveStart),
    result: failedService === name ? 'failed' : 'changed',
  }));
}

/** Where an update takes a service, in a word or two. */
function afterLabel(action: UpdateAction): string {
  switch (action) {
    case 'service-connect-on':
      return 'on';
    case 'service-connect-off':
      return 'off';
    case 'attach-old-path':
      return 'old path attached';
    case 'detach-old-path':
      return 'old path detached';
  }
}

/** `off`, `on`, or `on (other configuration)`; for the old path, attached or detached. */
function stateLabel(live: Service, update: PlannedUpdate, namespace: NamespaceRef): string {
  if (update.action === 'attach-old-path' || update.action === 'detach-old-path') {
    const attached =
      update.action === 'attach-old-path'
        ? isDone(update, live, namespace)
        : !isDone(update, live, namespace);
    return attached ? 'old path attached' : 'old path detached';
  }
  const current = liveServiceConnect(live);
  if (!isOn(current)) return 'off';
  if (update.action === 'service-connect-off') return 'on';
  return isDone(update, live, namespace) ? 'on' : 'on (other configuration)';
}

function elapsed(start: number): number {
  return (Date.now() - start) / 1000;
}

/** Sends one call; an error (after the SDK's retries) becomes a failure naming the call. */
async function send<T>(service: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof MigrationFailure) throw err;
    throw new MigrationFailure(service, `${operation} failed: ${errorMessage(err)}`, [], []);
  }
}
