import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import {
  DEPLOY_TIME_RUNTIME,
  acknowledgeDeployTimeFunctions,
  acknowledgeProviderFramework,
  handlerAssetHash,
  useDeployTimeRuntime,
} from './deploy-time-functions';
import { encryptedLogGroup } from './log-group';
import * as path from 'path';
import { ValidationError } from '../core/validation';
import type { ImageCopyProperties } from '../image-copy/handler';
import {
  ImageReference,
  fullReference,
  isInEcr,
  mirrorProblems,
  mirrorRepositoryName,
  mirrorTag,
  parseImageReference,
  registryPort,
} from '../image-copy/reference';
import { COPY_TIMING } from '../image-copy/timing';

/** Props of {@link ImageMirror}. */
export interface ImageMirrorProps {
  /** Prefix of the repositories' names, unique per account and region (the cluster's name). */
  readonly repositoryPrefix: string;
  /** The copy function runs in its private subnets: its pulls leave through the app's NAT addresses. */
  readonly vpc: ec2.IVpc;
  /** Days CloudWatch keeps the copy function's logs (one of CloudWatch's values). */
  readonly logRetentionDays: number;
}

/** An image copied into this stack's ECR, and the copy that must run before a task pulls it. */
export interface MirroredImage {
  /** The copy, pulled by its digest: a task runs exactly what was copied. */
  readonly image: ecs.ContainerImage;
  /** The copy (a custom resource): what uses the image depends on it. */
  readonly copy: IConstruct;
}

/** How the handler is bundled (esbuild, no Docker): minified, the SDK included. */
const BUNDLING = { minify: true, sourceMap: false, forceDockerBundling: false, externalModules: [] };
const HANDLER_ENTRY = path.join(__dirname, '..', 'image-copy', 'handler.ts');

/**
 * Each image that is not in ECR already (Docker Hub's Yelb images and hey) is copied at deploy
 * time into an ECR repository of the stack, and the tasks pull the copy by its digest: no
 * Docker Hub pull at run time, whatever the number of tasks, deployments or rollbacks.
 *
 * The copy is this project's own (`lib/image-copy/`: the registry API in TypeScript, bundled at
 * synth by esbuild, no Docker), a custom resource per image reference that copies once: create
 * and update copy unless the mirror has the tag already, which it has on every later update, on
 * CloudFormation's rollback, and after any change to the copy's own properties, so those succeed
 * without asking Docker Hub anything (pushing an existing tag again into an immutable repository
 * would fail, cdklabs/cdk-ecr-deployment#207). The repositories scan on push, keep tags
 * immutable, are encrypted, and go with the stack (emptied first).
 *
 * Construct IDs come from the images, so adding an image adds its repository and copy and changes
 * nothing else. The function runs in the VPC's private subnets, out to HTTPS and to the port of
 * each registry that names one (`registry.example.com:5000`) only, and may push only to these
 * repositories. It tries again what fails in passing, and stops in time for the provider
 * framework to tell CloudFormation why (`lib/image-copy/timing.ts`); CloudFormation waits
 * {@link COPY_TIMING.serviceTimeoutSeconds} for an answer, not its default hour.
 *
 * @throws ValidationError naming the image, when the repository name it would get breaks ECR's rules
 */
