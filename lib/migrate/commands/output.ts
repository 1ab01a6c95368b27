import { formatTable } from '../../cli/table';
import { ServiceOutcome } from '../run';

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
