import { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized template. */
export interface Resource {
  readonly logicalId: string;
  readonly Type: string;
  readonly Properties: Record<string, any>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
}

/** Every resource of `type`, with its logical ID. */
export function resourcesOf(template: Template, type: string): Resource[] {
  return Object.entries(template.findResources(type)).map(
    ([logicalId, r]) => ({ logicalId, ...r }) as Resource
  );
}

/** The AWS::ECS::Service resources by ECS service name (`yelb-db`). */
export function ecsServices(template: Template): Record<string, Resource> {
  return Object.fromEntries(
    resourcesOf(template, 'AWS::ECS::Service').map((r) => [r.Properties.ServiceName, r])
  );
}

/** The logical ID of the only resource of `type` whose logical ID starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

/**
 * Every security-group rule of a template, inline or standalone, as
 * `direction group ← peer port` strings with logical-ID prefixes (`vpc` for the VPC's CIDR),
 * e.g. `in DbSecurityGroup ← AppserverSecurityGroup 5432`.
 */
export function securityGroupRules(template: Template): string[] {
  const groupName = (ref: unknown): string => {
    const id = (ref as any)?.['Fn::GetAtt']?.[0] ?? (ref as any)?.Ref;
    if (typeof id !== 'string') throw new Error(`unexpected security group reference ${JSON.stringify(ref)}`);
    return id.replace(/[0-9A-F]{8}$/, '');
  };
  const cidr = (value: any): string | undefined =>
    value === undefined
      ? undefined
      : typeof value === 'string'
        ? value
        : /CidrBlock/.test(JSON.stringify(value))
          ? 'vpc'
          : JSON.stringify(value);
  const port = (rule: any) =>
    rule.FromPort === rule.ToPort ? `${rule.FromPort}` : `${rule.FromPort}-${rule.ToPort}`;
  const rules: string[] = [];
  for (const sg of resourcesOf(template, 'AWS::EC2::SecurityGroup')) {
    const group = sg.logicalId.replace(/[0-9A-F]{8}$/, '');
    for (const rule of sg.Properties.SecurityGroupIngress ?? []) {
      rules.push(
        `in ${group} ← ${cidr(rule.CidrIp) ?? cidr(rule.CidrIpv6) ?? groupName(rule.SourceSecurityGroupId)} ${port(rule)}`
      );
    }
    for (const rule of sg.Properties.SecurityGroupEgress ?? []) {
      // The CDK's marker for a group that may send nothing (allowAllOutbound: false, no rule).
      if (rule.CidrIp === '255.255.255.255/32' && rule.FromPort === 252 && rule.ToPort === 86) {
        rules.push(`out ${group} → none`);
        continue;
      }
      rules.push(
        `out ${group} → ${cidr(rule.CidrIp) ?? cidr(rule.CidrIpv6) ?? groupName(rule.DestinationSecurityGroupId)} ${port(rule)}`
      );
    }
  }
  for (const rule of resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')) {
    rules.push(
      `in ${groupName(rule.Properties.GroupId)} ← ${groupName(rule.Properties.SourceSecurityGroupId)} ${port(rule.Properties)}`
    );
  }
  for (const rule of resourcesOf(template, 'AWS::EC2::SecurityGroupEgress')) {
    rules.push(
      `out ${groupName(rule.Properties.GroupId)} → ${groupName(rule.Properties.DestinationSecurityGroupId)} ${port(rule.Properties)}`
    );
  }
  return rules.sort();
}

/** An ARN in this stack's partition, region and account, as the CDK renders it: `arn:…:<service>:…:<rest>`. */
export function stackArn(service: string, rest: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        `:${service}:`,
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:${rest}`,
      ],
    ],
  };
}

/** The account and region the tests resolve a template's references in. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/**
 * A value of a template in the API's terms, as CloudFormation would hand it to the service: keys
 * from PascalCase to camelCase (map keys such as `awslogs-group` stay), `Ref` and `Fn::GetAtt`
 * resolved as {@link resolveReference} does, `Fn::Join` joined.
 */
export function inApiTerms(value: any, resources: Record<string, any>): any {
  if (Array.isArray(value)) return value.map((v) => inApiTerms(v, resources));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value || 'Fn::GetAtt' in value) return resolveReference(value, resources);
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((p: any) => inApiTerms(p, resources)).join(separator);
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      /^[A-Z]/.test(k) ? k.charAt(0).toLowerCase() + k.slice(1) : k,
      inApiTerms(v, resources),
    ])
  );
}

/**
 * A reference's value as the tests resolve it: the region and account of {@link TEST_ENV}, a log
 * group's and a Service Connect namespace's name (what the migration CLI is given), any other
 * resource's ARN made from its type and logical ID.
 */
export function resolveReference(ref: any, resources: Record<string, any>): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': TEST_ENV.region,
    'AWS::AccountId': TEST_ENV.account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const id: string = ref.Ref ?? ref['Fn::GetAtt'][0];
  if (pseudo[id]) return pseudo[id];
  const resource = resources[id];
  if (!resource) throw new Error(`no resource ${id} to resolve ${JSON.stringify(ref)}`);
  switch (resource.Type) {
    case 'AWS::Logs::LogGroup':
      return resource.Properties.LogGroupName;
    case 'AWS::ServiceDiscovery::HttpNamespace':
      return resource.Properties.Name;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${TEST_ENV.region}:${TEST_ENV.account}:key/${id}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${TEST_ENV.account}:role/${id}`;
    default:
      return `arn:aws:test:${TEST_ENV.region}:${TEST_ENV.account}:${resource.Type}/${id}`;
  }
}
