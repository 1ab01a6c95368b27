import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { deployCommand } from '../model/phase';
import { StepPlan } from './plan';
import { ResourceChange, replaces } from './template-diff';

/** A plan for people: per step, per stack, what CloudFormation will do. */
export function renderPlan(plans: readonly StepPlan[]): string {
  return plans.map(renderStep).join('\n\n');
}

function renderStep(plan: StepPlan): string {
  const lines = [`${plan.from} → ${plan.to}`, `  deploy: ${deployCommand(plan.to)}`];
  for (const stack of plan.stacks) {
    const changed = stack.added.length + stack.removed.length + stack.updated.length;
    if (changed === 0) {
      lines.push(`  ${stack.stack}: no change`);
      continue;
    }
    const replaced = stack.updated.filter(replaces);
    lines.push(
      `  ${stack.stack}: ${stack.updated.length} updated, ${stack.added.length} added, ${stack.removed.length} removed; ` +
        (replaced.length === 0 ? 'replaces nothing' : `REPLACES ${replaced.length}`)
    );
    if (stack.serviceOrder.length > 0 && stack.services.length > 0) {
      lines.push('    ECS services, in the order CloudFormation updates them (DependsOn):');
      stack.serviceOrder.forEach((wave, i) => lines.push(`      ${i + 1}. ${wave.join(', ')}`));
      lines.push('    changed per ECS service:');
      const width = Math.max(...stack.services.map((s) => s.service.length));
      for (const s of stack.services)
        lines.push(`      ${s.service.padEnd(width)}  ${s.properties.join(', ')}`);
    }
    for (const c of stack.added) lines.push(`    + ${describe(c)}`);
    for (const c of stack.removed) lines.push(`    - ${describe(c)}`);
    for (const c of stack.updated.filter((u) => u.type !== 'AWS::ECS::Service' || replaces(u))) {
      lines.push(
        `    ${replaces(c) ? '!' : '~'} ${describe(c)} (${[...c.properties, ...c.otherChanges].join(', ')})${replaces(c) ? ` replaced by ${c.replacingProperties.join(', ')}` : ''}`
      );
    }
  }
  for (const b of plan.blockers) lines.push(`  BLOCKED: ${b.stack} ${describe(b)} ${blockedBecause(b)}`);
  if (plan.unsafe) {
    lines.push(`  NOT SAFE as one deployment: ${plan.unsafe.reason}.`);
    if (plan.unsafe.instead.length > 0) {
      lines.push('  Take these steps instead:');
      for (const [from, to] of plan.unsafe.instead) lines.push(`    ${from} → ${to}: ${deployCommand(to)}`);
    }
  }
  for (const note of plan.notes ?? []) lines.push(`  note: ${note}`);
  if (plan.blockers.length === 0 && !plan.unsafe)
    lines.push(
      '  safe: no service, namespace, load balancer, target group or storage is replaced or deleted'
    );
  return lines.join('\n');
}

/** What CloudFormation would do to a blocked resource, and why. */
export function blockedBecause(c: ResourceChange): string {
  if (c.impact === ResourceImpact.WILL_DESTROY)
    return 'would be deleted (removed from the template, or its logical ID changed)';
  const how = c.impact === ResourceImpact.MAY_REPLACE ? 'may be replaced' : 'would be replaced';
  return `${how} (${c.replacingProperties.join(', ')})`;
}

function describe(c: ResourceChange): string {
  return `${c.type} ${c.logicalId}`;
}
