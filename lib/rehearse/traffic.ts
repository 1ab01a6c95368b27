import { ErrorKind, LatencyLog, TimelineSecond, isSuccessStatus, runLoad } from '../traffic/load';
import { TimeSpan } from './outage';
import { OutcomeCounts, RequestCounts } from './report';

/** How often the traffic's counts are printed while it runs. */
const PROGRESS_MS = 30_000;

/** One request as the rehearsal counts it: sent and completed, in ms since the epoch on the run's clock. */
export interface TimedResult {
  readonly sentAt: number;
  readonly doneAt: number;
  /** Only for requests that got a response. */
  readonly latencyMs?: number;
  readonly statusCode?: number;
  readonly error?: ErrorKind;
}

/** Running totals of requests, for a step or the whole run. */
export class Counts {
  requests = 0;
  non2xx = 0;
  errors = 0;
  private readonly latencies = new LatencyLog();

  add(r: TimedResult): void {
    this.requests += 1;
    if (r.error) this.errors += 1;
    else if (!isSuccessStatus(r.statusCode!)) this.non2xx += 1;
    if (r.latencyMs !== undefined) this.latencies.add(r.latencyMs);
  }

  get failed(): number {
    return this.non2xx + this.errors;
  }

  snapshot(): RequestCounts {
    const { p50, p99 } = this.latencies.summary();
    return { requests: this.requests, non2xx: this.non2xx, errors: this.errors, latencyMs: { p50, p99 } };
  }
}

/** A request's outcome in a {@link StepCounts} log. */
const OK = 0;
const NON_2XX = 1;
const ERROR = 2;

/**
 * A step's counts, and when each of its requests was in flight: once ECS has said when a planned
 * outage was, the step's requests are split between it and the rest (see {@link inWindows}).
 * 17 bytes per request.
 */
export class StepCounts extends Counts {
  private sent = new Float64Array(4096);
  private done = new Float64Array(4096);
  private outcome = new Uint8Array(4096);

  override add(r: TimedResult): void {
    const i = this.requests;
    super.add(r);
    if (i === this.sent.length) this.grow();
    this.sent[i] = r.sentAt;
    this.done[i] = r.doneAt;
    this.outcome[i] = r.error ? ERROR : isSuccessStatus(r.statusCode!) ? OK : NON_2XX;
  }

  /**
   * The requests in flight during each window (sent before its end, completed after its start),
   * each request counted in the first window it overlaps only: every request of the step is in
   * exactly one window or in none.
   */
  inWindows(windows: readonly TimeSpan[]): OutcomeCounts[] {
    const counts = windows.map(() => ({ requests: 0, non2xx: 0, errors: 0 }));
    for (let i = 0; i < this.requests; i++) {
      const w = windows.findIndex((span) => this.sent[i] < span.end && this.done[i] > span.start);
      if (w < 0) continue;
      counts[w].requests += 1;
      if (this.outcome[i] === NON_2XX) counts[w].non2xx += 1;
      if (this.outcome[i] === ERROR) counts[w].errors += 1;
    }
    return counts;
  }

  private grow(): void {
    const size = this.sent.length * 2;
    const sent = new Float64Array(size);
    const done = new Float64Array(size);
    const outcome = new Uint8Array(size);
    sent.set(this.sent);
    done.set(this.done);
    outcome.set(this.outcome);
    [this.sent, this.done, this.outcome] = [sent, done, outcome];
  }
}

/**
 * The rehearsal's traffic: `npm run traffic`'s generator, in process, at a steady rate until
 * stopped. Every request counts in the whole run's totals, in those of the step open when it
 * completed ({@link RehearsalTraffic.step}), and in one second of the timeline, all on the run's
 * clock (`now`), the one the steps and ECS's times are compared on.
 */
export class RehearsalTraffic {
  readonly total = new Counts();
  /** The counts of the step under way, if any. */
  step: Counts | undefined;
  readonly startedAt: Date;
  private readonly seconds: { requests: number; non2xx: number; errors: number }[] = [];
  private readonly stopper = new AbortController();
  private readonly done: Promise<unknown>;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    url: string,
    rate: number,
    timeoutMs: number,
    progress: (line: string) => void,
    private readonly now: () => Date = () => new Date()
  ) {
    this.startedAt = now();
    this.done = runLoad({
      url,
      connections: connectionsFor(rate),
      requests: Infinity,
      rate,
      timeoutMs,
      signal: this.stopper.signal,
      onResult: (r) => {
        const doneAt = this.now().getTime();
        this.count({ ...r, doneAt, sentAt: doneAt - (r.atMs - r.sentAtMs) });
      },
    });
    // Handled now, read when the traffic stops: a failing generator must not crash the run.
    this.done.catch(() => undefined);
    // A line every 30 s: a deploy takes minutes, and the traffic is what the user watches.
    this.ticker = setInterval(() => {
      const step = this.step ? `; this step ${this.step.requests} requests, ${this.step.failed} failed` : '';
      progress(`traffic: ${this.total.requests} requests, ${this.total.failed} failed${step}`);
    }, PROGRESS_MS);
    this.ticker.unref();
  }

  /** Seconds from the start of the traffic to `at`. */
  secondsAt(at: Date): number {
    return Math.max(0, (at.getTime() - this.startedAt.getTime()) / 1000);
  }

  /** Whether {@link stop} was called. */
  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Stops sending; requests in flight complete. The per-second timeline of the whole run. */
  async stop(): Promise<TimelineSecond[]> {
    clearInterval(this.ticker);
    this.stopper.abort();
    await this.done;
    return this.seconds.map((s, second) => ({ second, ...s }));
  }

  private count(r: TimedResult): void {
    this.total.add(r);
    this.step?.add(r);
    const index = Math.floor(this.secondsAt(new Date(r.doneAt)));
    while (this.seconds.length <= index) this.seconds.push({ requests: 0, non2xx: 0, errors: 0 });
    const second = this.seconds[index];
    second.requests += 1;
    if (r.error) second.errors += 1;
    else if (!isSuccessStatus(r.statusCode!)) second.non2xx += 1;
  }
}

/** Connections for a rate: one per request per second (so requests that take a second keep the rate), 2 to 200. */
export function connectionsFor(rate: number): number {
  return Math.min(200, Math.max(2, Math.ceil(rate)));
}
