import type { CfnTemplate } from '../plan/template-diff';
import { StackTemplate } from './template';

/**
 * Each exported deployment, checked with the CloudFormation diff engine the project's plan uses
 * (`@aws-cdk/cloudformation-diff`, what `cdk diff` runs): a step changes only its own services
 * (the properties it is for) and their task definitions, creates and deletes nothing, and
 * replaces nothing but those task definitions. A task definition whose container definitions
 * change is a new revision, which CloudFormation calls a replacement: expected and safe (the
 * service rolls onto it, as it does for any new image). What the step must never do to the
 * types `npm run plan` protects (services, namespaces, load balancers, target groups, storage)
 * is refused by name. The engine loads its resource specification on first use (about a second),
 * so it is loaded only when an export runs, not when the CLI starts.
 */

/** What one step may change. */
export interface StepAllowance {
  /** The ECS services the step is for, by logical ID, and the properties it changes on each. */
  readonly services: ReadonlyMap<string, readonly string[]>;
  /** The task definitions whose container definitions it changes (a port's name). */
  readonly taskDefinitions: ReadonlySet<string>;
  /** Whether it may change the `DependsOn` of the stack's other services (a rollback's order). */
  readonly anyDependsOn: boolean;
}

/** What the diff engine says a step does beyond its allowance, and the task definitions it replaces. */
export interface StepFindings {
  readonly problems: readonly string[];
  readonly replacedTaskDefinitions: readonly string[];
  /**
   * Services outside the step that run one of those task definitions (`TaskDefinition: !Ref`):
   * the new revision's ARN redeploys them too, which the engine does not show (it compares
   * templates, not the values a replacement gives).
   */
  readonly alsoRedeployed: readonly { readonly service: string; readonly taskDefinition: string }[];
}

/**
 * Checks the step from `from` to `to`. A template the engine cannot read is a problem with the
 * engine's reason.
 */
export async function checkStep(
  label: string,
  from: StackTemplate,
  to: StackTemplate,
  allowed: StepAllowance
): Promise<StepFindings> {
  const { resourceChanges, replaces } = await import('../plan/template-diff');
  const { PROTECTED_TYPES } = await import('../plan/plan');
  let changes: Awaited<ReturnType<typeof resourceChanges>>;
  try {
    changes = resourceChanges(from.json() as CfnTemplate, to.json() as CfnTemplate);
  } catch (err) {
    return {
      problems: [
        `${label}: the CloudFormation diff engine cannot read the template (${(err as Error).message})`,
      ],
      replacedTaskDefinitions: [],
      alsoRedeployed: [],
    };
  }
  const problems: string[] = [];
  const replaced: string[] = [];
  for (const change of changes) {
    const what = `${change.logicalId} (${change.type})`;
    const forService = allowed.services.get(change.logicalId);
    const isService = change.type === 'AWS::ECS::Service';
    const ownTaskDefinition =
      change.type === 'AWS::ECS::TaskDefinition' && allowed.taskDefinitions.has(change.logicalId);
    const impact = String(change.impact);
    if (impact === 'WILL_CREATE' || impact === 'WILL_DESTROY' || impact === 'WILL_ORPHAN') {
      problems.push(`${label}: ${what} would be ${impact === 'WILL_CREATE' ? 'created' : 'deleted'}`);
      continue;
    }
    if (replaces(change)) {
      if (ownTaskDefinition) replaced.push(change.logicalId);
      else
        problems.push(
          `${label}: ${what} would be replaced (${change.replacingProperties.join(', ')})${PROTECTED_TYPES.includes(change.type) ? ', which must never happen to a resource of this type' : ''}`
        );
    }
    const allowedProperties = forService ?? (ownTaskDefinition ? ['ContainerDefinitions'] : []);
    const extra = change.properties.filter((p) => !allowedProperties.includes(p));
    if (extra.length > 0) problems.push(`${label}: ${what} would change ${extra.join(', ')}`);
    const dependsOnAllowed = isService && (forService !== undefined || allowed.anyDependsOn);
    const other = change.otherChanges.filter((c) => !(c === 'DependsOn' && dependsOnAllowed));
    if (other.length > 0) problems.push(`${label}: ${what} would change its ${other.join(', ')}`);
  }
  return { problems, replacedTaskDefinitions: replaced, alsoRedeployed: sharing(to, replaced, allowed) };
}

/** The services outside `allowed` whose task definition is one of `replaced`. */
function sharing(
  to: StackTemplate,
  replaced: readonly string[],
  allowed: StepAllowance
): StepFindings['alsoRedeployed'] {
  return Object.entries(to.json().Resources ?? {}).flatMap(([id, resource]) => {
    const reference =
      resource?.Type === 'AWS::ECS::Service' ? resource.Properties?.TaskDefinition : undefined;
    const taskDefinition = (reference as { Ref?: unknown } | undefined)?.Ref;
    return typeof taskDefinition === 'string' &&
      replaced.includes(taskDefinition) &&
      !allowed.services.has(id)
      ? [{ service: id, taskDefinition }]
      : [];
  });
}
