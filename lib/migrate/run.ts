import {
  DescribeServicesCommandOutput,
  ECSClient,
  Service,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { ServiceSummary } from '@aws-sdk/client-servicediscovery';
import { DESCRIBE_SERVICES_LIMIT, chunks, describeServices, namespaceServices } from '../teardown/drain';
import { formatDuration } from '../cli/duration';
import { discoveryName } from '../service-connect';
import { AwsClients, describeAwsError } from '../cli/aws';
import { NamespaceRef, isOn, liveServiceConnect, primaryDeployment, sameServiceConnect } from './compare';
import { Direction, PlannedUpdate } from './plan';
import { PollTimeout, pollUntil } from './poll';

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

const OBSERVER = 'yelbMigrateProgress';

/**
 * Runs the waves in order. In each wave: services already in the target state (as ECS
 * reports it) are skipped; the others get their UpdateService; then the SDK waiter waits until
 * the wave is stable, while an observer on its DescribeServices answers prints each state
 * change and stops the wait early when a started deployment fails; then the PRIMARY deployment
 * of each service must be the one started, with the configuration sent (the waiter also
 * succeeds after a circuit-breaker rollback). After an `apply` wave the client-server services
 * must be registered in the namespace. A failed wave stops the run: later waves are not touched.
 *
 * @throws MigrationFailure
 */
export async function runWaves(
  clients: AwsClients,
  namespace: NamespaceRef & { id: string },
  direction: Direction,
  waves: readonly PlannedUpdate[][],
  wait: WaitOptions,
  progress: Progress
): Promise<ServiceOutcome[]> {
  const outcomes: ServiceOutcome[] = [];
  const target = direction === 'apply' ? 'on' : 'off';
  for (const [index, wave] of waves.entries()) {
    const waveStart = Date.now();
    const started = new Map<string, { deploymentId: string; update: PlannedUpdate; before: string }>();
    try {
      await runWave(index, wave, started);
    } catch (err) {
      if (!(err instanceof MigrationFailure)) throw err;
      for (const [name, s] of started) {
        const failed = name === err.service;
        outcomes.push({
          service: name,
          before: s.before,
          after: failed ? 'failed' : '?',
          seconds: elapsed(waveStart),
          result: failed ? 'failed' : 'changed',
        });
      }
      const reached = new Set(outcomes.map((o) => o.service));
      for (const later of waves
        .slice(index)
        .flat()
        .filter((u) => !reached.has(u.service.name))) {
        outcomes.push({ service: later.service.name, before: '?', after: '?', result: 'not started' });
      }
      throw new MigrationFailure(
        err.service,
        err.message.slice(err.service.length + 2),
        err.events,
        outcomes
      );
    }
    for (const [name, s] of started) {
      outcomes.push({
        service: name,
        before: s.before,
        after: target,
        seconds: elapsed(waveStart),
        result: 'changed',
      });
    }
    progress(`wave ${index + 1}/${waves.length} done in ${formatDuration(elapsed(waveStart))}`);
  }
  return outcomes;

  async function runWave(
    index: number,
    wave: readonly PlannedUpdate[],
    started: Map<string, { deploymentId: string; update: PlannedUpdate; before: string }>
  ): Promise<void> {
    const waveStart = Date.now();
    const names = wave.map((u) => u.service.name);
    progress(`wave ${index + 1}/${waves.length}: ${names.join(', ')}`);
    const cluster = wave[0].input.cluster!;
    const live = await describe(clients.ecs, cluster, names);

    for (const update of wave) {
      const name = update.service.name;
      const current = liveServiceConnect(live.get(name)!);
      const before = stateLabel(current, update, namespace);
      if (sameServiceConnect(current, update.input.serviceConnectConfiguration, namespace)) {
        progress(`  ${name}: already ${target}, skipped`);
        outcomes.push({ service: name, before, after: before, result: 'skipped' });
        continue;
      }
      const { service } = await send(name, 'UpdateService', () =>
        clients.ecs.send(new UpdateServiceCommand(update.input))
      );
      const deploymentId = primaryDeployment(service!)?.id ?? 'unknown';
      started.set(name, { deploymentId, update, before });
      progress(`  ${name}: UpdateService sent, deployment ${deploymentId} (${before} → ${target})`);
    }

    if (started.size > 0) {
      const deployments = new Map([...started].map(([name, s]) => [name, s.deploymentId]));
      const failure = await waitForDeployments(clients.ecs, cluster, deployments, wait, waveStart, progress);
      if (failure) throw new MigrationFailure(failure.service, failure.message, failure.events, []);

      const after = await describe(clients.ecs, cluster, [...started.keys()]);
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
        if (
          !sameServiceConnect(liveServiceConnect(svc), s.update.input.serviceConnectConfiguration, namespace)
        ) {
          throw new MigrationFailure(
            name,
            'the PRIMARY deployment does not carry the configuration that was sent',
            recentEvents(svc),
            []
          );
        }
      }
    }

    if (direction === 'apply') {
      try {
        await waitForRegistrations(clients, namespace, wave, wait, progress);
      } catch (err) {
        if (!(err instanceof PollTimeout)) throw err;
        throw new MigrationFailure(
          names.join(', '),
          `not registered in namespace ${namespace.name} within ${formatDuration(wait.timeoutSeconds)}`,
          [],
          []
        );
      }
    }
  }
}

