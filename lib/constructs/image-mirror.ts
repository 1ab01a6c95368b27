import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DockerImageName, ECRDeployment } from 'cdk-ecr-deployment';
import { Construct, IConstruct } from 'constructs';
import { isInEcr } from './container-image';

/** Props of {@link ImageMirror}. */
export interface ImageMirrorProps {
  /** Prefix of the repositories' names, unique per account and region (the cluster's name). */
  readonly repositoryPrefix: string;
}

/** An image copied into this stack's ECR, and the copy that must run before a task pulls it. */
export interface MirroredImage {
  readonly image: ecs.ContainerImage;
  /** The copy (a custom resource): what uses the image depends on it. */
  readonly copy: IConstruct;
}

/**
 * `-c mirrorImages=true`: each image that is not in ECR already (Docker Hub's Yelb images and
 * hey) is copied at deploy time into an ECR repository of the stack, and the tasks pull the copy:
 * no Docker Hub pull limit per NAT address, no Docker on the deploying machine. The copy is
 * cdk-ecr-deployment's (skopeo in a Lambda function, shipped prebuilt in the npm package). The
 * repositories scan on push, keep tags immutable, are encrypted, and go with the stack (emptied
 * first).
 */
export class ImageMirror extends Construct {
  private readonly mirrored = new Map<string, MirroredImage>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ImageMirrorProps
  ) {
    super(scope, id);
  }

  /** The copy of `reference`, or `undefined` when it is in ECR already (it is then pulled as it is). */
  of(reference: string): MirroredImage | undefined {
    if (isInEcr(reference)) return undefined;
    const known = this.mirrored.get(reference);
    if (known) return known;
    const { path, tag } = parseReference(reference);
    const id = `Repo${this.mirrored.size}`;
    const repository = new ecr.Repository(this, id, {
      repositoryName: `${this.props.repositoryPrefix}/${path}`.toLowerCase(),
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      // KMS with the AWS managed key (aws/ecr): encryption at rest, stated in the template.
      encryption: ecr.RepositoryEncryption.KMS,
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
    });
    const copy = new ECRDeployment(this, `Copy${this.mirrored.size}`, {
      src: new DockerImageName(sourceUri(reference)),
      dest: new DockerImageName(repository.repositoryUriForTag(tag)),
    });
    const mirrored = { image: ecs.ContainerImage.fromEcrRepository(repository, tag), copy };
    this.mirrored.set(reference, mirrored);
    if (this.mirrored.size === 1) acknowledgeCopyFunction(Stack.of(this));
    return mirrored;
  }
}

/** `mreferre/yelb-ui:0.10` → path `mreferre/yelb-ui`, tag `0.10`; a digest becomes a tag of its own. */
export function parseReference(reference: string): { path: string; tag: string } {
  const [name, digest] = reference.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = digest ? digest.replace(':', '-') : hasTag ? name.slice(colon + 1) : 'latest';
  const firstPart = repository.split('/')[0];
  const hasRegistry = repository.includes('/') && (firstPart.includes('.') || firstPart.includes(':'));
  return { path: hasRegistry ? repository.slice(firstPart.length + 1) : repository, tag };
}

/** skopeo's source: Docker Hub's short names need their registry (and `library/`). */
export function sourceUri(reference: string): string {
  const firstPart = reference.split('/')[0];
  if (reference.includes('/') && (firstPart.includes('.') || firstPart.includes(':'))) return reference;
  return `docker.io/${reference.includes('/') ? reference : `library/${reference}`}`;
}

/** What cdk-ecr-deployment's copy function (one per stack) brings and does not let us change. */
function acknowledgeCopyFunction(stack: Stack): void {
  const copyFunction = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKECRDeployment'));
  if (!copyFunction) throw new Error("cdk-ecr-deployment's copy function was not found in the stack");
  Validations.of(copyFunction).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "cdk-ecr-deployment's copy function writes its logs with the basic execution role; the construct creates that role itself.",
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The image copy needs ecr:GetAuthorizationToken, which supports no resource-level permissions, and pushes to the repositories it is given.',
    },
    {
      id: 'AwsSolutions-L1',
      reason:
        "cdk-ecr-deployment's copy function runs its own prebuilt binary on the runtime the construct chooses.",
    }
  );
}
