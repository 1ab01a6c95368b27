import { serviceNamed } from '../lib/model/graph';
import { YELB } from '../lib/model/yelb';
import { proxyLogStreamPrefix, serviceConnectConfiguration } from '../lib/service-connect';

const target = { namespace: 'yelb.sc.internal', logGroupName: 'ecs/serviceconnectdemo' };

describe('serviceConnectConfiguration', () => {
  test('makes a called service client-server, aliased by its old name and port (the walkthrough shape)', () => {
    expect(serviceConnectConfiguration(YELB, serviceNamed(YELB, 'yelb-db'), target)).toEqual({
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
    });
  });

  test('keeps the appserver behind its hosted-zone name, with HTTP timeouts', () => {
    const config = serviceConnectConfiguration(YELB, serviceNamed(YELB, 'yelb-appserver'), target);
    expect(config.services).toEqual([
      {
        portName: 'yelb-appserver',
        clientAliases: [{ port: 4567, dnsName: 'yelb-appserver.yelb.lb.internal' }],
        timeout: { idleTimeoutSeconds: 60, perRequestTimeoutSeconds: 15 },
      },
    ]);
  });

  test('makes the UI client-only: no services', () => {
    const config = serviceConnectConfiguration(YELB, serviceNamed(YELB, 'yelb-ui'), target);
    expect(config.services).toBeUndefined();
    expect(config.enabled).toBe(true);
  });

  test('fills in the log region only when given one', () => {
    const config = serviceConnectConfiguration(YELB, serviceNamed(YELB, 'yelb-redis'), {
      ...target,
      region: 'eu-west-1',
    });
    expect(config.logConfiguration?.options).toEqual({
      'awslogs-group': 'ecs/serviceconnectdemo',
      'awslogs-region': 'eu-west-1',
      'awslogs-stream-prefix': 'redis-envoy',
    });
  });

  test.each(YELB.services.map((s) => [s.name, `${s.id}-envoy`]))(
    'names the proxy log stream of %s %s',
    (name, prefix) => {
      expect(proxyLogStreamPrefix(serviceNamed(YELB, name))).toBe(prefix);
    }
  );
});
