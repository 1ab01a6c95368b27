import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import * as fs from 'fs';
import * as path from 'path';

/**
 * CloudFormation quotas per stack that a bigger topology runs into, and that the CDK does not
 * check itself. (It refuses more than {@link CFN_RESOURCE_LIMIT} resources at synth already.)
 */
export const CFN_LIMITS = {
  outputs: 200,
  parameters: 200,
  /** A template uploaded to S3 (the CDK uploads every template larger than 50 KB). */
  templateBytes: 1024 * 1024,
} as const;

/** Resources per stack: the quota that a bigger topology meets first; the CDK checks it at synth. */
export const CFN_RESOURCE_LIMIT = 500;

/** How much of each quota a template uses. */
export interface TemplateUsage {
  readonly resources: number;
  readonly outputs: number;
  readonly parameters: number;
  readonly templateBytes: number;
}

/** The usage of a synthesized template, from its JSON text. */
export function templateUsage(text: string): TemplateUsage {
  const template = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
  return {
    resources: Object.keys(template.Resources ?? {}).length,
    outputs: Object.keys(template.Outputs ?? {}).length,
    parameters: Object.keys(template.Parameters ?? {}).length,
    templateBytes: Buffer.byteLength(text),
  };
}

/** One line per quota that `usage` exceeds. */
export function limitProblems(stack: string, usage: TemplateUsage): string[] {
  const units: Record<keyof typeof CFN_LIMITS, string> = {
    outputs: 'outputs',
    parameters: 'parameters',
    templateBytes: 'bytes of template',
  };
  return (Object.keys(CFN_LIMITS) as (keyof typeof CFN_LIMITS)[])
    .filter((key) => usage[key] > CFN_LIMITS[key])
    .map(
      (key) =>
        `stack ${stack} has ${usage[key]} ${units[key]}; CloudFormation allows ${CFN_LIMITS[key]} per stack, so the deployment would fail. Split the topology or remove services.`
    );
}

/**
 * A synth-time check of the CloudFormation quotas per stack that the CDK does not check (outputs,
 * parameters, template size), so that a topology too big for one stack fails at `cdk synth` with a clear
 * message instead of at deploy time.
 */
export class CloudFormationLimits implements IPolicyValidationPlugin {
  public readonly name = 'CloudFormation limits';
  public readonly ruleIds = Object.keys(CFN_LIMITS);

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const templatePath of context.templatePaths) {
      const stack = path.basename(templatePath).replace(/\.template\.json$/, '');
      for (const problem of limitProblems(stack, templateUsage(fs.readFileSync(templatePath, 'utf8')))) {
        violations.push({
          ruleName: 'cloudformation-quota',
          description: problem,
          fix: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
          violatingResources: [{ resourceLogicalId: stack, templatePath, locations: ['Resources'] }],
        });
      }
    }
    return { success: violations.length === 0, violations };
  }
}
