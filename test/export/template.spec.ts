import { apiServiceConnect, cloudFormationServiceConnect } from '../../lib/export/cfn-config';
import { evaluate, referencedIds } from '../../lib/export/intrinsics';
import { madeByOf } from '../../lib/export/made-by';
import { StackTemplate, UnreadableTemplate } from '../../lib/export/template';

// A stack's template, JSON or YAML, read in JSON's terms and edited without losing what it says
// otherwise.

const YAML = `AWSTemplateFormatVersion: '2010-09-09'
# the stack's own comment
Parameters:
  Port:
    Type: Number
Resources:
  Service:
    Type: AWS::ECS::Service
    DependsOn: Listener # why
    Properties:
      Cluster: !Ref Cluster
      Registries:
        - RegistryArn: !GetAtt Discovery.Arn
        - RegistryArn: !GetAtt Other.Arn
      Name: !Sub '\${AWS::StackName}-ui'
      Joined: !Join ['', [a, !Ref B]]
      Zone: !Select [0, !GetAZs '']
      Maybe: !If [IsProd, !Condition Prod, !Ref AWS::NoValue]
`;

describe('StackTemplate', () => {
  test("reads YAML's short forms as JSON's long forms", () => {
    const service: any = StackTemplate.parse(YAML, 'test').json().Resources!.Service;
    expect(service.Properties).toEqual({
      Cluster: { Ref: 'Cluster' },
      Registries: [
        { RegistryArn: { 'Fn::GetAtt': ['Discovery', 'Arn'] } },
        { RegistryArn: { 'Fn::GetAtt': ['Other', 'Arn'] } },
      ],
      Name: { 'Fn::Sub': '${AWS::StackName}-ui' },
      Joined: { 'Fn::Join': ['', ['a', { Ref: 'B' }]] },
      Zone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      Maybe: { 'Fn::If': ['IsProd', { Condition: 'Prod' }, { Ref: 'AWS::NoValue' }] },
    });
  });

  test('an edit of a YAML template keeps its comments, short forms and every other line', () => {
    const edited = StackTemplate.parse(YAML, 'test').edit([
      {
        kind: 'set',
        path: ['Resources', 'Service', 'Properties', 'ServiceConnectConfiguration'],
        value: { Enabled: false },
      },
      { kind: 'removeItems', path: ['Resources', 'Service', 'Properties', 'Registries'], indices: [0] },
      { kind: 'set', path: ['Resources', 'Service', 'DependsOn'], value: ['Listener', 'Db'] },
    ]);
    expect(edited.text()).toBe(
      YAML.replace('        - RegistryArn: !GetAtt Discovery.Arn\n', '')
        .replace('    DependsOn: Listener # why\n', '    DependsOn:\n      - Listener\n      - Db\n')
        .concat('      ServiceConnectConfiguration:\n        Enabled: false\n')
    );
    expect(edited.json().Resources!.Service.Properties!.Registries).toEqual([
      { RegistryArn: { 'Fn::GetAtt': ['Other', 'Arn'] } },
    ]);
  });

  test.each([
    ['two spaces', 2],
    ['four spaces', 4],
    ['one line', 0],
  ])('a JSON template keeps its indentation: %s', (_what, indent) => {
    const body = `${JSON.stringify({ Resources: { Service: { Type: 'AWS::ECS::Service', Properties: { A: 1 } } } }, null, indent)}\n`;
    const edited = StackTemplate.parse(body, 'test').edit([
      { kind: 'set', path: ['Resources', 'Service', 'Properties', 'B'], value: [] },
      { kind: 'delete', path: ['Resources', 'Service', 'Properties', 'A'] },
    ]);
    expect(edited.format).toBe('json');
    expect(edited.text()).toBe(
      `${JSON.stringify({ Resources: { Service: { Type: 'AWS::ECS::Service', Properties: { B: [] } } } }, null, indent)}\n`
    );
  });

  test.each([
    ['{"Resources": ', /^stack s: the template is not valid JSON \(/],
    ['Resources:\n  - [unclosed\n', /^stack s: the template is not valid YAML \(/],
    ['just text', /^stack s: the template is not a mapping of sections$/],
  ])('refuses a template it cannot read, with the reason: %j', (body, message) => {
    expect(() => StackTemplate.parse(body, 'stack s')).toThrow(UnreadableTemplate);
    expect(() => StackTemplate.parse(body, 'stack s')).toThrow(message);
  });
});

describe('what the export reads of intrinsic functions', () => {
  const deployed = { stack: 'shop', region: 'eu-west-1', parameters: { Port: '8080', Name: 'api' } };

  test('a literal, or a parameter or pseudo parameter reference, as deployed; nothing else', () => {
    expect(evaluate(80, deployed)).toBe(80);
    expect(evaluate({ Ref: 'Port' }, deployed)).toBe('8080');
    expect(evaluate({ 'Fn::Sub': '${AWS::StackName}-${Name}' }, deployed)).toBe('shop-api');
    expect(evaluate({ 'Fn::Sub': '${Unknown}' }, deployed)).toBeUndefined();
    expect(evaluate({ 'Fn::FindInMap': ['M', 'a', 'b'] }, deployed)).toBeUndefined();
    expect(evaluate({ Ref: 'SomeResource' }, deployed)).toBeUndefined();
  });

  test('the resources a value refers to', () => {
    expect(
      [
        ...referencedIds({
          A: { Ref: 'X' },
          B: [{ 'Fn::GetAtt': ['Y', 'Arn'] }],
          C: { 'Fn::Sub': ['${Z.Arn}-${v}-${!Literal}', { v: 1 }] },
        }),
      ].sort()
    ).toEqual(['X', 'Y', 'Z']);
  });
});

test('the tool that made a stack: the CDK by its metadata, Copilot by its manifest or parameters', () => {
  expect(madeByOf({ Resources: { CDKMetadata: { Type: 'AWS::CDK::Metadata' } } })).toBe('cdk');
  expect(
    madeByOf({ Resources: { S: { Type: 'AWS::ECS::Service', Metadata: { 'aws:cdk:path': 'App/S' } } } })
  ).toBe('cdk');
  expect(madeByOf({ Metadata: { Manifest: 'name: api' }, Resources: {} })).toBe('copilot');
  expect(madeByOf({ Parameters: { AppName: {}, EnvName: {}, WorkloadName: {} }, Resources: {} })).toBe(
    'copilot'
  );
  expect(madeByOf({ Resources: { S: { Type: 'AWS::ECS::Service' } } })).toBeUndefined();
});

test("a configuration in the template's spelling and back: the log options keep theirs", () => {
  const config = {
    enabled: true,
    namespace: 'ns',
    services: [
      { portName: 'p', clientAliases: [{ port: 1, dnsName: 'a' }], timeout: { idleTimeoutSeconds: 60 } },
    ],
    logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': 'g' } },
  };
  expect(cloudFormationServiceConnect(config)).toEqual({
    Enabled: true,
    Namespace: 'ns',
    Services: [
      { PortName: 'p', ClientAliases: [{ Port: 1, DnsName: 'a' }], Timeout: { IdleTimeoutSeconds: 60 } },
    ],
    LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': 'g' } },
  });
  expect(apiServiceConnect(cloudFormationServiceConnect(config))).toEqual(config);
});