/**
 * Waits, bounded, until the namespace holds no services: after a rollback ECS removes the
 * Cloud Map services it created, and a namespace with services cannot be deleted.
 *
 * @throws MigrationFailure when services remain after the timeout.
 */
export async function waitForEmptyNamespace(
  clients: AwsClients,
  namespace: NamespaceRef & { id: string },
  wait: WaitOptions,
  progress: Progress
): Promise<void> {
  const start = Date.now();
  let last: string | undefined;
  let remaining: ServiceSummary[] = [];
  try {
    await pollUntil(
      async () => {
        remaining = await namespaceServices(clients.cloudMap, namespace.id);
        const now = remaining.map((s) => s.Name).join(', ');
        if (now !== last) {
          progress(
            remaining.length === 0
              ? `namespace ${namespace.name}: empty (${formatDuration(elapsed(start))})`
              : `namespace ${namespace.name}: ${remaining.length} service(s) left: ${now} (${formatDuration(elapsed(start))})`
          );
          last = now;
        }
        return remaining.length === 0 ? true : undefined;
      },
      {
        timeoutSeconds: wait.timeoutSeconds,
        minDelaySeconds: wait.pollSeconds,
        maxDelaySeconds: wait.pollSeconds * 4,
      }
    );
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    throw new MigrationFailure(
      `namespace ${namespace.name}`,
      `still holds ${remaining.map((s) => s.Name).join(', ')} after ${formatDuration(wait.timeoutSeconds)}`,
      [],
      []
    );
  }
}

/** The ECS services by name, 10 per DescribeServices call (the API's limit). */
export async function describe(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[]
): Promise<Map<string, Service>> {
  const services = await send(names.join(', '), 'DescribeServices', () =>
    describeServices(ecs, cluster, names)
  );
  const byName = new Map((services ?? []).map((s) => [s.serviceName!, s]));
  for (const name of names) {
    if (!byName.has(name)) throw new MigrationFailure(name, `not found in cluster ${cluster}`, [], []);
  }
  return byName;
}

/** The latest service events, newest first, as lines. */
export function recentEvents(service: Service, count = 5): string[] {
  return (service.events ?? [])
    .slice(0, count)
    .map((e) => `${e.createdAt?.toISOString() ?? ''} ${e.message ?? ''}`.trim());
}

interface WaitFailure {
  readonly service: string;
  readonly message: string;
  readonly events: readonly string[];
}

/**
 * `waitUntilServicesStable` over the wave, with an observer on the waiter's own
 * DescribeServices answers (an SDK middleware): one progress line per state change, and an
 * early stop when a deployment this run started fails or stops being PRIMARY.
 */
