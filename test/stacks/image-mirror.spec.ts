import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseReference, sourceUri } from '../../lib/constructs/image-mirror';
import { buildApp } from '../support/app';
import { nagOverTemplates } from '../support/nag';
import { ecsServices, resourcesOf } from '../support/template';

describe('image references', () => {
  test.each([
    ['mreferre/yelb-ui:0.10', 'mreferre/yelb-ui', '0.10', 'docker.io/mreferre/yelb-ui:0.10'],
    ['redis', 'redis', 'latest', 'docker.io/library/redis'],
    ['ghcr.io/acme/tools/hey:1.2', 'acme/tools/hey', '1.2', 'ghcr.io/acme/tools/hey:1.2'],
    ['localhost:5000/hey', 'hey', 'latest', 'localhost:5000/hey'],
    [
      `mreferre/yelb-db@sha256:${'a'.repeat(64)}`,
      'mreferre/yelb-db',
      `sha256-${'a'.repeat(64)}`,
      `docker.io/mreferre/yelb-db@sha256:${'a'.repeat(64)}`,
    ],
  ])('%s: repository path %s, tag %s, copied from %s', (reference, path, tag, source) => {
    expect(parseReference(reference)).toEqual({ path, tag });
    expect(sourceUri(reference)).toBe(source);
  });
});

describe('-c mirrorImages=true', () => {
  const built = buildApp('serviceConnect', { mirrorImages: 'true', loadTest: 'true' });
  const yelb = Template.fromStack(built.yelb);
  const loadTest = Template.fromStack(built.loadTest!);

  test('copies each image that is not in ECR into a repository of the app (ECR Public images stay)', () => {
    const repositories = resourcesOf(yelb, 'AWS::ECR::Repository');
    expect(repositories.map((r) => r.Properties.RepositoryName).sort()).toEqual([
      'yelb-cluster/mreferre/yelb-appserver',
      'yelb-cluster/mreferre/yelb-db',
      'yelb-cluster/mreferre/yelb-ui',
    ]);
    expect(
      resourcesOf(yelb, 'Custom::CDKECRDeployment')
        .map((c) => c.Properties.SrcImage)
        .sort()
    ).toEqual([
      'docker://docker.io/mreferre/yelb-appserver:0.7',
      'docker://docker.io/mreferre/yelb-db:0.6',
      'docker://docker.io/mreferre/yelb-ui:0.10',
    ]);
  });

  test('repositories scan on push, keep tags immutable, are encrypted and go with the stack', () => {
    for (const repository of Object.values<any>(yelb.findResources('AWS::ECR::Repository'))) {
      expect(repository.Properties).toMatchObject({
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS' },
        EmptyOnDelete: true,
      });
      expect(repository.DeletionPolicy).toBe('Delete');
    }
  });

  test('the tasks pull the copies, and each service starts only after its image was copied', () => {
    const services = ecsServices(yelb);
    const copies = resourcesOf(yelb, 'Custom::CDKECRDeployment');
    for (const name of ['yelb-ui', 'yelb-appserver', 'yelb-db']) {
      const taskDef = yelb.toJSON().Resources[services[name].Properties.TaskDefinition.Ref];
      const image = JSON.stringify(taskDef.Properties.ContainerDefinitions[0].Image);
      const repositoryId = resourcesOf(yelb, 'AWS::ECR::Repository').find((r) =>
        r.Properties.RepositoryName.endsWith(`/${name}`)
      )!.logicalId;
      expect(image).toContain(repositoryId);
      const copy = copies.find((c) => JSON.stringify(c.Properties.DestImage).includes(repositoryId))!;
      expect(services[name].DependsOn).toContain(copy.logicalId);
    }
    // ECR Public stays where it is.
    const redis = yelb.toJSON().Resources[services['yelb-redis'].Properties.TaskDefinition.Ref];
    expect(redis.Properties.ContainerDefinitions[0].Image).toBe('public.ecr.aws/docker/library/redis:5.0.14');
  });

  test('the load test copies hey into its own stack, before its task definition', () => {
    const [repository] = resourcesOf(loadTest, 'AWS::ECR::Repository');
    expect(repository.Properties.RepositoryName).toBe('yelb-cluster-loadtest/williamyeh/hey');
    const [copy] = resourcesOf(loadTest, 'Custom::CDKECRDeployment');
    expect(copy.Properties.SrcImage).toBe('docker://docker.io/williamyeh/hey:latest');
    const [taskDef] = resourcesOf(loadTest, 'AWS::ECS::TaskDefinition');
    expect(taskDef.DependsOn).toContain(copy.logicalId);
  });

  test('passes cdk-nag, in the app and over the templates CloudFormation receives', () => {
    expect(new AwsSolutionsChecks(built.app).validateScope(built.app).violations).toEqual([]);
    const templates = { Yelb: yelb.toJSON(), YelbLoadTest: loadTest.toJSON() };
    expect(nagOverTemplates([built.yelb, built.loadTest!], templates)).toEqual([]);
  });
});
