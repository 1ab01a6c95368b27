import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DataVolume } from '../model/topology';

/** Props of {@link EfsDataVolume}. */
export interface EfsDataVolumeProps {
  readonly vpc: ec2.IVpc;
  /** Where the service keeps its data, and as whom. */
  readonly volume: DataVolume;
  /** Name of the service, for descriptions and the access point's directory. */
  readonly serviceName: string;
  /**
   * Delete the file system with the stack, or keep it.
   *
   * @default RemovalPolicy.DESTROY (a sample)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * EFS automatic backups (AWS Backup, daily, kept 35 days in `aws/efs/automatic-backup-vault`,
   * also after the file system is deleted).
   *
   * @default true
   */
  readonly automaticBackups?: boolean;
}

/**
 * A service's data directory on Amazon EFS: encrypted at rest and in transit (the file system
 * refuses connections without TLS and anonymous ones), mounted through an access point that
 * creates the directory owned by the image's database user and writes as that user, mount
 * targets in the private subnets behind a security group that only the service may reach on
 * 2049, and automatic backups. Its logical IDs are the same in every migration phase, so no
 * phase change replaces it.
 */
export class EfsDataVolume extends Construct {
  public readonly fileSystem: efs.FileSystem;
  public readonly accessPoint: efs.AccessPoint;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: EfsDataVolumeProps) {
    super(scope, id);
    const { volume } = props;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.serviceName} data on EFS: NFS from ${props.serviceName} tasks only`,
      allowAllOutbound: false,
    });
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.securityGroup,
      encrypted: true,
      enableAutomaticBackups: props.automaticBackups ?? true,
      allowAnonymousAccess: false,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    if (props.automaticBackups === false) {
      // Left out, the property would leave backups on for a file system that has them: only an
      // explicit DISABLED turns them off.
      (this.fileSystem.node.defaultChild as efs.CfnFileSystem).backupPolicy = { status: 'DISABLED' };
    }
    Validations.of(this.fileSystem).acknowledge({
      id: 'NIST.800.53.R5-EFSInBackupPlan',
      reason:
        props.automaticBackups === false
          ? 'Backups are off on purpose (-c dbBackups=false, for throwaway copies such as a rehearsal): their recovery points would outlive the stack by 35 days.'
          : "EFS automatic backups are on: AWS Backup's own daily plan for EFS (aws/efs/automatic-backup-vault, 35 days), without a plan resource of the stack's.",
    });
    this.fileSystem.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWithoutTls',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      })
    );
    const owner = { uid: String(volume.uid), gid: String(volume.gid) };
    this.accessPoint = this.fileSystem.addAccessPoint('AccessPoint', {
      path: `/${props.serviceName}`,
      // The database refuses a data directory that others can read: 0700, owned by its user.
      createAcl: { ownerUid: owner.uid, ownerGid: owner.gid, permissions: '700' },
      posixUser: owner,
    });
  }

  /**
   * Mounts the volume in `container` of `taskDefinition` at the model's path, over TLS with IAM
   * authorization through the access point, and lets the task role mount and write it through
   * that access point only.
   */
  mountInto(
    taskDefinition: ecs.TaskDefinition,
    container: ecs.ContainerDefinition,
    containerPath: string
  ): void {
    const name = 'data';
    taskDefinition.addVolume({
      name,
      efsVolumeConfiguration: {
        fileSystemId: this.fileSystem.fileSystemId,
        transitEncryption: 'ENABLED',
        authorizationConfig: { accessPointId: this.accessPoint.accessPointId, iam: 'ENABLED' },
      },
    });
    container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [this.fileSystem.fileSystemArn],
        conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn } },
      })
    );
  }

  /** Lets `peer` reach the mount targets on NFS (2049). */
  allowFrom(peer: ec2.SecurityGroup): void {
    this.fileSystem.connections.allowDefaultPortFrom(peer, 'NFS from the service that owns the data');
  }
}
