import { Client } from 'undici';
import { HeyLoad } from '../contract/hey';

/** Kinds of failed requests, each its own bucket. */
export const ERROR_KINDS = ['timeout', 'refused', 'reset', 'aborted', 'dns', 'other'] as const;
/** One of {@link ERROR_KINDS}. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** What to send: hey's parameters, plus a progress callback. */
export interface LoadOptions extends HeyLoad {
  /** Called about once a second with the counts so far. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Called once for every request, when it completes or fails: what a caller splits by time. */
  readonly onResult?: (result: RequestResult) => void;
  /**
   * Ends the run when aborted: no request is sent after that, and those in flight complete (or
   * time out) and are counted as usual. With a signal, `requests` may be `Infinity`.
   */
  readonly signal?: AbortSignal;
}

/**
 * Whether a response counts as a success: 2xx only. A redirect is not followed (the generator
 * measures the one URL), and a 3xx or a 404 from an app behind a load balancer is a failure the
 * user would see: every report, gate and chart of this project counts with this one rule.
 */
export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode <= 299;
}

/** One request, as {@link LoadOptions.onResult} receives it. */
export interface RequestResult {
  /** When it was sent, in milliseconds since the start of the run. */
  readonly sentAtMs: number;
  /** When it completed or failed, in milliseconds since the start of the run. */
  readonly atMs: number;
  /** From sending it to the whole response; only for requests that got a response. */
  readonly latencyMs?: number;
  readonly statusCode?: number;
  readonly error?: ErrorKind;
}

/** Counts so far, for a live progress line. */
export interface LoadProgress {
  readonly elapsedSeconds: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Requests completed in the last second. */
  readonly currentRate: number;
}

/** One second of the run. */
export interface TimelineSecond {
  readonly second: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * What happened, request by request: every request sent is in exactly one bucket, a status code
 * or an error kind, so `requests` is the sum of `statusCodes` and `errors`.
 */
export interface LoadReport {
  readonly url: string;
  readonly requests: number;
  readonly durationSeconds: number;
  readonly rps: number;
  readonly statusCodes: Record<string, number>;
  readonly errors: Record<ErrorKind, number>;
  /** Latency of the requests that got a response (any status). */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  /** Per second since the start: requests completed, how many non-2xx, how many errors. */
  readonly timeline: readonly TimelineSecond[];
}

/**
 * Sends HTTP GET requests with undici and counts every one itself, so that
 * nothing is lost or counted twice: responses by status code, failures by kind (timeout,
 * connection refused, connection reset, aborted at the end of a timed run, DNS, other), with
 * latency percentiles and a per-second timeline.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const target = new URL(options.url);
  const path = `${target.pathname}${target.search}`;
  // One client per connection, one request at a time each, driven through undici's dispatch
  // API: no response stream per request, so the generator is not the bottleneck (see
  // `npm run bench:traffic`).
  const clients = Array.from(
    { length: options.connections },
    () =>
      new Client(target.origin, {
        pipelining: 1,
        // The per-request timeout is ours (a watchdog below): undici's own timers are coarse
        // (about a second), too coarse for short timeouts.
        headersTimeout: 0,
        bodyTimeout: 0,
        connectTimeout: options.timeoutMs,
      })
  );

  const statusCounts = new Map<number, number>();
  const errorCounts: Record<ErrorKind, number> = {
    timeout: 0,
    refused: 0,
    reset: 0,
    aborted: 0,
    dns: 0,
    other: 0,
  };
  const timeline: { requests: number; non2xx: number; errors: number }[] = [];
  const latencies = new LatencyLog();
  let completed = 0;
  let failed = 0;
  let non2xx = 0;
  let started = 0;
  let stopping = false;

  const startedAt = performance.now();
  const deadline =
    options.durationSeconds !== undefined ? startedAt + options.durationSeconds * 1000 : undefined;
  const slotMs = options.rate ? 1000 / options.rate : 0;
  let nextSlot = startedAt;

  // Ends the waits for a send slot at once when the run is stopped.
  let wake = () => undefined as void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const stop = () => {
    stopping = true;
    wake();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  const second = (now: number) => {
    const index = Math.floor((now - startedAt) / 1000);
    while (timeline.length <= index) timeline.push({ requests: 0, non2xx: 0, errors: 0 });
    return timeline[index];
  };
  const claim = (): boolean => {
    if (stopping) return false;
    if (deadline === undefined) {
      if (started >= options.requests) return false;
    } else if (performance.now() >= deadline) {
      return false;
    }
    started += 1;
    return true;
  };

  // Requests in flight, one per connection at most: when each was sent, and how to abort it.
  const inFlight = new Map<Client, { sentAt: number; abort: (reason: Error) => void }>();
  const watchdog = setInterval(
    () => {
      const now = performance.now();
      for (const [client, request] of inFlight) {
        if (now - request.sentAt >= options.timeoutMs) {
          inFlight.delete(client);
          request.abort(new RequestTimeout(options.timeoutMs));
        }
      }
    },
    Math.max(5, Math.min(250, options.timeoutMs / 4))
  );
  watchdog.unref();

  const worker = async (client: Client): Promise<void> => {
    while (claim()) {
      if (slotMs > 0) {
        const slot = nextSlot;
        nextSlot = Math.max(nextSlot, performance.now()) + slotMs;
        const wait = slot - performance.now();
        if (wait > 0) await sleepUnless(wait, woken);
        if (stopping || (deadline !== undefined && performance.now() >= deadline)) {
          return; // claimed, but the run ended before it was sent: not a request
        }
      }
      const sentAt = performance.now();
      try {
        const statusCode = await get(client, path, (abort) => inFlight.set(client, { sentAt, abort }));
        inFlight.delete(client);
        const now = performance.now();
        latencies.add(now - sentAt);
        statusCounts.set(statusCode, (statusCounts.get(statusCode) ?? 0) + 1);
        const bucket = second(now);
        bucket.requests += 1;
        if (!isSuccessStatus(statusCode)) {
          bucket.non2xx += 1;
          non2xx += 1;
        }
        options.onResult?.({
          sentAtMs: sentAt - startedAt,
          atMs: now - startedAt,
          latencyMs: now - sentAt,
          statusCode,
        });
      } catch (err) {
        inFlight.delete(client);
        // At the end of a timed run, destroyed clients fail their requests as aborted.
        const kind = errorKind(err);
        errorCounts[kind] += 1;
        failed += 1;
        const now = performance.now();
        const bucket = second(now);
        bucket.requests += 1;
        bucket.errors += 1;
        options.onResult?.({ sentAtMs: sentAt - startedAt, atMs: now - startedAt, error: kind });
      }
      completed += 1;
    }
  };

  let lastProgress = { at: startedAt, completed: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    options.onProgress?.({
      elapsedSeconds: (now - startedAt) / 1000,
      requests: completed,
      errors: failed,
      non2xx,
      currentRate: ((completed - lastProgress.completed) * 1000) / (now - lastProgress.at),
    });
    lastProgress = { at: now, completed };
  }, 1000);
  ticker.unref();

  // A timed run ends on time: at the deadline the clients are destroyed, and the requests still
  // in flight fail, counted as aborted.
  const destroyAll = () => Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  const stopper =
    deadline !== undefined
      ? setTimeout(() => {
          stop();
          void destroyAll();
        }, deadline - startedAt)
      : undefined;

  try {
    await Promise.all(clients.map(worker));
  } finally {
    options.signal?.removeEventListener('abort', stop);
    clearInterval(ticker);
    clearInterval(watchdog);
    if (stopper) clearTimeout(stopper);
    await destroyAll();
  }
  const elapsed = (performance.now() - startedAt) / 1000;

  return {
    url: options.url,
    requests: completed,
    durationSeconds: round(elapsed, 3),
    rps: round(completed / Math.max(elapsed, 1e-9), 1),
    statusCodes: Object.fromEntries(
      [...statusCounts].sort(([a], [b]) => a - b).map(([code, n]) => [String(code), n])
    ),
    errors: errorCounts,
    latencyMs: latencies.summary(),
    timeline: timeline.map((s, i) => ({ second: i, ...s })),
  };
}

/** A request that took longer than the per-request timeout. */
class RequestTimeout extends Error {
  readonly code = 'REQUEST_TIMEOUT';
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * One GET on a client: resolves with the status code once the whole response is in. `onStart`
 * receives a function that aborts the request.
 */
function get(
  client: Client,
  path: string,
  onStart: (abort: (reason: Error) => void) => void
): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    client.dispatch(
      { path, method: 'GET' },
      {
        // The presence of onRequestStart selects undici's current handler API.
        onRequestStart: (controller) => onStart((reason) => controller.abort(reason)),
        onResponseStart: (_controller, statusCode) => {
          status = statusCode;
        },
        onResponseData: () => undefined,
        onResponseEnd: () => resolve(status),
        onResponseError: (_controller, error) => reject(error),
      }
    );
  });
}

