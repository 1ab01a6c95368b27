import { Aws, CfnRule, Fn, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { appKey } from './kms-key';
import { certificateRegion } from './public-entry';

/** Props of {@link ServiceConnectTls}. */
export interface ServiceConnectTlsProps {
  /** The AWS Private CA that issues the services' certificates (`-c serviceConnectTls`). */
  readonly certificateAuthorityArn: string;
  /** How the key's and role's descriptions name the system (`Yelb`). */
  readonly systemLabel: string;
}

/**
 * What Service Connect TLS needs besides the CA: a KMS key of the app, which ECS uses for the
 * services' TLS material, and the ECS infrastructure role it assumes to have the Private CA issue
 * and rotate the certificates (AWS's managed policy for exactly that). The CA's region must be
 * the stack's: a CloudFormation rule says so before anything is created (the app is
 * environment-agnostic, so the region is only known at deploy time).
 */
export class ServiceConnectTls extends Construct {
  /** The TLS settings of every Service Connect endpoint of the app. */
  public readonly config: ecs.ServiceConnectTlsConfiguration;
  public readonly key: kms.Key;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceConnectTlsProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'InfrastructureRole', {
      // The trust policy the ECS guide documents for infrastructure roles, without a condition:
      // whether ECS sends aws:SourceAccount when it assumes this role is not documented, and if
      // it did not, no endpoint could get its certificate. ECS assumes only roles that a
      // principal of this account passed to it (iam:PassRole).
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `ECS issues and rotates the ${props.systemLabel} services' Service Connect TLS certificates with the Private CA`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity'
        ),
      ],
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity]',
      reason:
        "AWS's own policy for the ECS infrastructure role of Service Connect TLS: the Private CA actions ECS needs, kept current by AWS; only a principal of this account that may pass the role can have ECS use it.",
    });
    this.key = appKey(this, 'Key', `Service Connect TLS material of the ${props.systemLabel} services`);
    this.key.grant(this.role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyPair');
    new CfnRule(this, 'CertificateAuthorityRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, certificateRegion(props.certificateAuthorityArn)),
          assertDescription: `serviceConnectTls: the Private CA ${props.certificateAuthorityArn} is not in the stack's region; Service Connect needs a CA of the same region`,
        },
      ],
    });
    this.config = { awsPcaAuthorityArn: props.certificateAuthorityArn, kmsKey: this.key, role: this.role };
  }
}
