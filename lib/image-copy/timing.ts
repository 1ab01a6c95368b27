import type { RetryPolicy } from './retry';

/**
 * How long an image copy may take, and how it spends that time: one place for the copy function's
 * retries, its Lambda timeout and its custom resource's `ServiceTimeout`.
 *
 * The CDK provider framework invokes the copy function synchronously from a function of its own
 * whose timeout is 15 minutes (aws-cdk-lib's `FRAMEWORK_HANDLER_TIMEOUT`). A copy function with the
 * same 15 minutes could outlive the framework's, and then no answer reaches CloudFormation, which
 * waits for the custom resource's `ServiceTimeout` (an hour unless set). So the copy function stops
 * well before the framework's, its retries and requests well before the function's own timeout, and
 * CloudFormation waits a little longer than the framework can take.
 */
export const COPY_TIMING = {
  /** The copy function's timeout (Lambda), well below the provider framework's 900 s. */
  functionTimeoutSeconds: 600,
  /**
   * CloudFormation's wait for the copy's answer: beyond the 900 s the provider framework may take
   * (it answers even when the copy function times out), far below CloudFormation's default hour.
   */
  serviceTimeoutSeconds: 1200,
  /**
   * Retries of what fails in passing (no answer, a reset, 429, 5xx): 8 attempts per request, waits
   * from 1 s doubling to 30 s (a registry's `Retry-After` if longer), none ending past 5 minutes;
   * at 9 minutes every request still running is abandoned, and the copy fails while the function
   * still runs.
   */
  retry: {
    attempts: 8,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    budgetMs: 300_000,
    deadlineMs: 540_000,
  } satisfies RetryPolicy,
} as const;
