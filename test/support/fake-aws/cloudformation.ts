import * as http from 'http';
import { ACCOUNT, FakeState, REGION } from './state';

/** CloudFormation (query protocol, XML answers): stack outputs and templates. */

export function cloudFormationApi(
  state: FakeState,
  res: http.ServerResponse,
  operation: string,
  input: any
): void {
  if (operation === 'GetTemplate') {
    const template = state.templates.get(input.StackName);
    if (template === undefined)
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        code: 'ValidationError',
      });
    const body = JSON.stringify(template).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<GetTemplateResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><GetTemplateResult>` +
        `<TemplateBody>${body}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>` +
        `</GetTemplateResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetTemplateResponse>`
    );
    return;
  }
  if (operation !== 'DescribeStacks') throw new Error(`fake CloudFormation does not implement ${operation}`);
  const outputs = state.stacks.get(input.StackName);
  if (!outputs)
    throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
      code: 'ValidationError',
    });
  const members = Object.entries(outputs)
    .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
    .join('');
  res.setHeader('content-type', 'text/xml');
  res.end(
    `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
      `<StackName>${input.StackName}</StackName><StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${input.StackName}/1</StackId>` +
      `<CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
      `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`
  );
}
