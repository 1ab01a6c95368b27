import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * A KMS key of the app: rotated yearly, scheduled for deletion with its stack (after KMS's waiting
 * period), and whose policy lets only AWS services create grants on it (AWS Control Tower
 * CT.KMS.PR.3): a grant gives its grantee the key's use, so the account's principals may create
 * one only through an AWS service that does it for a resource of theirs
 * (`kms:GrantIsForAWSResource`), and service principals themselves (`aws:PrincipalIsAWSService`).
 * Every key of the app is made here.
 *
 * None of the app's uses of its keys needs a grant of anyone's own: CloudWatch Logs, the alarms'
 * CloudWatch and SNS use the key as service principals, and the ECS infrastructure role of
 * Service Connect TLS was given encrypt, decrypt and data-key actions only, never CreateGrant.
 */
export function appKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, {
    description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'GrantsOnlyThroughAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      // Both must be false to deny: a service acting for a resource, or a service principal, passes.
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    })
  );
  return key;
}
