import { ResourceImpact, fullDiff } from '@aws-cdk/cloudformation-diff';

/** What CloudFormation will do to one resource when a stack goes from one template to another. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly impact: ResourceImpact;
  /** Names of the changed properties (for updates and replacements). */
  readonly properties: readonly string[];
  /** Properties whose change replaces the resource. */
  readonly replacingProperties: readonly string[];
  /** Changed resource attributes other than properties, such as `DependsOn`. */
  readonly otherChanges: readonly string[];
}

/** A resource of a synthesized template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

/** A CloudFormation template, as synthesized. */
export type CfnTemplate = { readonly Resources?: Record<string, CfnResourceJson> } & Record<string, unknown>;

/** The CDK CLI's version-reporting resource: written by `cdk synth`/`deploy`, not by an in-process synth. */
const CDK_METADATA = 'AWS::CDK::Metadata';

/**
 * The resource changes between two templates, computed with the CDK's own diff engine
 * (`@aws-cdk/cloudformation-diff`, what `cdk diff` uses), including which property changes
 * replace a resource. Unchanged resources are left out, and so are the differences that the CDK
 * CLI alone writes into a template (each resource's `aws:cdk:path` metadata and the
 * `AWS::CDK::Metadata` resource), which CloudFormation does not deploy as a change to anything:
 * a template from `cdk synth` or from CloudFormation compares with an in-process synth.
 */
export function resourceChanges(from: CfnTemplate, to: CfnTemplate): ResourceChange[] {
  const changes: ResourceChange[] = [];
  fullDiff(from, to).resources.forEachDifference((logicalId, change) => {
    if ((change.newResourceType ?? change.oldResourceType) === CDK_METADATA) return;
    const updates = change.propertyUpdates;
    const otherChanges = Object.entries(change.otherChanges)
      .filter(([, diff]) => diff.isDifferent)
      .map(([name]) => name)
      .filter((name) => name !== 'Metadata')
      .sort();
    const metadataOnly =
      change.changeImpact === ResourceImpact.WILL_UPDATE &&
      Object.keys(updates).length === 0 &&
      otherChanges.length === 0;
    if (metadataOnly) return;
    changes.push({
      logicalId,
      type: (change.newResourceType ?? change.oldResourceType)!,
      impact: change.changeImpact,
      properties: Object.keys(updates).sort(),
      replacingProperties: Object.entries(updates)
        .filter(
          ([, diff]) =>
            diff.changeImpact === ResourceImpact.WILL_REPLACE ||
            diff.changeImpact === ResourceImpact.MAY_REPLACE
        )
        .map(([name]) => name)
        .sort(),
      otherChanges,
    });
  });
  return changes;
}

/** Whether CloudFormation will or may replace the resource. */
export function replaces(change: ResourceChange): boolean {
  return change.impact === ResourceImpact.WILL_REPLACE || change.impact === ResourceImpact.MAY_REPLACE;
}
