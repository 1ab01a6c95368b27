import { CliIo } from '../../cli/cli-io';
import { formatDuration } from '../../cli/duration';
import { formatTable } from '../../cli/table';
import { PlannedWave } from '../plan';
import { MigrationFailure, ServiceOutcome, runWaves } from '../run';
import { Session } from '../session';
import { NamespaceRef } from '../compare';

/** The outcome of every service, as a table. */
export function outcomeTable(outcomes: readonly ServiceOutcome[]): string {
  return formatTable(
    ['service', 'before → after', 'seconds', 'result'],
    outcomes.map((o) => [
      o.service,
      `${o.before} → ${o.after}`,
      o.seconds === undefined ? '-' : o.seconds.toFixed(0),
      o.result,
    ])
  );
}

/** A run that stopped: what failed, its last events, what was not touched, the outcomes so far; exit 1. */
export function reportFailure(err: MigrationFailure, io: CliIo): number {
  io.stderr(`error: ${err.message}\n`);
  if (err.events.length > 0)
    io.stderr(`last events of ${err.service}:\n${err.events.map((e) => `  ${e}`).join('\n')}\n`);
  const untouched = err.outcomes.filter((o) => o.result === 'not started').map((o) => o.service);
  if (untouched.length > 0)
    io.stderr(`not touched: ${untouched.join(', ')}; re-run to resume once the cause is fixed\n`);
  if (err.outcomes.length > 0) io.stdout(`${outcomeTable(err.outcomes)}\n`);
  return 1;
}

/**
 * Runs the waves (then `after`, such as the namespace's drain), prints the outcomes and `done`
 * with the time taken; a failed wave is reported and gives exit 1.
 */
export async function runAndReport(
  session: Session,
  namespace: NamespaceRef & { readonly id: string },
  waves: readonly PlannedWave[],
  done: string,
  after?: () => Promise<void>
): Promise<number> {
  const { clients, io, wait, progress } = session;
  const start = Date.now();
  try {
    const outcomes = await runWaves(clients, namespace, waves, wait, progress);
    await after?.();
    io.stdout(`${outcomeTable(outcomes)}\n`);
    io.stdout(`${done} (${formatDuration((Date.now() - start) / 1000)})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof MigrationFailure)) throw err;
    return reportFailure(err, io);
  }
}
