import { Template } from 'aws-cdk-lib/assertions';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { buildApp } from '../support/app';
import { resourcesOf } from '../support/template';

const CA =
  'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

/**
 * The statement AWS Control Tower's CT.KMS.PR.3 looks for in a key policy: CreateGrant denied to
 * every principal unless an AWS service asks for a resource of the caller's, or is the caller.
 */
const GRANTS_ONLY_THROUGH_AWS_SERVICES = {
  Sid: 'GrantsOnlyThroughAwsServices',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe.each(MIGRATION_PHASES)('KMS keys, %s phase, every option that makes a key on', (phase) => {
  // The stacks' log keys (the alarm topic's too) and, in the retired phase, the TLS key.
  const built = buildApp(phase, {
    loadTest: 'true',
    alarmEmail: 'ops@example.com',
    ...(phase === 'retired' && { serviceConnectTls: CA }),
  });
  const keys = [built.network, built.system, built.loadTestStack].flatMap((stack) =>
    resourcesOf(Template.fromStack(stack), 'AWS::KMS::Key').map((key) => ({ stack: stack.stackName, key }))
  );

  test('are the ones the app makes: a key per stack, and the TLS key in the retired phase (where TLS is allowed)', () => {
    // Logical IDs without the CDK's hash.
    expect(
      keys.map(({ stack, key }) => `${stack} ${key.logicalId.replace(/[0-9A-F]{8}$/, '')}`).sort()
    ).toEqual(
      [
        'Yelb LogsKey',
        'YelbLoadTest LogsKey',
        'YelbNetwork LogsKey',
        ...(phase === 'retired' ? ['Yelb ServiceConnectTlsKey'] : []),
      ].sort()
    );
  });

  test('let only AWS services create grants on them (CT.KMS.PR.3); what uses them keeps its own statements', () => {
    for (const { key } of keys) {
      const statements: any[] = key.Properties.KeyPolicy.Statement;
      expect(statements).toContainEqual(GRANTS_ONLY_THROUGH_AWS_SERVICES);
      // Nothing else of the policy denies: the services' statements are as they were.
      expect(statements.filter((s) => s.Effect === 'Deny')).toHaveLength(1);
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Delete');
    }
  });
});
