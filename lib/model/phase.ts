/**
 * The three phases of the migration. Each deploys from the previous one in one step, and back.
 *
 * - `discovery`: the system as the walkthrough deploys it; Service Connect explicitly off.
 * - `serviceConnect`: every service in the Service Connect namespace, the old path still in
 *   place so that tasks not yet replaced keep working and a rollback is one deployment.
 * - `retired`: the old path (internal ALB, hosted zone, Cloud Map DNS services) removed.
 */
export const MIGRATION_PHASES = ['discovery', 'serviceConnect', 'retired'] as const;

/** One of {@link MIGRATION_PHASES}. */
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** The context flags that select a phase. */
export interface PhaseFlags {
  readonly serviceConnect: boolean;
  readonly retireLegacy: boolean;
}

/** The phase that a pair of flags selects. `retireLegacy` needs `serviceConnect`. */
export function phaseOf(flags: PhaseFlags): MigrationPhase {
  if (flags.retireLegacy && !flags.serviceConnect) {
    throw new Error('retireLegacy=true needs serviceConnect=true');
  }
  if (flags.retireLegacy) return 'retired';
  return flags.serviceConnect ? 'serviceConnect' : 'discovery';
}

/** The flags that select `phase`: what to pass as `-c` to `cdk deploy`. */
export function flagsOf(phase: MigrationPhase): PhaseFlags {
  return { serviceConnect: phase !== 'discovery', retireLegacy: phase === 'retired' };
}

/** The context that selects `phase`, as `-c` passes it on the command line: strings. */
export function phaseContext(phase: MigrationPhase): Record<string, string> {
  const flags = flagsOf(phase);
  return { serviceConnect: String(flags.serviceConnect), retireLegacy: String(flags.retireLegacy) };
}

/** `npx cdk deploy --all -c serviceConnect=true`: the command that deploys `phase`. */
export function deployCommand(phase: MigrationPhase): string {
  const flags = flagsOf(phase);
  return [
    'npx cdk deploy --all',
    flags.serviceConnect && '-c serviceConnect=true',
    flags.retireLegacy && '-c retireLegacy=true',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Whether the services are in the Service Connect namespace in `phase`. */
export function usesServiceConnect(phase: MigrationPhase): boolean {
  return phase !== 'discovery';
}

/** Whether the old discovery path (internal ALB, hosted zone, Cloud Map DNS) exists in `phase`. */
export function keepsLegacyPath(phase: MigrationPhase): boolean {
  return phase !== 'retired';
}
