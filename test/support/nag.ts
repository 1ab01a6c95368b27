import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, NIST80053R5Checks, NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A cdk-nag acknowledgement in the construct tree, with where it was made. */
export interface NagAcknowledgement {
  readonly construct: IConstruct;
  readonly path: string;
  /** As the metadata stores it: `Annotation::AwsSolutions-…`. */
  readonly id: string;
  readonly reason: string;
}

/** The cdk-nag packs the app is held to, by the prefix of their rule IDs. */
export const NAG_PACKS = {
  AwsSolutions: (scope: IConstruct): NagPack => new AwsSolutionsChecks(scope),
  'NIST.800.53.R5': (scope: IConstruct): NagPack => new NIST80053R5Checks(scope),
} as const;
export type NagPackName = keyof typeof NAG_PACKS;

/** Every cdk-nag acknowledgement under `root` of one pack's rules. */
export function nagAcknowledgements(
  root: IConstruct,
  pack: NagPackName = 'AwsSolutions'
): NagAcknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .filter(([id]) => id.includes(`${pack}-`))
      .map(([id, reason]) => ({ construct, path: construct.node.path, id, reason }))
  );
}

/** cdk-nag's findings as `rule logicalId,…` lines. */
export function nagViolations(scope: IConstruct, pack: NagPackName = 'AwsSolutions'): string[] {
  return NAG_PACKS[pack](scope)
    .validateScope(scope)
    .violations.map(
      (v) =>
        `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId ?? r.constructPath).join(',')}`
    );
}

/**
 * cdk-nag over what CloudFormation receives: each stack's synthesized template loaded back into
 * a fresh app with `CfnInclude`, so that resources the CDK writes as raw `CfnResource`s (which
 * the in-app check cannot type) are checked too. The app's acknowledgements carry over by
 * logical ID: an acknowledgement on a construct covers the resources under it. `templates` maps
 * stack names of `stacks` to their templates.
 */
export function nagOverTemplates(
  stacks: readonly Stack[],
  templates: Record<string, unknown>,
  pack: NagPackName = 'AwsSolutions'
): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yelb-nag-'));
  try {
    const app = new App();
    for (const original of stacks) {
      const template = templates[original.stackName];
      if (!template) continue;
      const file = path.join(dir, `${original.stackName}.json`);
      // CfnInclude does not know the CDK's cross-stack Fn::GetStackOutput: a placeholder value.
      fs.writeFileSync(
        file,
        JSON.stringify(template, (_key, value) =>
          value?.['Fn::GetStackOutput'] ? `imported:${value['Fn::GetStackOutput'].OutputName}` : value
        )
      );
      const included = new CfnInclude(new Stack(app, original.stackName), 'Template', { templateFile: file });
      for (const ack of nagAcknowledgements(original, pack)) {
        const covered = ack.construct.node
          .findAll()
          .filter((c): c is CfnElement => CfnElement.isCfnElement(c))
          .map((c) => original.getLogicalId(c));
        for (const logicalId of covered) {
          const resource = included.node.tryFindChild(logicalId);
          if (resource) {
            Validations.of(resource).acknowledge({
              id: ack.id.replace(/^Annotation::/, ''),
              reason: ack.reason,
            });
          }
        }
      }
    }
    return nagViolations(app, pack);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
