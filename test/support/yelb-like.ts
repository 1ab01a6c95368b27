import { MigrationPhase } from '../../lib/model/phase';
import { CfnTemplate } from '../../lib/plan/template-diff';
import { TaskTimes } from '../../lib/rehearse/outage';
import { RehearsalAws } from '../../lib/rehearse/run';
import { RESTAURANTS, Restaurant, Votes } from '../../lib/rehearse/yelb-api';
import { TestServer, startServer } from './http-server';

/** A local server that answers Yelb's API as yelb-appserver does, with faults a test turns on. */
export interface YelbLike extends TestServer {
  readonly votes: Votes;
  /** Answer `status` to every `every`-th read of /api/getvotes (0 or undefined: none). */
  fault?: { every: number; status: number };
  /** Extra milliseconds before each answer. */
  delayMs: number;
  /** Reads of /api/getvotes (or /, another topology's traffic path) received so far. */
  readonly reads: number;
  /** Another system's data: `PUT /notes/<id>` stores the body, `GET /notes/<id>` answers it (404 when absent). */
  readonly notes: Map<string, string>;
}

/** Starts a Yelb-like server on 127.0.0.1: votes on `GET /api/<restaurant>`, counts on `GET /api/getvotes`. */
export async function startYelbLike(): Promise<YelbLike> {
  const votes = Object.fromEntries(RESTAURANTS.map((r) => [r, 0])) as Votes;
  const notes = new Map<string, string>();
  let reads = 0;
  const state: { fault?: YelbLike['fault']; delayMs: number } = { delayMs: 0 };
  const server = await startServer((req, res) => {
    const answer = (status: number, body: string) =>
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      }, state.delayMs);
    const name = req.url?.replace(/^\/api\//, '') ?? '';
    const note = /^\/notes\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    if (note && req.method === 'PUT') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        notes.set(note, body);
        answer(204, '');
      });
    } else if (note && req.method === 'GET') {
      const stored = notes.get(note);
      answer(stored === undefined ? 404 : 200, stored ?? '{}');
    } else if (req.method === 'GET' && (req.url === '/api/getvotes' || req.url === '/')) {
      reads += 1;
      if (state.fault && state.fault.every > 0 && reads % state.fault.every === 0) {
        answer(state.fault.status, '{"error":"upstream"}');
      } else {
        // yelb-appserver's own format (modules/getvotes.rb).
        answer(200, `[${RESTAURANTS.map((r) => `{"name": "${r}", "value": ${votes[r]}}`).join(', ')}]`);
      }
    } else if (req.method === 'GET' && (RESTAURANTS as readonly string[]).includes(name)) {
      votes[name as Restaurant] += 1;
      answer(200, String(votes[name as Restaurant]));
    } else {
      answer(404, '{}');
    }
  });
  return {
    url: server.url,
    received: server.received,
    close: server.close,
    votes,
    notes,
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    get reads() {
      return reads;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
  };
}

/** A deploy, as the fake AWS records it. */
export interface FakeDeploy {
  readonly phase: MigrationPhase;
  readonly context: Record<string, string>;
}

/** How long a deploy waits, at most, for the reads it should last: a bound, not a duration. */
const DEPLOY_READS_BOUND_MS = 15_000;

/** A restart of a service with a planned outage during a deploy, as ECS would report it. */
export interface FakeRestart {
  readonly service: string;
  /** From ECS stopping the old task to the new one serving, on the run's clock. */
  readonly seconds: number;
  /**
   * `stopFirst`: ECS stops the old task, then starts the new one (minimum 0 %). `startFirst`: the
   * new task starts first and waits for the old one's data volume, free once it has stopped.
   */
  readonly order?: 'stopFirst' | 'startFirst';
  /**
   * When CloudFormation reaches the service, in ms after the deploy began (default 100): servers
   * come first in the migration, last on the way back to discovery.
   */
  readonly afterMs?: number;
}

/**
 * A run clock `speed` times as fast as the wall clock, from now on: 90 s of a rehearsal's time
 * in 3 s at 30. The rehearsal compares its requests, steps and ECS's times on it.
 */
export function fastClock(speed: number): () => Date {
  const start = Date.now();
  return () => new Date(start + (Date.now() - start) * speed);
}

/**
 * The rehearsal's AWS in a test: a deploy lasts at least `deployMs` and until the Yelb-like
 * server has received `deployReads` reads since it started (a count, not a time, so that a busy
 * machine that sends fewer requests per second still puts enough traffic into every step), and
 * calls `during(phase)` when it starts and `after(phase)` when it ends, so that a test changes
 * the server's behaviour per step; everything is recorded.
 */
