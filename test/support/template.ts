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
