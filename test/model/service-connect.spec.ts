import { PlanOptions, defaultPlanOptions, planSystem, servicePlan } from '../../lib/model/plan';
import { ServiceConnectRefs, renderServiceConnect } from '../../lib/model/service-connect';
import { YELB } from '../../lib/model/yelb';

const refs: ServiceConnectRefs = { namespace: 'yelb.sc.internal', logGroupName: 'ecs/serviceconnectdemo' };

/** `name`'s configuration as its plan renders it with `refs`. */
function rendered(name: string, options: PlanOptions = defaultPlanOptions('serviceConnect'), with_ = refs) {
  return renderServiceConnect(servicePlan(planSystem(YELB, options), name).serviceConnect!, with_);
}

describe('renderServiceConnect of a service plan', () => {
  test('makes a called service client-server, aliased by its old name and port (the walkthrough shape), with JSON access logs', () => {
    expect(rendered('yelb-db')).toEqual({
      enabled: true,
      namespace: 'yelb.sc.internal',
      services: [
        {
          portName: 'yelb-db',
          clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }],
          timeout: { idleTimeoutSeconds: 3600 },
        },
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': 'ecs/serviceconnectdemo', 'awslogs-stream-prefix': 'db-envoy' },
      },
      accessLogConfiguration: { format: 'JSON', includeQueryParameters: 'DISABLED' },
    });
  });

  test('keeps the appserver behind its hosted-zone name, with HTTP timeouts', () => {
    expect(rendered('yelb-appserver').services).toEqual([
      {
        portName: 'yelb-appserver',
        clientAliases: [{ port: 4567, dnsName: 'yelb-appserver.yelb.lb.internal' }],
        timeout: { idleTimeoutSeconds: 60, perRequestTimeoutSeconds: 15 },
      },
    ]);
  });

  test('makes the UI client-only: an empty services list, stated as the template states it', () => {
    const config = rendered('yelb-ui');
    expect(config.services).toEqual([]);
    expect(config.enabled).toBe(true);
  });

  test('fills in the log region only when given one, after the stream prefix (the order CloudFormation renders)', () => {
    expect(
      Object.entries(
        rendered('yelb-redis', undefined, { ...refs, region: 'eu-west-1' }).logConfiguration!.options
      )
    ).toEqual([
      ['awslogs-group', 'ecs/serviceconnectdemo'],
      ['awslogs-stream-prefix', 'redis-envoy'],
      ['awslogs-region', 'eu-west-1'],
    ]);
  });

  test('leaves the access logs out when the options say so', () => {
    expect(
      rendered('yelb-db', { ...defaultPlanOptions('serviceConnect'), accessLogs: false })
    ).not.toHaveProperty('accessLogConfiguration');
  });

  test.each(YELB.services.map((s) => [s.name, `${s.id}-envoy`]))(
    'names the proxy log stream of %s %s',
    (name, prefix) => {
      expect(rendered(name).logConfiguration!.options['awslogs-stream-prefix']).toBe(prefix);
    }
  );

  describe('TLS (retired phase)', () => {
    const ca =
      'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
    const options: PlanOptions = { ...defaultPlanOptions('retired'), tlsCertificateAuthorityArn: ca };
    const tls = {
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      roleArn: 'arn:aws:iam::123456789012:role/r',
    };

    test('encrypts an endpoint with the CA, the key and the role', () => {
      expect(rendered('yelb-db', options, { ...refs, tls }).services![0].tls).toEqual({
        issuerCertificateAuthority: { awsPcaAuthorityArn: ca },
        kmsKey: tls.kmsKeyArn,
        roleArn: tls.roleArn,
      });
    });

    test('fails to render an encrypted endpoint without its key and role', () => {
      expect(() => rendered('yelb-db', options)).toThrow(
        /yelb-db: TLS needs its KMS key and ECS infrastructure role/
      );
    });
  });

  test('gives the alias Service Connect test-traffic header where the service deploys gradually', () => {
    const options: PlanOptions = { ...defaultPlanOptions('retired'), deployment: { strategy: 'linear' } };
    expect(rendered('yelb-appserver', options).services![0].clientAliases).toEqual([
      {
        port: 4567,
        dnsName: 'yelb-appserver.yelb.lb.internal',
        testTrafficRules: { header: { name: 'x-amzn-ecs-blue-green-test' } },
      },
    ]);
    expect(rendered('yelb-db', options).services![0].clientAliases[0]).not.toHaveProperty('testTrafficRules');
  });
});