export function fakeRehearsalAws(
  yelb: YelbLike,
  options: {
    /** How long a deploy takes at least, in ms (default 100), or per phase. */
    deployMs?: number | ((phase: MigrationPhase) => number);
    /** Reads of /api/getvotes a step's deploy lasts for at least (default 0: none; not the first deploy). */
    deployReads?: number;
    deployedPhase?: MigrationPhase;
    /** The templates CloudFormation holds (default none: nothing deployed). */
    deployedTemplates?: Record<string, CfnTemplate>;
    /** The deploy of this phase fails, as a CloudFormation rollback does. */
    failDeployOf?: MigrationPhase;
    /** The MigrationPhase output the stack reports after a deploy (default: the phase deployed). */
    phaseOutput?: (phase: MigrationPhase) => string;
    during?: (phase: MigrationPhase) => void;
    after?: (phase: MigrationPhase) => void;
    /**
     * A service the deploy of a phase restarts with a planned outage: every read answers 500
     * while it lasts, and ECS's task times say so.
     */
    restart?: (phase: MigrationPhase) => FakeRestart | undefined;
    /** The run's clock (the task times are on it). */
    now?: () => Date;
  } = {}
): RehearsalAws & {
  readonly calls: string[];
  readonly deploys: FakeDeploy[];
  /** The deployment alarms in ALARM, as a test sets them; and the prefixes asked for. */
  firing: string[];
  readonly alarmReads: string[];
  /** Each service's tasks with their times, as DescribeTasks would give them (one running task unless restarted). */
  readonly tasks: Map<string, TaskTimes[]>;
} {
  const calls: string[] = [];
  const deploys: FakeDeploy[] = [];
  const alarmReads: string[] = [];
  const now = options.now ?? (() => new Date());
  const tasks = new Map<string, TaskTimes[]>();
  const tasksOf = (service: string) => {
    if (!tasks.has(service))
      tasks.set(service, [{ id: `${service}-1`, startedAt: new Date(now().getTime() - 3_600_000) }]);
    return tasks.get(service)!;
  };
  /** The restart: the old task stops, reads fail, a new one serves `seconds` later on the run's clock. */
  const restart = async ({ service, seconds, order = 'stopFirst', afterMs = 100 }: FakeRestart) => {
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    const list = tasksOf(service);
    const oldIndex = list.length - 1;
    const stoppingAt = now();
    const next = { id: `${service}-${list.length + 1}`, startedAt: new Date(stoppingAt.getTime() - 20_000) };
    // Start first: the new task is RUNNING before the old one stops, and waits for its volume.
    if (order === 'startFirst') list.push(next);
    const before = yelb.fault;
    yelb.fault = { every: 1, status: 500 };
    list[oldIndex] = { ...list[oldIndex], stoppingAt };
    while (now().getTime() < stoppingAt.getTime() + seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    yelb.fault = before;
    const served = now();
    if (order === 'startFirst') {
      list[oldIndex] = { ...list[oldIndex], stoppedAt: served };
    } else {
      // Its containers exit half-way through the outage; the new task starts after.
      list[oldIndex] = { ...list[oldIndex], stoppedAt: new Date(stoppingAt.getTime() + seconds * 500) };
      list.push({ ...next, startedAt: served });
    }
  };
  return {
    calls,
    deploys,
    firing: [],
    alarmReads,
    tasks,
    serviceTasks: (_cluster, service) => Promise.resolve(structuredClone(tasksOf(service))),
    alarmsFiring(prefix) {
      alarmReads.push(prefix);
      return Promise.resolve(this.firing.filter((name) => name.startsWith(prefix)));
    },
    deployed: (stacks) => {
      calls.push(`deployed ${stacks.join(',')}`);
      return Promise.resolve({
        templates: options.deployedTemplates ?? {},
        phase: options.deployedPhase,
        source: 'fake',
      });
    },
    deploy: async (phase, context) => {
      calls.push(`deploy ${phase}`);
      deploys.push({ phase, context });
      options.during?.(phase);
      const restarting = deploys.length > 1 ? options.restart?.(phase) : undefined;
      if (restarting) await restart(restarting);
      const ms = typeof options.deployMs === 'function' ? options.deployMs(phase) : (options.deployMs ?? 100);
      const readsAtStart = yelb.reads;
      // Unref: a deploy that Ctrl-C left running must not hold the test process open.
      await new Promise((resolve) => setTimeout(resolve, ms).unref());
      const bound = Date.now() + DEPLOY_READS_BOUND_MS;
      // The first deploy sets the system up, before the traffic starts.
      const reads = deploys.length > 1 ? (options.deployReads ?? 0) : 0;
      while (yelb.reads - readsAtStart < reads && Date.now() < bound) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      options.after?.(phase);
      if (phase === options.failDeployOf) {
        throw new Error(`The stack named Yelb failed to deploy: UPDATE_ROLLBACK_COMPLETE`);
      }
      return { AppUrl: `${yelb.url}/`, MigrationPhase: options.phaseOutput?.(phase) ?? phase };
    },
    waitStable: (cluster, services) => {
      calls.push(`wait ${cluster} ${services.length}`);
      return Promise.resolve();
    },
    destroy: (context) => {
      calls.push(`destroy ${context.stage ?? ''}`.trim());
      return Promise.resolve();
    },
  };
}
