import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { planStep } from '../../lib/plan/plan';
import { buildApp, templatesOf } from '../support/app';
import { logicalIdOf, resourcesOf, securityGroupRules } from '../support/template';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('the public entry with HTTPS (-c certificateArn, domainName, hostedZoneId)', () => {
  const built = buildApp('serviceConnect', {
    certificateArn: CERTIFICATE,
    domainName: 'yelb.example.com',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  });
  const template = Template.fromStack(built.system);
  const listeners = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener').filter((l) =>
    JSON.stringify(l.Properties.LoadBalancerArn).includes('PublicAlb')
  );
  const byPort = (port: number) => listeners.find((l) => l.Properties.Port === port)!;

  test('serves HTTPS on 443 with the certificate and a current TLS policy, forwarding to the UI', () => {
    expect(byPort(443).Properties).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      DefaultActions: [
        {
          Type: 'forward',
          TargetGroupArn: {
            Ref: logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'PublicAlbTargetGroup'),
          },
        },
      ],
    });
  });

  test('turns port 80 into a permanent redirect to HTTPS', () => {
    expect(byPort(80).Properties).toMatchObject({
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    expect(listeners).toHaveLength(2);
  });

  test('updates port 80 into the redirect only once the HTTPS listener exists', () => {
    expect(byPort(80).DependsOn).toContain(byPort(443).logicalId);
  });

  test("refuses, before anything changes, to deploy into a region other than the certificate's", () => {
    const rules = Object.values(template.toJSON().Rules as Record<string, any>).filter(
      (r) => r.Assertions[0].Assert['Fn::Equals']
    );
    expect(rules).toEqual([
      {
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
            AssertDescription: expect.stringMatching(
              /^The certificate arn:aws:acm:eu-west-1:.* is not in the region of this stack/
            ),
          },
        ],
      },
    ]);
  });

  test('opens 443 to the internet, and 80 only for the redirect', () => {
    expect(securityGroupRules(template).filter((r) => r.startsWith('in PublicAlbSecurityGroup'))).toEqual([
      'in PublicAlbSecurityGroup ← 0.0.0.0/0 443',
      'in PublicAlbSecurityGroup ← 0.0.0.0/0 80',
    ]);
  });

  test('creates the alias record in the zone and gives AppUrl that name', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      Name: 'yelb.example.com.',
      Type: 'A',
      AliasTarget: {
        DNSName: {
          'Fn::Join': [
            '',
            [
              'dualstack.',
              {
                'Fn::GetAtt': [
                  logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'PublicAlb'),
                  'DNSName',
                ],
              },
            ],
          ],
        },
      },
    });
    expect(template.toJSON().Outputs.AppUrl.Value).toBe('https://yelb.example.com/');
  });

  test('passes cdk-nag', () => {
    expect(new AwsSolutionsChecks(built.app).validateScope(built.app).violations).toEqual([]);
  });

  test('puts the production listener rule (gradual deployments) on the HTTPS listener, which forwards; port 80 has none', () => {
    const [rule] = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule.Properties.ListenerArn).toEqual({ Ref: byPort(443).logicalId });
    expect(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule')).toHaveLength(1);
  });

  test('turning HTTPS on updates the port-80 listener in place, adds the HTTPS one and moves the production rule to it: the plan agrees, and says what to check', () => {
    const step = planStep(
      'serviceConnect',
      'serviceConnect',
      { Yelb: templatesOf('serviceConnect').system.toJSON() },
      { Yelb: template.toJSON() }
    );
    expect(step.blockers).toEqual([]);
    expect(step.unsafe).toBeUndefined();
    // ListenerArn replaces a rule: CloudFormation creates it on 443 with the template's weights.
    expect(step.replacements.map((c) => `${c.type} ${c.replacingProperties.join(',')}`)).toEqual([
      'AWS::ElasticLoadBalancingV2::ListenerRule ListenerArn',
    ]);
    expect(step.stacks[0].added.map((c) => c.type).sort()).toEqual([
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::Route53::RecordSet',
    ]);
    expect(
      step.stacks[0].updated
        .filter((c) => c.type === 'AWS::ElasticLoadBalancingV2::Listener')
        .map((c) => c.properties)
    ).toEqual([['DefaultActions']]);
    expect(step.notes).toEqual([
      expect.stringMatching(
        /^yelb-ui: its production listener rule moves to another listener \(created anew, with all the traffic on the primary target group\): after a blue\/green, linear or canary deployment ECS may have left the traffic on the alternate target group.*describe-rules/
      ),
    ]);
  });
});

describe('without a certificate', () => {
  const { system: template } = templatesOf('discovery');

  test("keeps today's HTTP listener on 80, forwarding, and an http:// AppUrl", () => {
    const listeners = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener').filter(
      (l) => l.Properties.Protocol === 'HTTPS'
    );
    expect(listeners).toEqual([]);
    expect(JSON.stringify(template.toJSON().Outputs.AppUrl.Value)).toMatch(/^\{"Fn::Join":\["",\["http:\/\//);
  });
});

test("a certificate without a name: HTTPS on the load balancer's own DNS name", () => {
  const built = buildApp('discovery', { certificateArn: CERTIFICATE });
  const template = Template.fromStack(built.system);
  expect(JSON.stringify(template.toJSON().Outputs.AppUrl.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\//);
  // The old path's record in the private zone only: no alias record without a name.
  expect(
    resourcesOf(template, 'AWS::Route53::RecordSet').map((r) => r.logicalId.replace(/[0-9A-F]{8}$/, ''))
  ).toEqual(['LegacyAppserverRecord']);
});
