import { CfnResource } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { DEPLOYMENT_STATED } from './rules/deployment-stated';
import { OLD_PATH_STATED } from './rules/old-path-stated';
import { ONE_CLIENT_ALIAS } from './rules/one-client-alias';
import { PRIVATE_TASKS } from './rules/private-tasks';
import { MigrationRule } from './rules/rule';
import { SERVICE_CONNECT_STATED } from './rules/service-connect-stated';

/** The project's own rules, in the order they are reported. */
export const MIGRATION_RULES: readonly MigrationRule[] = [
  SERVICE_CONNECT_STATED,
  ONE_CLIENT_ALIAS,
  OLD_PATH_STATED,
  DEPLOYMENT_STATED,
  PRIVATE_TASKS,
];

/**
 * What every service of any topology must be for the migration to be safe, checked at synth as
 * cdk-nag checks its packs (a finding makes `cdk synth` exit 1; an acknowledgement with a reason
 * beside its cause silences it): the invariants the tests used to check per service for Yelb, so
 * that a user's `-c topology=FILE` gets them too. One rule per file in `rules/`.
 */
export class MigrationChecks extends NagPack {
  readonly name = 'Migration';

  constructor(scope?: IConstruct) {
    super(scope);
    this.packName = 'Migration';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of MIGRATION_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: rule.level,
        rule: rule.check,
        node,
      });
    }
  }
}
