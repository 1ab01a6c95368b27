import { Stack } from 'aws-cdk-lib';
import { STACK_NAMES } from '../../lib/app/outputs';
import { MIGRATION_PHASES, phaseContext } from '../../lib/model/phase';
import { YelbApp } from '../../lib/app/yelb-app';
import { buildApp } from '../support/app';

/**
 * `cdk list` and `cdk destroy --all` see the stacks of the cloud assembly that the command's own
 * context synthesizes. The CDK CLI skips a stack without resources on deploy, and deletes it if
 * it exists (aws-cdk `lib/cli/cdk-toolkit.js`: "stack has no resources, deleting existing
 * stack"); destroy deletes in reverse dependency order.
 */
const stacksOf = (built: YelbApp) => built.app.node.children.filter((c): c is Stack => c instanceof Stack);
const names = (built: YelbApp) =>
  stacksOf(built)
    .map((s) => s.stackName)
    .sort();

const WITH_AND_WITHOUT_LOAD_TEST: Record<string, string>[] = [{}, { loadTest: 'true' }];

/** The flags that add or remove stacks (loadTest), in every phase. */
const FLAG_COMBINATIONS: Record<string, string>[] = MIGRATION_PHASES.flatMap((phase) =>
  WITH_AND_WITHOUT_LOAD_TEST.map((flags) => ({ ...phaseContext(phase), ...flags }))
);

/** The order in which `cdk destroy --all` deletes the stacks: dependents first. */
function destroyOrder(built: YelbApp): string[] {
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

  test('without flags, the app names every stack that any combination of flags creates', () => {
    const everyStack = new Set(FLAG_COMBINATIONS.flatMap((flags) => names(buildApp('discovery', flags))));
    expect(names(plain)).toEqual([...everyStack].sort());
    expect(names(plain)).toEqual(Object.values(STACK_NAMES).sort());
  });

  test('without loadTest=true the load-test stack has no resources: deploy skips it, or deletes a deployed one', () => {
    const template = plain.app.synth().getStackByName(STACK_NAMES.loadTest).template;
    expect(template.Resources ?? {}).toEqual({});
    expect(template.Outputs).toBeUndefined();
  });

  test.each(WITH_AND_WITHOUT_LOAD_TEST)(
    'destroy deletes the load test first and the network last (%o)',
    (flags) => {
      expect(destroyOrder(buildApp('serviceConnect', flags))).toEqual([
        STACK_NAMES.loadTest,
        STACK_NAMES.yelb,
        STACK_NAMES.network,
      ]);
    }
  );
});
