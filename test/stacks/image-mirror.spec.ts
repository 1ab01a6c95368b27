import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImageMirror } from '../../lib/constructs/image-mirror';
import { fullReference, mirrorTag, parseImageReference } from '../../lib/image-copy/reference';
import { COPY_TIMING } from '../../lib/image-copy/timing';
import { resourceChanges } from '../../lib/plan/template-diff';
import { bareStack, buildApp, templatesOf } from '../support/app';
import { ecsServices, resourcesOf } from '../support/template';

describe('image references', () => {
  test.each([
    ['mreferre/yelb-ui:0.10', 'docker.io', 'mreferre/yelb-ui', '0.10', 'docker.io/mreferre/yelb-ui:0.10'],
    ['redis', 'docker.io', 'library/redis', 'latest', 'docker.io/library/redis'],
    ['ghcr.io/acme/tools/hey:1.2', 'ghcr.io', 'acme/tools/hey', '1.2', 'ghcr.io/acme/tools/hey:1.2'],
    ['localhost:5000/hey', 'localhost:5000', 'hey', 'latest', 'localhost:5000/hey'],
    [
      `mreferre/yelb-db@sha256:${'a'.repeat(64)}`,
      'docker.io',
      'mreferre/yelb-db',
      `sha256-${'a'.repeat(64)}`,
      `docker.io/mreferre/yelb-db@sha256:${'a'.repeat(64)}`,
    ],
  ])(
    '%s: registry %s, repository %s, mirror tag %s, copied from %s',
    (reference, registry, repository, tag, full) => {
      const image = parseImageReference(reference);
      expect(image).toMatchObject({ registry, repository });
      expect(mirrorTag(image)).toBe(tag);
      expect(fullReference(image)).toBe(full);
    }
  );

  test.each(['Mreferre/yelb-ui', 'yelb ui', 'a/b:c:d', 'repo@sha256:abc', ''])('refuses %j', (reference) => {
    expect(() => parseImageReference(reference)).toThrow(/is not an image reference/);
  });
});

