import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../aws/clients';
import { StackInput } from './cloudformation';
import { madeByOf } from './made-by';
import { StackTemplate, UnreadableTemplate } from './template';

/**
 * What the export reads of a stack, read-only: its template as it was deployed (`GetTemplate`,
 * the original stage: as written, JSON or YAML, before any transform), and the values its
 * parameters were deployed with (`DescribeStacks`; an SSM parameter's resolved value).
 *
 * @returns the stack, or the problem that stops its export (it does not exist, its template cannot be read).
 */
export async function readStack(
  clients: Pick<AwsClients, 'cloudFormation'>,
  stack: string,
  region: string
): Promise<StackInput | string> {
  let body: string;
  let parameters: Record<string, string>;
  try {
    const [{ TemplateBody }, { Stacks }] = await Promise.all([
      clients.cloudFormation.send(new GetTemplateCommand({ StackName: stack, TemplateStage: 'Original' })),
      clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stack })),
    ]);
    body = TemplateBody ?? '';
    parameters = Object.fromEntries(
      (Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey!, p.ResolvedValue ?? p.ParameterValue ?? ''])
    );
  } catch (err) {
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message))
      return `stack ${stack}: does not exist in ${region} (the topology names it as the owner of its services: run discover again, or pass --region)`;
    throw err;
  }
  try {
    const template = StackTemplate.parse(body, `stack ${stack}`);
    const madeBy = madeByOf(template.json());
    return { template, deployed: { stack, region, parameters }, ...(madeBy && { madeBy }) };
  } catch (err) {
    if (err instanceof UnreadableTemplate) return err.message;
    throw err;
  }
}
