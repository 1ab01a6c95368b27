import { MigrationPhase } from '../../lib/model/phase';
import { CfnTemplate } from '../../lib/plan/template-diff';
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
  } = {}
): RehearsalAws & {
  readonly calls: string[];
  readonly deploys: FakeDeploy[];
  /** The deployment alarms in ALARM, as a test sets them; and the prefixes asked for. */
  firing: string[];
  readonly alarmReads: string[];
} {
  const calls: string[] = [];
  const deploys: FakeDeploy[] = [];
  const alarmReads: string[] = [];
  return {
    calls,
    deploys,
    firing: [],
    alarmReads,
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
