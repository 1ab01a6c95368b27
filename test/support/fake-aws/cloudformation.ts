import * as http from 'http';
import { ACCOUNT, FakeState, REGION } from './state';
import { xml } from './wire';

/**
 * CloudFormation (query protocol, XML answers): stacks with outputs, parameters and tags, their
 * templates as deployed (a JSON value, or a text kept as it was written, YAML included), and
 * their resources with physical IDs (DescribeStackResources by stack or by physical ID,
 * ListStackResources paged).
 */

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export function cloudFormationApi(
  state: FakeState,
  res: http.ServerResponse,
  operation: string,
  input: any
): void {
  switch (operation) {
    case 'GetTemplate': {
      const template = state.templates.get(input.StackName);
      if (template === undefined) throw noStack(input.StackName);
      const body = typeof template === 'string' ? template : JSON.stringify(template);
      return xml(res, operation, { TemplateBody: body, StagesAvailable: ['Original', 'Processed'] }, XMLNS);
    }
    case 'DescribeStacks':
      return xml(res, operation, { Stacks: [describeStack(state, input.StackName)] }, XMLNS);
    case 'DescribeStackResources': {
      const resources = input.PhysicalResourceId
        ? stackOfResource(state, input.PhysicalResourceId)
        : { stack: input.StackName, resources: resourcesOf(state, input.StackName) };
      return xml(
        res,
        operation,
        { StackResources: resources.resources.map((r) => summary(resources.stack, r)) },
        XMLNS
      );
    }
    case 'ListStackResources': {
      const resources = resourcesOf(state, input.StackName).map((r) => ({
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: '2026-11-01T00:00:00Z',
      }));
      const page = state.page(
        resources,
        input.NextToken,
        state.pageSize,
        'StackResourceSummaries',
        'NextToken'
      );
      return xml(res, operation, page, XMLNS);
    }
    default:
      throw new Error(`fake CloudFormation does not implement ${operation}`);
  }
}

function noStack(name: string): Error {
  return Object.assign(new Error(`Stack with id ${name} does not exist`), { code: 'ValidationError' });
}

function describeStack(state: FakeState, name: string): unknown {
  const outputs = state.stacks.get(name);
  if (!outputs && !state.templates.has(name)) throw noStack(name);
  return {
    StackName: name,
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/1`,
    CreationTime: '2026-11-01T00:00:00Z',
    StackStatus: 'UPDATE_COMPLETE',
    Parameters: Object.entries(state.stackParameters.get(name) ?? {}).map(([k, v]) => ({
      ParameterKey: k,
      ParameterValue: v,
    })),
    Outputs: Object.entries(outputs ?? {}).map(([k, v]) => ({ OutputKey: k, OutputValue: v })),
    Tags: Object.entries(state.stackTags.get(name) ?? {}).map(([k, v]) => ({ Key: k, Value: v })),
  };
}

function resourcesOf(state: FakeState, stack: string): FakeStackResource[] {
  const resources = state.stackResources.get(stack);
  if (!resources && !state.templates.has(stack)) throw noStack(stack);
  return resources ?? [];
}

/** As CloudFormation: the stack of a physical ID, with all its resources; an error when no stack has it. */
function stackOfResource(
  state: FakeState,
  physicalId: string
): { stack: string; resources: FakeStackResource[] } {
  for (const [stack, resources] of state.stackResources) {
    if (resources.some((r) => r.physicalId === physicalId)) return { stack, resources };
  }
  throw Object.assign(new Error(`Stack for ${physicalId} does not exist`), { code: 'ValidationError' });
}

function summary(stack: string, r: FakeStackResource): unknown {
  return {
    StackName: stack,
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/1`,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: '2026-11-01T00:00:00Z',
    ResourceStatus: 'CREATE_COMPLETE',
  };
}

type FakeStackResource = FakeState['stackResources'] extends Map<string, (infer R)[]> ? R : never;
