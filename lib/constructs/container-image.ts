import { Stack, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { PRIVATE_ECR } from '../image-copy/reference';

/**
 * The container image for an image reference. A private ECR image (for example a mirror of
 * the Docker Hub images, to avoid anonymous pull limits) becomes an ECR image, so that the
 * task execution role is granted pull access to exactly that repository; anything else
 * (Docker Hub, ECR Public) is pulled anonymously.
 */
export function containerImage(scope: Construct, id: string, reference: string): ecs.ContainerImage {
  const ecrParts = PRIVATE_ECR.exec(reference)?.groups;
  if (!ecrParts) return ecs.ContainerImage.fromRegistry(reference);
  const { account, region, repository, tag, digest } = ecrParts;
  const repo = ecr.Repository.fromRepositoryAttributes(scope, id, {
    repositoryName: repository,
    repositoryArn: `arn:${Stack.of(scope).partition}:ecr:${region}:${account}:repository/${repository}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repo, digest ?? tag ?? 'latest');
}

const acknowledged = new WeakSet<iam.IRole>();

/**
 * An execution role that pulls from ECR needs ecr:GetAuthorizationToken on every resource: the
 * only wildcard it has, acknowledged for cdk-nag when `image` is an ECR image.
 */
export function acknowledgeEcrPull(executionRole: iam.IRole, image: ecs.ContainerImage): void {
  if (!(image instanceof ecs.EcrImage) || acknowledged.has(executionRole)) return;
  acknowledged.add(executionRole);
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls themselves are limited to the named repositories.',
  });
}
