/**
 * How the image copy tries again: backoff with jitter, a registry's `Retry-After` honoured, and
 * one time budget for every retry of a copy, well inside the copy function's timeout.
 *
 * Not the SDK's `StandardRetryStrategy` (`@smithy/core/retry`): it honours a `Retry-After` only up
 * to its own backoff plus 5 s, and knows no budget across operations, while a registry that
 * throttles (Docker Hub's 429) may ask for longer, and a copy must fail while the function still
 * runs, so that CloudFormation hears why.
 */
import { RegistryError } from './registry-error';

/** When a copy tries again, and for how long in all. */
export interface RetryPolicy {
  /** Attempts of one operation (a request, a blob's transfer), the first included. */
  readonly attempts: number;
  /** The wait before the first retry; each next one doubles, up to `maxDelayMs`. Half of it is random. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * No wait ends later than this after the copy started: a retry that would (a long `Retry-After`
   * included) is not made, and the copy fails with the error it has.
   */
  readonly budgetMs: number;
  /** Every request still running this long after the copy started is abandoned, and the copy fails. */
  readonly deadlineMs: number;
}

/** Tries once, with no deadline: what a registry client does unless given a {@link Retrier}. */
export const NO_RETRY: RetryPolicy = {
  attempts: 1,
  baseDelayMs: 0,
  maxDelayMs: 0,
  budgetMs: 0,
  deadlineMs: 2 ** 31 - 1,
};

/** Answers worth another try: a timeout, the registry's throttling, a gateway or server in trouble. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a request that got `status` may succeed if sent again (0: no answer at all). */
export function isTransientStatus(status: number): boolean {
  return status === 0 || TRANSIENT_STATUSES.has(status);
}

/** Whether `err` is a registry's (or the network's) failure that may pass: see {@link isTransientStatus}. */
export function isTransient(err: unknown): boolean {
  return err instanceof RegistryError && isTransientStatus(err.status);
}

/** How one operation retries, where it differs from the policy. */
export interface RetryOptions {
  /** The errors worth another try. @default {@link isTransient} */
  readonly retryable?: (err: unknown) => boolean;
  /** A fixed wait between attempts instead of the backoff. */
  readonly delayMs?: number;
  /** @default the policy's */
  readonly attempts?: number;
}

/**
 * The retries of one copy. Every operation of the copy shares its budget; an error that one level
 * (a request) gave up on is not retried again by the level around it (the blob, the copy).
 */
export class Retrier {
  /** Aborts every request of the copy at its deadline. */
  readonly signal: AbortSignal;
  private readonly budgetEnd: number;
  private readonly givenUp = new WeakSet<object>();

  constructor(
    private readonly policy: RetryPolicy,
    private readonly log: (entry: Record<string, unknown>) => void = () => undefined
  ) {
    this.budgetEnd = Date.now() + policy.budgetMs;
    this.signal = AbortSignal.timeout(policy.deadlineMs);
  }

  /** The copy's deadline, for its error messages. */
  get deadlineSeconds(): number {
    return Math.round(this.policy.deadlineMs / 1000);
  }

  /** Runs `operation` until it succeeds, fails in a way not worth another try, or attempts or budget run out. */
  async run<T>(
    what: string,
    operation: (attempt: number) => Promise<T>,
    options: RetryOptions = {}
  ): Promise<T> {
    const retryable = options.retryable ?? isTransient;
    const attempts = options.attempts ?? this.policy.attempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (err) {
        if (!retryable(err) || this.givenUp.has(err as object)) throw err;
        const waitMs = options.delayMs ?? this.backoff(attempt, err);
        const refusal =
          attempt >= attempts
            ? `gave up after ${attempt} attempts`
            : Date.now() + waitMs > this.budgetEnd
              ? `gave up after ${attempt} attempts: a wait of ${Math.ceil(waitMs / 1000)} s would end past the copy's retry budget of ${Math.round(this.policy.budgetMs / 1000)} s`
              : undefined;
        if (refusal) throw this.giveUp(err, refusal);
        this.log({ retry: what, attempt, error: (err as Error).message, waitMs });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /** Exponential, half of it random; at least what the registry asked for (`Retry-After`). */
  private backoff(attempt: number, err: unknown): number {
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    const backoff = ceiling / 2 + (Math.random() * ceiling) / 2;
    const asked = err instanceof RegistryError ? (err.retryAfterMs ?? 0) : 0;
    return Math.round(Math.max(backoff, asked));
  }

  private giveUp(err: unknown, refusal: string): Error {
    const status = err instanceof RegistryError ? err.status : 0;
    const final = new RegistryError(`${(err as Error).message} (${refusal})`, status);
    this.givenUp.add(final);
    return final;
  }
}

/** An HTTP date as servers send it (RFC 9110's IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * A `Retry-After` header in milliseconds from now: seconds, or an HTTP date (RFC 9110);
 * `undefined` when there is none or it is not one of those.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!HTTP_DATE.test(value)) return undefined;
  return Math.max(0, Date.parse(value) - now);
}