export class ImageMirror extends Construct {
  private readonly mirrored = new Map<string, MirroredImage>();
  private readonly repositories = new Map<string, ecr.Repository>();
  private readonly role: iam.Role;
  private readonly provider: cr.Provider;
  private readonly securityGroup: ec2.SecurityGroup;
  /** The ports the function may reach registries on. */
  private readonly ports = new Set<number>([HTTPS]);

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ImageMirrorProps
  ) {
    super(scope, id);
    const logGroup = encryptedLogGroup(this, 'Logs', { retentionDays: props.logRetentionDays });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Copies images into the app's mirror repositories",
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      })
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        // What Lambda needs to attach the function to the VPC (AWSLambdaVPCAccessExecutionRole's
        // actions), which support no resource-level permissions.
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      })
    );
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Image copy: HTTPS to the registries and ECR',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(HTTPS), 'HTTPS: registries, ECR');
    const handler = new nodejs.NodejsFunction(this, 'Copy', {
      entry: HANDLER_ENTRY,
      handler: 'onEvent',
      runtime: DEPLOY_TIME_RUNTIME,
      role: this.role,
      // Its own log group, made before the function can run: Lambda never makes one itself, that a
      // stack create would then collide with (aws/aws-cdk#34612), and it goes with the stack.
      logGroup,
      // Below the provider framework's 15 minutes, so that the framework outlives it and answers.
      timeout: Duration.seconds(COPY_TIMING.functionTimeoutSeconds),
      // Network bandwidth grows with memory; a blob streams through, it is never held whole.
      memorySize: 1024,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      description: 'Copies an image into a mirror repository, once per tag',
      bundling: { ...BUNDLING, assetHash: handlerAssetHash(HANDLER_ENTRY, BUNDLING) },
    });
    this.provider = new cr.Provider(this, 'Provider', { onEventHandler: handler, logGroup });
    acknowledgeCopyFunction(this.role);
    acknowledgeProviderFramework(this, this.provider, { waiter: false });
    useDeployTimeRuntime(this);
    acknowledgeDeployTimeFunctions(handler, { apiOnly: false });
    acknowledgeDeployTimeFunctions(this.provider, { apiOnly: true });
  }

  /** The copy of `reference`, or `undefined` when it is in ECR already (it is then pulled as it is). */
  of(reference: string): MirroredImage | undefined {
    if (isInEcr(reference)) return undefined;
    const known = this.mirrored.get(reference);
    if (known) return known;
    const source = parseImageReference(reference);
    const repository = this.repository(reference, source);
    this.openPortOf(source.registry);
    const properties: ImageCopyProperties = {
      SourceImage: fullReference(source),
      RepositoryName: repository.repositoryName,
      Tag: mirrorTag(source),
    };
    // From the image, not from the order of the calls: adding an image renames nothing.
    const copy = new CustomResource(this, `Copy ${constructIdOf(properties.SourceImage)}`, {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::ImageCopy',
      properties,
      serviceTimeout: Duration.seconds(COPY_TIMING.serviceTimeoutSeconds),
    });
    // By digest: `sha256:` is literal, so the CDK renders `<repository URI>@sha256:<hex>`.
    const image = ecs.ContainerImage.fromEcrRepository(
      repository,
      `sha256:${copy.getAttString('DigestHex')}`
    );
    const mirrored = { image, copy };
    this.mirrored.set(reference, mirrored);
    return mirrored;
  }

  /** The mirror repository of `image`'s registry and repository, made on first use. */
  private repository(reference: string, image: ImageReference): ecr.Repository {
    const source = `${image.registry}/${image.repository}`;
    const known = this.repositories.get(source);
    if (known) return known;
    const problems = mirrorProblems(this.props.repositoryPrefix, reference);
    if (problems.length > 0) throw new ValidationError(problems.map((p) => `image ${p}`));
    const repository = new ecr.Repository(this, `Repository ${constructIdOf(source)}`, {
      repositoryName: mirrorRepositoryName(this.props.repositoryPrefix, image),
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      // KMS with the AWS managed key (aws/ecr): encryption at rest, stated in the template.
      encryption: ecr.RepositoryEncryption.KMS,
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
      lifecycleRules: [MIRROR_LIFECYCLE_RULE],
    });
    repository.grantPullPush(this.role);
    this.repositories.set(source, repository);
    return repository;
  }

  /** Lets the function reach `registry` on the port its URL names (HTTPS's is open from the start). */
  private openPortOf(registry: string): void {
    const port = registryPort(registry);
    if (this.ports.has(port)) return;
    this.ports.add(port);
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `Registries on port ${port}`);
  }
}

const HTTPS = 443;

/**
 * What the mirror repositories expire: images without a tag, a week after their push. Every copy
 * is pushed under its tag, and tags are immutable, so no image a task definition pulls (by
 * digest) loses its tag: the tagged copies, the ones a rollback to an earlier image needs
 * included, never expire, and the copy finds its tag on every update and rollback, asking the
 * source nothing. An untagged image is none of the app's: a push by hand, by digest.
 */
const MIRROR_LIFECYCLE_RULE: ecr.LifecycleRule = {
  rulePriority: 1,
  description: 'Untagged images: none of the copies, which are tagged and immutable',
  tagStatus: ecr.TagStatus.UNTAGGED,
  maxImageAge: Duration.days(7),
};

/** A construct ID from an image reference: `/` is the one character an ID may not hold. */
function constructIdOf(reference: string): string {
  return reference.replace(/\//g, '|');
}

/** What the copy function needs that has no resource-level permissions. */
function acknowledgeCopyFunction(role: iam.Role): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ecr:GetAuthorizationToken and the network-interface actions Lambda needs in a VPC support no resource-level permissions; pushes are limited to the mirror repositories by ARN.',
  });
}
