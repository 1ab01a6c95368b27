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

  test('has two public and two private /19 subnets in two AZs, found without lookups', () => {
    const subnets = resourcesOf(template, 'AWS::EC2::Subnet').map((s) => ({
      cidr: s.Properties.CidrBlock,
      public: s.Properties.MapPublicIpOnLaunch,
      az: s.Properties.AvailabilityZone,
    }));
    expect(subnets.map((s) => [s.cidr, s.public])).toEqual([
      ['10.0.0.0/19', true],
      ['10.0.32.0/19', true],
      ['10.0.64.0/19', false],
      ['10.0.96.0/19', false],
    ]);
    // Environment-agnostic: the AZs come from Fn::GetAZs at deploy time.
    expect(subnets.map((s) => s.az['Fn::Select'][0])).toEqual([0, 1, 0, 1]);
  });

  test('has one NAT gateway per AZ by default', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('takes the NAT gateway count from context', () => {
    const { network } = templatesOf('discovery', { natGateways: '1' });
    network.resourceCountIs('AWS::EC2::NatGateway', 1);
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
