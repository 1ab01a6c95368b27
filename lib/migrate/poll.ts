/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** First delay between attempts; it doubles (with jitter) up to {@link maxDelaySeconds}. */
  readonly minDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

/** Thrown when {@link pollUntil} runs out of time. */
export class PollTimeout extends Error {
  constructor(public readonly seconds: number) {
    super(`not done within ${seconds} s`);
    this.name = 'PollTimeout';
  }
}

/**
 * Bounded polling with exponential backoff and jitter (as the SDK's waiters do): calls
 * `attempt` until it returns a value other than `undefined`, never sleeping past the deadline.
 *
 * @throws PollTimeout when the deadline passes first.
 */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (let n = 0; ; n++) {
    const result = await attempt();
    if (result !== undefined) return result;
    const ceiling = Math.min(options.maxDelaySeconds, options.minDelaySeconds * 2 ** n) * 1000;
    const delay = options.minDelaySeconds * 1000 + Math.random() * (ceiling - options.minDelaySeconds * 1000);
    if (Date.now() + delay > deadline) throw new PollTimeout(options.timeoutSeconds);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
