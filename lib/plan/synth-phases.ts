import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MigrationPhase, phaseContext } from '../model/phase';
import { createApp } from '../app/app';
import { CfnTemplate } from './template-diff';
import { Topology } from '../model/topology';

/** The templates of one phase, by stack name. */
export type PhaseTemplates = Record<string, CfnTemplate>;

/**
 * Synthesizes the app in each phase, in-process and offline, with `context` (cdk.json's plus
 * the user's `-c` values, as `cdk synth` would see them) and the phase's flags. `options.checks`
 * as in {@link createApp} (on unless false: the CLIs report what `cdk synth` would refuse).
 *
 * @throws ValidationError for bad context.
 */
export function synthesizePhases(
  topology: Topology,
  context: Readonly<Record<string, unknown>>,
  phases: readonly MigrationPhase[],
  options: { readonly checks?: boolean } = {}
): Map<MigrationPhase, PhaseTemplates> {
  const result = new Map<MigrationPhase, PhaseTemplates>();
  for (const phase of phases) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `yelb-${phase}-`));
    try {
      const { app } = createApp(
        { context: { ...context, ...phaseContext(phase) }, outdir },
        topology,
        options
      );
      const assembly = app.synth();
      result.set(
        phase,
        Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template as CfnTemplate]))
      );
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  return result;
}
