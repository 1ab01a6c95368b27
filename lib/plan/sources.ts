import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import * as fs from 'fs';
import * as path from 'path';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { SYSTEM_OUTPUTS } from '../contract/outputs';
import { UsageError } from '../cli/cli-io';
import { PhaseTemplates } from './synth-phases';
import { CfnTemplate } from './template-diff';

/**
 * Where the "before" of a plan comes from when it is not another phase of the same synth: the
 * templates CloudFormation holds now, or a cloud assembly kept from an earlier synth.
 */
export interface Baseline {
  /** The templates by stack name; a stack that is not there is new (an empty template). */
  readonly templates: PhaseTemplates;
  /** The migration phase they are in (the Yelb stack's MigrationPhase output), if any. */
  readonly phase?: MigrationPhase;
  /** For people: where the templates came from. */
  readonly source: string;
}

/** The phase that the Yelb stack's template (of any stage) says it deploys: its MigrationPhase output. */
export function phaseOfTemplates(templates: PhaseTemplates): MigrationPhase | undefined {
  for (const template of Object.values(templates)) {
    const outputs = template.Outputs as Record<string, { Value?: unknown }> | undefined;
    const phase = MIGRATION_PHASES.find((p) => p === outputs?.[SYSTEM_OUTPUTS.migrationPhase]?.Value);
    if (phase) return phase;
  }
  return undefined;
}

/**
 * The templates CloudFormation holds now for `stackNames` (GetTemplate, the original template as
 * deployed). A stack that does not exist counts as new.
 */
export async function deployedBaseline(
  cloudFormation: CloudFormationClient,
  stackNames: readonly string[]
): Promise<Baseline> {
  const templates: PhaseTemplates = {};
  for (const stackName of stackNames) {
    try {
      const { TemplateBody } = await cloudFormation.send(
        new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' })
      );
      templates[stackName] = parseTemplate(TemplateBody ?? '{}', `stack ${stackName}`);
    } catch (err) {
      if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message))
        continue;
      throw err;
    }
  }
  const region = await cloudFormation.config.region().catch(() => undefined);
  return {
    templates,
    phase: phaseOfTemplates(templates),
    source: `deployed (CloudFormation${region ? `, ${region}` : ''})`,
  };
}

/**
 * The templates of a cloud assembly folder kept from an earlier synth (a `cdk.out`: its
 * `manifest.json` names each stack's template file).
 *
 * @throws UsageError when the folder is not a cloud assembly.
 */
export function assemblyBaseline(dir: string): Baseline {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new UsageError(
      `--baseline '${dir}' is not a cloud assembly: no manifest.json there (keep a cdk.out folder from npx cdk synth --all)`
    );
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<string, { type?: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const templates: PhaseTemplates = {};
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const file = path.join(dir, artifact.properties.templateFile);
    if (!fs.existsSync(file))
      throw new UsageError(`--baseline '${dir}': ${artifact.properties.templateFile} is missing`);
    templates[artifact.properties.stackName ?? id] = parseTemplate(fs.readFileSync(file, 'utf8'), file);
  }
  if (Object.keys(templates).length === 0)
    throw new UsageError(`--baseline '${dir}': the manifest names no stack`);
  return { templates, phase: phaseOfTemplates(templates), source: `baseline ${dir}` };
}

function parseTemplate(body: string, where: string): CfnTemplate {
  try {
    return JSON.parse(body) as CfnTemplate;
  } catch {
    throw new UsageError(
      `the template of ${where} is not JSON (a template deployed as YAML cannot be compared)`
    );
  }
}
