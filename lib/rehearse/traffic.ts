import { LatencyLog, LoadReport, RequestResult, isSuccessStatus, runLoad } from '../traffic/load';
import { RequestCounts } from './report';

/** How often the traffic's counts are printed while it runs. */
const PROGRESS_MS = 30_000;

/** Running totals of requests, for a step or the whole run. */
export class Counts {
  requests = 0;
  non2xx = 0;
  errors = 0;
  private readonly latencies = new LatencyLog();

  add(r: RequestResult): void {
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

/**
 * The rehearsal's traffic: `npm run traffic`'s generator, in process, at a steady rate until
 * stopped. Every request counts in the whole run's totals and in those of the step open when it
 * completed ({@link RehearsalTraffic.step}); the generator keeps the per-second timeline.
 */
export class RehearsalTraffic {
  readonly total = new Counts();
  /** The counts of the step under way, if any. */
  step: Counts | undefined;
  readonly startedAt = new Date();
  private readonly stopper = new AbortController();
  private readonly done: Promise<LoadReport>;
  private readonly ticker: NodeJS.Timeout;

  constructor(url: string, rate: number, timeoutMs: number, progress: (line: string) => void) {
    this.done = runLoad({
      url,
      connections: connectionsFor(rate),
      requests: Infinity,
      rate,
      timeoutMs,
      signal: this.stopper.signal,
      onResult: (r) => {
        this.total.add(r);
        this.step?.add(r);
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
  async stop(): Promise<LoadReport['timeline']> {
    clearInterval(this.ticker);
    this.stopper.abort();
    return (await this.done).timeline;
  }
}

/** Connections for a rate: one per request per second (so requests that take a second keep the rate), 2 to 200. */
export function connectionsFor(rate: number): number {
  return Math.min(200, Math.max(2, Math.ceil(rate)));
}