async function waitForDeployments(
  ecs: ECSClient,
  cluster: string,
  deployments: ReadonlyMap<string, string>,
  wait: WaitOptions,
  waveStart: number,
  progress: Progress
): Promise<WaitFailure | undefined> {
  const abort = new AbortController();
  const states = new Map<string, string>();
  const latest = new Map<string, Service>();
  let failure: WaitFailure | undefined;

  const observe = (output: DescribeServicesCommandOutput) => {
    for (const svc of output.services ?? []) {
      const name = svc.serviceName!;
      const deploymentId = deployments.get(name);
      if (!deploymentId) continue;
      latest.set(name, svc);
      const ours = svc.deployments?.find((d) => d.id === deploymentId);
      const others = (svc.deployments?.length ?? 1) - (ours ? 1 : 0);
      const state = ours
        ? `${ours.rolloutState ?? ours.status}, ${ours.runningCount ?? 0}/${ours.desiredCount ?? 0} running${others > 0 ? `, ${others} older deployment(s) draining` : ''}`
        : 'deployment no longer listed';
      if (state !== states.get(name)) {
        states.set(name, state);
        progress(`  ${name}: ${state} (${formatDuration(elapsed(waveStart))})`);
      }
      const primary = primaryDeployment(svc);
      if (!failure && (ours?.rolloutState === 'FAILED' || (primary && primary.id !== deploymentId))) {
        const reason = ours?.rolloutStateReason ? `: ${ours.rolloutStateReason}` : '';
        failure = {
          service: name,
          message: `deployment ${deploymentId} failed and was rolled back${reason}`,
          events: recentEvents(svc),
        };
        abort.abort();
      }
    }
  };

  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'DescribeServicesCommand') observe(result.output);
      return result;
    },
    { step: 'initialize', name: OBSERVER }
  );
  try {
    // The waiter sends its input as one DescribeServices: at most 10 services per waiter.
    await Promise.all(
      chunks([...deployments.keys()], DESCRIBE_SERVICES_LIMIT).map((batch) =>
        waitUntilServicesStable(
          {
            client: ecs,
            maxWaitTime: wait.timeoutSeconds,
            minDelay: wait.pollSeconds,
            maxDelay: wait.pollSeconds * 4,
            abortSignal: abort.signal,
          },
          { cluster, services: batch }
        )
      )
    );
  } catch (err) {
    abort.abort();
    if (failure) return failure;
    const unstable =
      [...deployments.keys()].find((name) => !states.get(name)?.startsWith('COMPLETED')) ??
      [...deployments.keys()][0];
    const svc = latest.get(unstable);
    const why =
      (err as Error).name === 'TimeoutError'
        ? `not stable within ${formatDuration(wait.timeoutSeconds)}`
        : `wait failed: ${(err as Error).message.split('\n')[0]}`;
    return { service: unstable, message: why, events: svc ? recentEvents(svc) : [] };
  } finally {
    ecs.middlewareStack.remove(OBSERVER);
  }
  return failure;
}

/** Polls the namespace until every client-server service of the wave is registered. */
async function waitForRegistrations(
  clients: AwsClients,
  namespace: NamespaceRef & { id: string },
  wave: readonly PlannedUpdate[],
  wait: WaitOptions,
  progress: Progress
): Promise<void> {
  const expected = wave.flatMap((u) =>
    (u.input.serviceConnectConfiguration.services ?? []).map((s) => ({
      service: u.service.name,
      discoveryName: discoveryName(s),
    }))
  );
  if (expected.length === 0) return;
  const reported = new Set<string>();
  await pollUntil(
    async () => {
      const present = new Set((await namespaceServices(clients.cloudMap, namespace.id)).map((s) => s.Name));
      for (const e of expected) {
        if (present.has(e.discoveryName) && !reported.has(e.service)) {
          progress(`  ${e.service}: registered in ${namespace.name} as ${e.discoveryName}`);
          reported.add(e.service);
        }
      }
      return expected.every((e) => present.has(e.discoveryName)) ? true : undefined;
    },
    {
      timeoutSeconds: wait.timeoutSeconds,
      minDelaySeconds: wait.pollSeconds,
      maxDelaySeconds: wait.pollSeconds * 4,
    }
  );
}

/** `off`, `on`, or `on (other configuration)` relative to what an update would send. */
function stateLabel(
  current: Parameters<typeof isOn>[0],
  update: PlannedUpdate,
  namespace: NamespaceRef
): string {
  if (!isOn(current)) return 'off';
  if (!isOn(update.input.serviceConnectConfiguration)) return 'on';
  return sameServiceConnect(current, update.input.serviceConnectConfiguration, namespace)
    ? 'on'
    : 'on (other configuration)';
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
    throw new MigrationFailure(service, `${operation} failed: ${describeAwsError(err)}`, [], []);
  }
}
