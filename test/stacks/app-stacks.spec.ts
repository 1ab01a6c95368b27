import { CfnElement, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import { stackNames } from '../../lib/contract/stage';
import { YELB } from '../../lib/model/yelb';

const STACK_NAMES = stackNames(YELB);
import { phaseContext } from '../../lib/model/phase';
import { MigrationApp } from '../../lib/app/app';
import { buildApp } from '../support/app';

/**
 * `cdk list` and `cdk destroy --all` see the stacks of the cloud assembly that the command's own
 * context synthesizes. The CDK CLI skips a stack without resources on deploy, and deletes it if
 * it exists (aws-cdk `lib/cli/cdk-toolkit.js`: "stack has no resources, deleting existing
 * stack"); destroy deletes in reverse dependency order.
 */
const stacksOf = (built: MigrationApp) =>
  built.app.node.children.filter((c): c is Stack => c instanceof Stack);
const names = (built: MigrationApp) =>
  stacksOf(built)
    .map((s) => s.stackName)
    .sort();

/** The flag that adds a stack's resources (loadTest), without and with the phase flags. */
const FLAG_COMBINATIONS: Record<string, string>[] = [
  { loadTest: 'true' },
  { ...phaseContext('retired'), loadTest: 'true', dbStorage: 'ephemeral' },
];

/** The order in which `cdk destroy --all` deletes the stacks: dependents first. */
function destroyOrder(built: MigrationApp): string[] {
  const order: string[] = [];
  const visit = (stack: Stack) => {
    if (order.includes(stack.stackName)) return;
    stack.dependencies.forEach(visit);
    order.push(stack.stackName);
  };
  stacksOf(built).forEach(visit);
  return order.reverse();
}

describe('the stacks of the app', () => {
  const plain = buildApp('discovery');
  const flagged = FLAG_COMBINATIONS.map((flags) => buildApp('discovery', flags));

  test('without flags, the app names every stack that any combination of flags creates', () => {
    const everyStack = new Set(flagged.flatMap(names));
    expect(names(plain)).toEqual([...everyStack].sort());
    expect(names(plain)).toEqual(['Yelb', 'YelbLoadTest', 'YelbNetwork']);
  });

  test('without loadTest=true the load-test stack has no resources: deploy skips it, or deletes a deployed one', () => {
    const elements = plain.loadTestStack.node.findAll().filter((c) => CfnElement.isCfnElement(c));
    // The CDK's own bootstrap-version parameter and rule only: no resource, no output.
    expect(elements.filter((c) => c instanceof CfnResource || c instanceof CfnOutput)).toEqual([]);
    // As the CDK CLI synthesizes it (with version reporting, which adds AWS::CDK::Metadata to
    // every stack that does not opt out): still no resource at all.
    const reported = buildApp('discovery', { 'aws:cdk:version-reporting': 'true' });
    const assembly = reported.app.synth();
    const resources = (name: string) => Object.keys(assembly.getStackByName(name).template.Resources ?? {});
    expect(resources(STACK_NAMES.loadTest)).toEqual([]);
    expect(resources(STACK_NAMES.system)).toContain('CDKMetadata');
  });

  test.each([
    ['without loadTest', () => plain],
    ['with loadTest=true', () => flagged[0]],
  ])('destroy deletes the load test first and the network last (%s)', (_label, built) => {
    expect(destroyOrder(built())).toEqual([STACK_NAMES.loadTest, STACK_NAMES.system, STACK_NAMES.network]);
  });
});