/** The bucket of a failed request, from undici's and the system's error codes. */
export function errorKind(err: unknown): ErrorKind {
  const codes = new Set<string>();
  for (
    let e = err as { code?: string; cause?: unknown; name?: string } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (typeof e.code === 'string') codes.add(e.code);
    if (typeof e.name === 'string') codes.add(e.name);
  }
  if (
    codes.has('REQUEST_TIMEOUT') ||
    codes.has('UND_ERR_HEADERS_TIMEOUT') ||
    codes.has('UND_ERR_BODY_TIMEOUT') ||
    codes.has('UND_ERR_CONNECT_TIMEOUT') ||
    codes.has('ETIMEDOUT')
  ) {
    return 'timeout';
  }
  if (codes.has('ECONNREFUSED')) return 'refused';
  if (codes.has('UND_ERR_SOCKET') || codes.has('ECONNRESET') || codes.has('EPIPE')) return 'reset';
  if (codes.has('UND_ERR_ABORTED') || codes.has('UND_ERR_DESTROYED') || codes.has('AbortError'))
    return 'aborted';
  if (codes.has('ENOTFOUND') || codes.has('EAI_AGAIN')) return 'dns';
  return 'other';
}

/** Latencies in milliseconds, kept exactly (8 bytes each) for exact percentiles. */
export class LatencyLog {
  private chunks: Float64Array[] = [new Float64Array(65536)];
  private used = 0;

  add(ms: number): void {
    let chunk = this.chunks[this.chunks.length - 1];
    if (this.used === chunk.length) {
      chunk = new Float64Array(chunk.length * 2);
      this.chunks.push(chunk);
      this.used = 0;
    }
    chunk[this.used++] = ms;
  }

  summary(): LoadReport['latencyMs'] {
    const last = this.chunks.length - 1;
    const all = new Float64Array(this.chunks.reduce((n, c, i) => n + (i === last ? this.used : c.length), 0));
    let offset = 0;
    this.chunks.forEach((c, i) => {
      const part = i === last ? c.subarray(0, this.used) : c;
      all.set(part, offset);
      offset += part.length;
    });
    all.sort();
    const at = (q: number) =>
      all.length === 0 ? 0 : round(all[Math.min(all.length - 1, Math.ceil(q * all.length) - 1)], 2);
    return {
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: all.length === 0 ? 0 : round(all[all.length - 1], 2),
    };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Waits `ms`, or less if `woken` settles first. */
async function sleepUnless(ms: number, woken: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), woken]);
  clearTimeout(timer);
}