describe('images in ECR by default (mirrorImages)', () => {
  const { system: yelb } = templatesOf('serviceConnect');
  const built = buildApp('serviceConnect', { loadTest: 'true' });
  const loadTest = Template.fromStack(built.loadTest!);
  const repositories = resourcesOf(yelb, 'AWS::ECR::Repository');
  const copies = resourcesOf(yelb, 'Custom::ImageCopy');

  test("copies each image that is not in ECR into a repository of the app, named with its registry (ECR Public's stay)", () => {
    expect(repositories.map((r) => r.Properties.RepositoryName).sort()).toEqual([
      'yelb-cluster/docker.io/mreferre/yelb-appserver',
      'yelb-cluster/docker.io/mreferre/yelb-db',
      'yelb-cluster/docker.io/mreferre/yelb-ui',
    ]);
    expect(copies.map((c) => [c.Properties.SourceImage, c.Properties.Tag]).sort()).toEqual([
      ['docker.io/mreferre/yelb-appserver:0.7', '0.7'],
      ['docker.io/mreferre/yelb-db:0.6', '0.6'],
      ['docker.io/mreferre/yelb-ui:0.10', '0.10'],
    ]);
  });

  test('names repositories and copies after the image, not the order they were made in', () => {
    expect(repositories.map((r) => r.logicalId).sort()).toEqual([
      expect.stringMatching(/^MirrorRepositorydockeriomreferreyelbappserver[0-9A-F]{8}$/),
      expect.stringMatching(/^MirrorRepositorydockeriomreferreyelbdb[0-9A-F]{8}$/),
      expect.stringMatching(/^MirrorRepositorydockeriomreferreyelbui[0-9A-F]{8}$/),
    ]);
    expect(copies.map((c) => c.logicalId).sort()).toEqual([
      expect.stringMatching(/^MirrorCopydockeriomreferreyelbappserver07[0-9A-F]{8}$/),
      expect.stringMatching(/^MirrorCopydockeriomreferreyelbdb06[0-9A-F]{8}$/),
      expect.stringMatching(/^MirrorCopydockeriomreferreyelbui010[0-9A-F]{8}$/),
    ]);
  });

  test('repositories expire untagged images only (CT.ECR.PR.1): the copies, tagged and immutable, stay for every rollback', () => {
    for (const repository of repositories) {
      expect(JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText)).toEqual({
        rules: [
          {
            rulePriority: 1,
            description: expect.any(String),
            selection: {
              tagStatus: 'untagged',
              countType: 'sinceImagePushed',
              countNumber: 7,
              countUnit: 'days',
            },
            action: { type: 'expire' },
          },
        ],
      });
    }
  });

  test('the copy function stops before the provider framework, which answers CloudFormation, and CloudFormation waits 20 minutes, not an hour', () => {
    const functions = resourcesOf(yelb, 'AWS::Lambda::Function');
    const copyFunction = functions.find((f) => /^MirrorCopy[0-9A-F]{8}$/.test(f.logicalId))!;
    const framework = functions.find((f) => f.logicalId.startsWith('MirrorProviderframeworkonEvent'))!;
    const copyTimeout = copyFunction.Properties.Timeout;
    expect(copyTimeout).toBe(600);
    // The framework invokes the copy synchronously: it must outlive it to answer CloudFormation.
    expect(framework.Properties.Timeout).toBe(900);
    expect(copyTimeout).toBeLessThan(framework.Properties.Timeout);
    for (const copy of copies) {
      expect(Number(copy.Properties.ServiceTimeout)).toBe(1200);
      expect(Number(copy.Properties.ServiceTimeout)).toBeGreaterThan(framework.Properties.Timeout);
    }
    // The copy's retries end before its requests are abandoned, and those before the function stops.
    const { budgetMs, deadlineMs } = COPY_TIMING.retry;
    expect(budgetMs).toBeLessThan(deadlineMs);
    expect(deadlineMs / 1000).toBeLessThanOrEqual(copyTimeout - 60);
  });

  test('repositories scan on push, keep tags immutable, are encrypted and go with the stack', () => {
    for (const repository of repositories) {
      expect(repository.Properties).toMatchObject({
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS' },
        EmptyOnDelete: true,
      });
      expect(repository.DeletionPolicy).toBe('Delete');
    }
  });

  test('the tasks pull the copies by digest, and each service starts only after its image was copied', () => {
    const services = ecsServices(yelb);
    for (const name of ['yelb-ui', 'yelb-appserver', 'yelb-db']) {
      const taskDef = yelb.toJSON().Resources[services[name].Properties.TaskDefinition.Ref];
      const image = JSON.stringify(taskDef.Properties.ContainerDefinitions[0].Image);
      const copy = copies.find((c) => c.Properties.SourceImage.includes(`/${name}:`))!;
      expect(image).toContain(`"@sha256:",{"Fn::GetAtt":["${copy.logicalId}","DigestHex"]}`);
      expect(services[name].DependsOn).toContain(copy.logicalId);
    }
    // ECR Public stays where it is.
    const redis = yelb.toJSON().Resources[services['yelb-redis'].Properties.TaskDefinition.Ref];
    expect(redis.Properties.ContainerDefinitions[0].Image).toBe('public.ecr.aws/docker/library/redis:5.0.14');
  });

  test('the copy function may push only to these repositories, and reads no S3 bucket', () => {
    const [policy] = resourcesOf(yelb, 'AWS::IAM::Policy').filter((p) =>
      p.logicalId.startsWith('MirrorRoleDefaultPolicy')
    );
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const push = statements.find((s) => [s.Action].flat().includes('ecr:PutImage'));
    expect(push.Resource.map((r: any) => r['Fn::GetAtt'][0]).sort()).toEqual(
      repositories.map((r) => r.logicalId).sort()
    );
    for (const statement of statements.filter((s) => s.Resource === '*')) {
      expect([statement.Action].flat().sort()).toEqual(
        expect.arrayContaining(
          [statement.Action].flat().filter((a: string) => /^(ecr:GetAuthorizationToken|ec2:)/.test(a))
        )
      );
      expect(
        [statement.Action].flat().every((a: string) => /^(ecr:GetAuthorizationToken|ec2:)/.test(a))
      ).toBe(true);
    }
    expect(JSON.stringify(statements)).not.toMatch(/s3:/);
  });

  test('the copy function runs in the private subnets, HTTPS out only, and logs to a group of the app that goes with the stack', () => {
    const [fn] = resourcesOf(yelb, 'AWS::Lambda::Function').filter((f) =>
      f.logicalId.startsWith('MirrorCopy')
    );
    expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    const [group] = resourcesOf(yelb, 'AWS::EC2::SecurityGroup').filter((g) =>
      g.logicalId.startsWith('MirrorSecurityGroup')
    );
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    const [logs] = resourcesOf(yelb, 'AWS::Logs::LogGroup').filter((g) =>
      g.logicalId.startsWith('MirrorLogs')
    );
    expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: logs.logicalId });
    expect(logs.Properties.RetentionInDays).toBe(7);
    expect(logs.DeletionPolicy).toBe('Delete');
  });

  test('the load test copies hey into its own stack, before its task definition', () => {
    const [repository] = resourcesOf(loadTest, 'AWS::ECR::Repository');
    expect(repository.Properties.RepositoryName).toBe('yelb-cluster-loadtest/docker.io/williamyeh/hey');
    const [copy] = resourcesOf(loadTest, 'Custom::ImageCopy');
    expect(copy.Properties.SourceImage).toBe('docker.io/williamyeh/hey:latest');
    const [taskDef] = resourcesOf(loadTest, 'AWS::ECS::TaskDefinition');
    expect(taskDef.DependsOn).toContain(copy.logicalId);
  });

  test('passes cdk-nag in the app', () => {
    expect(new AwsSolutionsChecks(built.app).validateScope(built.app).violations).toEqual([]);
  });
});

