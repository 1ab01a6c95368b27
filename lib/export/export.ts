import { ValidationError } from '../core/validation';
import { cdkFiles } from './cdk';
import { ExportPlan, StackExport, StackInput, exportStack } from './cloudformation';
import { cloudFormationFiles } from './cloudformation-files';
import { ExportContext, ExportFormat, ExportedFile } from './exported';
import { terraformFiles } from './terraform';

/**
 * `migrate export`: the migration the CLI would run, written for the code that owns the
 * services, in one of three formats. Pure but for the stacks' templates, which the caller reads
 * (a CloudFormation export needs them; the CDK and Terraform exports need nothing live).
 */

/** The files of an export. @throws ValidationError with every problem of every stack (nothing is written). */
export async function exportFiles(
  format: ExportFormat,
  context: ExportContext,
  plan: ExportPlan,
  stacks: ReadonlyMap<string, StackInput> = new Map()
): Promise<ExportedFile[]> {
  switch (format) {
    case 'cdk':
      return cdkFiles(context, plan);
    case 'terraform':
      return terraformFiles(context, plan);
    case 'cloudformation': {
      const exported: StackExport[] = [];
      const problems: string[] = [];
      for (const [stack, input] of stacks) {
        const result = await exportStack(stack, input, plan);
        if ('problems' in result) problems.push(...result.problems);
        else exported.push(result);
      }
      if (problems.length > 0) throw new ValidationError(problems);
      return cloudFormationFiles(context, exported);
    }
  }
}
