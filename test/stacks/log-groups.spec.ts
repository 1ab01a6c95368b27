import { Template } from 'aws-cdk-lib/assertions';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { buildApp } from '../support/app';
import { resourcesOf } from '../support/template';

describe.each(MIGRATION_PHASES)('log groups, %s phase', (phase) => {
  const built = buildApp(phase, { loadTest: 'true' });
  const templates = [built.network, built.system, built.loadTestStack].map((s) => Template.fromStack(s));

  test("every log group is the app's: a retention, deleted with the stack, encrypted with the stack's key", () => {
    for (const template of templates) {
      const [key] = resourcesOf(template, 'AWS::KMS::Key');
      for (const group of resourcesOf(template, 'AWS::Logs::LogGroup')) {
        expect(group.Properties.RetentionInDays).toBeDefined();
        expect(group.DeletionPolicy).toBe('Delete');
        expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key.logicalId, 'Arn'] });
      }
    }
  });

  test("each stack's key rotates, goes with the stack, and only CloudWatch Logs of this account and region may use it", () => {
    for (const template of templates) {
      const keys = resourcesOf(template, 'AWS::KMS::Key');
      expect(keys).toHaveLength(1);
      const [key] = keys;
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Delete');
      const logs = key.Properties.KeyPolicy.Statement.find(
        (s: any) => s.Sid === 'CloudWatchLogsOfThisAccountAndRegion'
      );
      expect(logs.Principal).toEqual({
        Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      });
      expect(JSON.stringify(logs.Condition)).toContain(':log-group:*');
    }
  });

  test('no function can make its own log group before the stack does (aws/aws-cdk#34612): each names one of the stack', () => {
    for (const template of templates) {
      const groups = resourcesOf(template, 'AWS::Logs::LogGroup').map((g) => g.logicalId);
      for (const fn of resourcesOf(template, 'AWS::Lambda::Function')) {
        // The raw provider of the VPC's default security group restriction logs to Lambda's own
        // group; the CDK does not let it name another.
        if (fn.logicalId.startsWith('CustomVpcRestrictDefaultSG')) continue;
        expect(groups).toContain(fn.Properties.LoggingConfig?.LogGroup?.Ref);
      }
    }
  });
});