describe('-c mirrorImages=false: pulled from where they are', () => {
  const { system: yelb } = templatesOf('serviceConnect', { mirrorImages: 'false' });

  test('no repository, no copy, and the tasks pull from Docker Hub', () => {
    expect(resourcesOf(yelb, 'AWS::ECR::Repository')).toEqual([]);
    expect(resourcesOf(yelb, 'Custom::ImageCopy')).toEqual([]);
    const ui = resourcesOf(yelb, 'AWS::ECS::TaskDefinition').find((t) => t.Properties.Family === 'yelb-ui')!;
    expect(ui.Properties.ContainerDefinitions[0].Image).toBe('mreferre/yelb-ui:0.10');
  });
});

/** A stack with only a mirror of `images`, in this order. */
function mirrorOf(images: readonly string[], repositoryPrefix = 'yelb-cluster') {
  const stack = bareStack('Mirror');
  const mirror = new ImageMirror(stack, 'Mirror', {
    repositoryPrefix,
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    logRetentionDays: 7,
  });
  for (const image of images) mirror.of(image);
  return Template.fromStack(stack).toJSON();
}

describe('images from other registries', () => {
  test('the copy function may reach each registry on the port its reference names, once per port', () => {
    const template = mirrorOf([
      'registry.example.com:5000/acme/tool:1',
      'registry.example.com:5000/acme/other:2',
      'mirror.example.org:8443/acme/tool:1',
      'mreferre/yelb-ui:0.10',
      'ghcr.io/acme/hey:1',
    ]);
    const [group] = Object.values<any>(template.Resources).filter(
      (r) => r.Type === 'AWS::EC2::SecurityGroup'
    );
    expect(
      group.Properties.SecurityGroupEgress.map(
        (r: any) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIp}`
      )
    ).toEqual(['tcp 443-443 0.0.0.0/0', 'tcp 5000-5000 0.0.0.0/0', 'tcp 8443-8443 0.0.0.0/0']);
    expect(
      Object.values<any>(template.Resources)
        .filter((r) => r.Type === 'AWS::ECR::Repository')
        .map((r) => r.Properties.RepositoryName)
    ).toContain('yelb-cluster/registry.example.com-5000/acme/tool');
  });

  test.each([
    [
      'a part with two separators in a row, which Docker allows',
      ['acme/my--tool:1'],
      'yelb-cluster',
      /^image 'acme\/my--tool:1' would be copied to the ECR repository 'yelb-cluster\/docker\.io\/acme\/my--tool', which has the part 'my--tool'; ECR allows, between slashes, lowercase letters and digits with a single '\.', '_' or '-' between them$/,
    ],
    [
      'a name longer than 256 characters',
      ['mreferre/yelb-ui:0.10'],
      'c'.repeat(240),
      /^image 'mreferre\/yelb-ui:0\.10' would be copied to the ECR repository 'c{240}\/docker\.io\/mreferre\/yelb-ui', which is 267 characters; ECR allows 2 to 256$/,
    ],
  ])(
    "fails at synth when an image's mirror repository name would break ECR's rules: %s",
    (_label, images, prefix, message) => {
      expect(() => mirrorOf(images, prefix)).toThrow(message);
    }
  );
});

describe('adding an image', () => {
  test('before the others adds its repository and copy, lets the function push to it, and changes nothing else', () => {
    const before = mirrorOf(['mreferre/yelb-ui:0.10', 'mreferre/yelb-db:0.6']);
    const after = mirrorOf(['acme/first:1', 'mreferre/yelb-ui:0.10', 'mreferre/yelb-db:0.6']);
    const changes = resourceChanges(before, after);
    expect(
      changes
        .filter((c) => c.impact === ResourceImpact.WILL_CREATE)
        .map((c) => c.type)
        .sort()
    ).toEqual(['AWS::ECR::Repository', 'Custom::ImageCopy']);
    expect(
      changes.filter((c) => c.impact !== ResourceImpact.WILL_CREATE).map((c) => `${c.type} ${c.impact}`)
    ).toEqual([`AWS::IAM::Policy ${ResourceImpact.WILL_UPDATE}`]);
  });

  test('a new tag of an image is a new copy beside the old one (whose delete does nothing)', () => {
    const changes = resourceChanges(mirrorOf(['mreferre/yelb-ui:0.10']), mirrorOf(['mreferre/yelb-ui:0.11']));
    // The copy's ID names the tag: the old copy stays until the cleanup phase, so a rollback
    // before it still has its image (and a rollback after it copies nothing: the tag is there).
    expect(changes.map((c) => `${c.type} ${c.impact}`).sort()).toEqual([
      `Custom::ImageCopy ${ResourceImpact.WILL_CREATE}`,
      `Custom::ImageCopy ${ResourceImpact.WILL_DESTROY}`,
    ]);
  });
});
