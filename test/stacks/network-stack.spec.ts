import { planStep } from '../../lib/plan/plan';
import { templatesOf } from '../support/app';
import { resourcesOf } from '../support/template';

describe('network stack', () => {
  const { network: template } = templatesOf('discovery');

  test('has the walkthrough VPC: 10.0.0.0/16 with DNS support', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: '10.0.0.0/16',
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
    });
  });

  test('has two public and two private /19 subnets in two AZs, found without lookups, no public IP on launch', () => {
    const subnets = resourcesOf(template, 'AWS::EC2::Subnet').map((s) => ({
      cidr: s.Properties.CidrBlock,
      public: s.Properties.MapPublicIpOnLaunch,
      az: s.Properties.AvailabilityZone,
    }));
    expect(subnets.map((s) => [s.cidr, s.public])).toEqual([
      ['10.0.0.0/19', false],
      ['10.0.32.0/19', false],
      ['10.0.64.0/19', false],
      ['10.0.96.0/19', false],
    ]);
    // Environment-agnostic: the AZs come from Fn::GetAZs at deploy time.
    expect(subnets.map((s) => s.az['Fn::Select'][0])).toEqual([0, 1, 0, 1]);
  });

  test('has one NAT gateway per AZ by default', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('turning public IPs on launch off updates the public subnets in place (the plan agrees)', () => {
    // The template as deployed before: MapPublicIpOnLaunch true on the public subnets.
    const before = structuredClone(template.toJSON());
    for (const subnet of Object.values<any>(before.Resources).filter((r) => r.Type === 'AWS::EC2::Subnet')) {
      if (
        subnet.Properties.CidrBlock.startsWith('10.0.0.') ||
        subnet.Properties.CidrBlock.startsWith('10.0.32.')
      )
        subnet.Properties.MapPublicIpOnLaunch = true;
    }
    const step = planStep(
      'discovery',
      'discovery',
      { YelbNetwork: before },
      { YelbNetwork: template.toJSON() }
    );
    expect(step.stacks[0].updated.map((c) => [c.type, c.impact, c.properties])).toEqual([
      ['AWS::EC2::Subnet', 'WILL_UPDATE', ['MapPublicIpOnLaunch']],
      ['AWS::EC2::Subnet', 'WILL_UPDATE', ['MapPublicIpOnLaunch']],
    ]);
    expect([step.replacements, step.blockers, step.stacks[0].added, step.stacks[0].removed]).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  // One synth for both settings: each test checks its own.
  const { network: tuned } = templatesOf('discovery', { natGateways: '1', flowLogRetentionDays: '365' });

  test('takes the NAT gateway count from context', () => {
    tuned.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('takes the flow logs retention from context', () => {
    tuned.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('logs all VPC traffic to CloudWatch Logs with retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('publishes the VPC for the Yelb stack as outputs (weak references, no exports)', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).some((k) => /VpcPrivateSubnet1/.test(k))).toBe(true);
    for (const output of Object.values<any>(outputs)) expect(output.Export).toBeUndefined();
  });
});
