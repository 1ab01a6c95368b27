import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { appKey } from './kms-key';

/** Construct ID of a stack's key for its log groups (and alarm topic). */
const KEY_ID = 'LogsKey';
/** The keys whose policy lets CloudWatch alarms publish to a topic encrypted with them. */
const alarmKeys = new WeakSet<kms.Key>();

/** Props of {@link encryptedLogGroup}. */
export interface EncryptedLogGroupProps {
  /** Days CloudWatch keeps the events (one of CloudWatch's values). */
  readonly retentionDays: number;
  /**
   * A fixed name.
   *
   * @default - named by CloudFormation
   */
  readonly logGroupName?: string;
}

/**
 * A log group of the app: its retention, deleted with the stack, and encrypted with the stack's
 * own KMS key (one per stack, rotated yearly; about $1 a month), which only CloudWatch Logs may
 * use, for the log groups of this account and region. Every log group of the app is made here, so
 * that none is left to Lambda or to a default.
 */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  props: EncryptedLogGroupProps
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    retention: props.retentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
    encryptionKey: logsKeyOf(Stack.of(scope)),
  });
}

/**
 * The stack's key, for an SNS topic that CloudWatch alarms publish to: the AWS managed SNS key
 * would not do, as CloudWatch may not use it, and the notifications would be lost silently.
 */
export function alarmTopicKey(scope: Construct): kms.IKey {
  const key = logsKeyOf(Stack.of(scope));
  if (!alarmKeys.has(key)) {
    alarmKeys.add(key);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      })
    );
  }
  return key;
}

/** The stack's key for its log groups, made on first use. */
function logsKeyOf(stack: Stack): kms.Key {
  const existing = stack.node.tryFindChild(KEY_ID) as kms.Key | undefined;
  if (existing) return existing;
  // Scheduled for deletion with the stack (after the 30-day waiting period), as its logs are.
  const key = appKey(stack, KEY_ID, `${stack.stackName}: encrypts its CloudWatch log groups`);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccountAndRegion',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    })
  );
  return key;
}
