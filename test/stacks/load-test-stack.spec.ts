import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_LOAD_TEST_IMAGE, parseConfig } from '../../lib/app/config';
import { buildApp, templatesOf } from '../support/app';
import { logicalIdOf, resourcesOf, securityGroupRules } from '../support/template';
import { YELB } from '../../lib/model/yelb';

describe('the in-VPC load test stack', () => {
  const built = buildApp('serviceConnect', { loadTest: 'true' });

  test('has its task only with -c loadTest=true (app-stacks.spec.ts: the stack is always there)', () => {
    expect(built.loadTest).toBeDefined();
    expect(Template.fromStack(built.loadTestStack).findResources('AWS::ECS::TaskDefinition')).not.toEqual({});
  });
  const template = Template.fromStack(built.loadTest!);

  test("runs hey with the walkthrough's parameters against the public load balancer's /api/getvotes", () => {
    const [taskDef] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
    expect(taskDef.Properties).toMatchObject({
      Family: 'yelb-loadtest',
      Cpu: '256',
      Memory: '512',
      RequiresCompatibilities: ['FARGATE'],
    });
    const [container] = taskDef.Properties.ContainerDefinitions;
    expect(container.Name).toBe('hey');
    // hey's copy in the stack's own mirror (image-mirror.spec.ts), by digest.
    expect(JSON.stringify(container.Image)).toMatch(
      /"@sha256:",\{"Fn::GetAtt":\["MirrorCopydockeriowilliamyehheylatest[0-9A-F]{8}","DigestHex"\]\}/
    );
    expect(container.Command.slice(0, -1)).toEqual(['-c', '100', '-n', '10000', '-z', '120s', '-t', '10']);
    const url = container.Command[container.Command.length - 1]['Fn::Join'][1];
    expect(url[0]).toBe('http://');
    expect(url[1]['Fn::GetStackOutput']).toMatchObject({
      StackName: 'Yelb',
      OutputName: expect.stringMatching(/PublicAlbLoadBalancer.*DNSName/),
    });
    expect(url[2]).toBe('/api/getvotes');
  });

  test("logs to the project's log group under the loadtest prefix", () => {
    const [taskDef] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
    expect(taskDef.Properties.ContainerDefinitions[0].LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-stream-prefix': 'loadtest',
        'awslogs-group': { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'Yelb' }) },
      },
    });
  });

  test('may only send HTTP and HTTPS out, and accepts nothing', () => {
    expect(securityGroupRules(template)).toEqual([
      'out MirrorSecurityGroup → 0.0.0.0/0 443',
      'out SecurityGroup → 0.0.0.0/0 443',
      'out SecurityGroup → 0.0.0.0/0 80',
    ]);
  });

  test('gives traffic --in-vpc what it needs to run the task', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ClusterName',
        'ContainerName',
        'LogGroupName',
        'LogStreamPrefix',
        'SecurityGroupId',
        'Subnets',
        'TaskDefinitionArn',
      ].sort()
    );
    expect(outputs.TaskDefinitionArn.Value).toEqual({
      Ref: logicalIdOf(template, 'AWS::ECS::TaskDefinition', 'TaskDef'),
    });
    expect(JSON.stringify(outputs.Subnets.Value)).toMatch(/PrivateSubnet1.*PrivateSubnet2/);
    expect(outputs.ContainerName.Value).toBe('hey');
  });

  test("leaves the Yelb stack's resources as they are (it only adds outputs for the references)", () => {
    const without = templatesOf('serviceConnect').system.toJSON().Resources;
    expect(Template.fromStack(built.system).toJSON().Resources).toEqual(without);
  });

  test('passes cdk-nag with the rest of the app', () => {
    expect(new AwsSolutionsChecks(built.app).validateScope(built.app).violations).toEqual([]);
  });

  test('takes another hey image from context', () => {
    // The stack runs config.loadTest.image (the default above); the config takes it from context.
    expect(
      parseConfig({ loadTest: 'true', loadTestImage: 'example.com/tools/hey:0.1.4' }, YELB).loadTest
    ).toEqual({
      image: 'example.com/tools/hey:0.1.4',
    });
    expect(built.config.loadTest).toEqual({ image: DEFAULT_LOAD_TEST_IMAGE });
  });
});
