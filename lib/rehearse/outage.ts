/**
 * Planned outages, as ECS reports them. A service whose tasks are replaced with a planned outage
 * (the model's `taskReplacement(svc).plannedOutage`: its data volume has one writer) serves
 * nothing from the moment ECS begins stopping its old task until a new one serves. The rehearsal
 * finds that span from the tasks' own times (DescribeTasks), never from the errors, so that a
 * failure outside it still counts against the error-rate gate.
 */

/** One task of a service, as ECS describes it (times in its own clock). */
export interface TaskTimes {
  readonly id: string;
  /**
   * When it became RUNNING: behind a readiness gate (a container that waits for the app to be
   * HEALTHY), once its app answered its health check.
   */
  readonly startedAt?: Date;
  /** When ECS began stopping it: it is taken out of discovery and sent its stop signal. */
  readonly stoppingAt?: Date;
  /** When its containers had exited: a one-writer service's data volume is free from then. */
  readonly stoppedAt?: Date;
}

/** A span of time, in milliseconds since the epoch. */
export interface TimeSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * ECS's clock and this machine's both keep NTP time, but not to the millisecond: each window
 * starts this much before ECS's own time, so that the first failures are not put outside it.
 */
export const CLOCK_ALLOWANCE_MS = 1_000;

/**
 * How long after a new task serves its callers may still fail: a caller that finds the service
 * by its Cloud Map DNS name may hold the previous answer for the record's TTL (10 s in the
 * phases that keep the old path, lib/constructs/legacy-discovery.ts). Service Connect's proxies
 * learn of a new task on a schedule ECS does not document: failures after this count.
 */
export const SETTLE_MS = 10_000;

/**
 * The spans of `[from, to]` in which no task of a one-writer service served, each begun by ECS
 * stopping a task. A task serves from when it is RUNNING, but not before every task that started
 * before it has stopped (it waits for the data volume's lock: this holds whether ECS stops the
 * old task first or starts the new one first), until ECS begins stopping it. A span that began
 * before `from` (nothing served when the step began) is no restart of this step and is left out;
 * one still open at `to` ends there.
 */
export function outageGaps(tasks: readonly TaskTimes[], from: number, to: number): TimeSpan[] {
  const serving = mergeSpans(tasks.flatMap((task) => servingSpan(task, tasks)));
  const gaps: TimeSpan[] = [];
  serving.forEach((span, i) => {
    const next = serving[i + 1];
    if (span.end < from || span.end >= to) return;
    const end = Math.min(next?.start ?? to, to);
    if (end > span.end) gaps.push({ start: span.end, end });
  });
  return gaps;
}

/**
 * The gaps widened into the windows the requests are counted in (by {@link CLOCK_ALLOWANCE_MS}
 * before and {@link SETTLE_MS} after), overlapping ones merged.
 */
export function countingWindows(gaps: readonly TimeSpan[]): TimeSpan[] {
  return mergeSpans(gaps.map((g) => ({ start: g.start - CLOCK_ALLOWANCE_MS, end: g.end + SETTLE_MS })));
}

function servingSpan(task: TaskTimes, tasks: readonly TaskTimes[]): TimeSpan[] {
  if (!task.startedAt) return [];
  const started = task.startedAt.getTime();
  // One writer: a task that started before this one holds the volume until it has stopped.
  const volumeFree = Math.max(
    -Infinity,
    ...tasks
      .filter((other) => other !== task && other.startedAt && other.startedAt.getTime() < started)
      .map((other) => other.stoppedAt?.getTime() ?? Infinity)
  );
  const span = { start: Math.max(started, volumeFree), end: task.stoppingAt?.getTime() ?? Infinity };
  return span.start < span.end ? [span] : [];
}

/** `spans` sorted by start, overlapping and touching ones merged. */
function mergeSpans(spans: readonly TimeSpan[]): TimeSpan[] {
  const merged: TimeSpan[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end)
      merged[merged.length - 1] = { ...last, end: Math.max(last.end, span.end) };
    else merged.push(span);
  }
  return merged;
}
