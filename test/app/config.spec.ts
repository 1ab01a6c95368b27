import { contextKeys, parseConfig, serviceContextKey } from '../../lib/app/config';
import { serviceNamed } from '../../lib/model/graph';
import { YELB } from '../../lib/model/yelb';
import { ValidationError } from '../../lib/core/validation';
import { CDK_JSON_CONTEXT } from '../support/app';

describe('parseConfig', () => {
  test('defaults to the discovery phase with the walkthrough settings', () => {
    // GIVEN only cdk.json's context (feature flags), WHEN parsed
    const config = parseConfig(CDK_JSON_CONTEXT, YELB);
    // THEN
    expect(config.phase).toBe('discovery');
    expect(config.natGateways).toBe(2);
    expect(config.topology).toEqual(YELB);
  });

  test.each([
    [{ serviceConnect: 'false', retireLegacy: 'false' }, 'discovery'],
    [{ serviceConnect: 'true' }, 'serviceConnect'],
    [{ serviceConnect: 'true', retireLegacy: 'true' }, 'retired'],
    [{ serviceConnect: true, retireLegacy: true }, 'retired'],
  ])('selects the phase from %j', (context, phase) => {
    expect(parseConfig(context, YELB).phase).toBe(phase);
  });

  test('applies image, desired count and name overrides from strings and from numbers', () => {
    const config = parseConfig(
      {
        yelbUiImage: 'registry.example.com/yelb/ui:1.2@sha256:' + 'a'.repeat(64),
        yelbAppserverDesiredCount: '5',
        yelbUiDesiredCount: 2,
        clusterName: 'yelb-test',
        logGroupName: '/yelb/test',
        natGateways: '1',
      },
      YELB
    );
    expect(serviceNamed(config.topology, 'yelb-ui').image).toBe(
      'registry.example.com/yelb/ui:1.2@sha256:' + 'a'.repeat(64)
    );
    expect(serviceNamed(config.topology, 'yelb-ui').desiredCount).toBe(2);
    expect(serviceNamed(config.topology, 'yelb-appserver').desiredCount).toBe(5);
    expect(config.topology.clusterName).toBe('yelb-test');
    expect(config.topology.logGroupName).toBe('/yelb/test');
    expect(config.natGateways).toBe(1);
  });

  test('ignores the CDK context keys that are not ours', () => {
    expect(() =>
      parseConfig(
        { '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:enable-path-metadata': true },
        YELB
      )
    ).not.toThrow();
  });

  test.each([
    [
      { serviceConnect: 'yes' },
      /^context key 'serviceConnect' has value 'yes'; allowed: 'true' or 'false' \(default false\)$/,
    ],
    [
      { serviceConnect: 'TRUE' },
      /^context key 'serviceConnect' has value 'TRUE'; allowed: 'true' or 'false'/,
    ],
    [{ retireLegacy: '1' }, /^context key 'retireLegacy' has value '1'; allowed: 'true' or 'false'/],
    [
      { natGateways: '0' },
      /^context key 'natGateways' has value '0'; allowed: an integer from 1 to 2 \(default 2\)$/,
    ],
    [{ natGateways: 'two' }, /^context key 'natGateways' has value 'two'/],
    [
      { yelbUiDesiredCount: '0' },
      /^context key 'yelbUiDesiredCount' has value '0'; allowed: a positive integer up to 100 \(default 3\)$/,
    ],
    [{ yelbUiDesiredCount: '-1' }, /^context key 'yelbUiDesiredCount' has value '-1'/],
    [{ yelbAppserverDesiredCount: '2.5' }, /^context key 'yelbAppserverDesiredCount' has value '2.5'/],
    [
      { yelbDbDesiredCount: '2' },
      /^context key 'yelbDbDesiredCount' has value '2'; allowed: 1 only: yelb-db keeps its state in its task/,
    ],
    [
      { yelbDbImage: 'not an image' },
      /^context key 'yelbDbImage' has value 'not an image'; allowed: a container image reference/,
    ],
    [{ yelbDbImage: '' }, /^context key 'yelbDbImage' has value ''/],
    [
      { clusterName: 'bad name!' },
      /^context key 'clusterName' has value 'bad name!'; allowed: 1-255 letters, digits/,
    ],
    [
      { retireLegacy: 'true' },
      /^context key 'retireLegacy' is true but 'serviceConnect' is not; allowed: retireLegacy=true only together with serviceConnect=true$/,
    ],
    [
      { retireLegacy: 'true', serviceConnect: 'false' },
      /retireLegacy=true only together with serviceConnect=true/,
    ],
    [
      { serviceconnect: 'true' },
      /^context key 'serviceconnect' is not known; did you mean 'serviceConnect'\? \(keys are case-sensitive\)$/,
    ],
    [{ RetireLegacy: 'true' }, /^context key 'RetireLegacy' is not known; did you mean 'retireLegacy'\?/],
    [
      { yelbUiImg: 'x' },
      /^context key 'yelbUiImg' is not known; the 'yelb' keys are 'yelbUiImage', 'yelbUiDesiredCount', .*'yelbRedisDesiredCount'$/,
    ],
    [{ YelbFoo: 'x' }, /^context key 'YelbFoo' is not known; the 'yelb' keys are/],
    [{ dbStorage: 's3' }, /^context key 'dbStorage' has value 's3'; allowed: 'efs' or 'ephemeral'/],
    [
      { dbStorageRemoval: 'snapshot' },
      /^context key 'dbStorageRemoval' has value 'snapshot'; allowed: 'destroy' or 'retain'/,
    ],
    [{ dbStorage: 'ephemeral', dbStorageRemoval: 'retain' }, /dbStorageRemoval only with dbStorage=efs/],
    [{ dbBackups: 'off' }, /^context key 'dbBackups' has value 'off'; allowed: 'true' or 'false'/],
    [
      { logRetentionDays: '10' },
      /^context key 'logRetentionDays' has value '10'; allowed: days CloudWatch keeps the application and proxy logs: '1', '3', .* or '3653' \(default 7\)$/,
    ],
    [
      { flowLogRetentionDays: 'forever' },
      /^context key 'flowLogRetentionDays' has value 'forever'; allowed: days CloudWatch keeps the VPC flow logs/,
    ],
    [{ dbStorage: 'ephemeral', dbBackups: 'false' }, /dbBackups only with dbStorage=efs/],
    [{ loadTestImage: 'williamyeh/hey:latest' }, /loadTestImage only with loadTest=true/],
    [{ dbStorag: 'efs' }, /^context key 'dbStorag' is not known; did you mean 'dbStorage'\?$/],
    [
      { serviceConect: 'true' },
      /^context key 'serviceConect' is not known; did you mean 'serviceConnect'\?$/,
    ],
    [{ loadTest: 'yes' }, /^context key 'loadTest' has value 'yes'; allowed: 'true' or 'false'/],
    [
      { alarmEmail: 'not-an-address' },
      /^context key 'alarmEmail' has value 'not-an-address'; allowed: an e-mail address/,
    ],
  ])('fails when the context is %j', (context, message) => {
    expect(() => parseConfig(context, YELB)).toThrow(ValidationError);
    expect(() => parseConfig(context, YELB)).toThrow(message);
  });

  test('fails with one line per problem, all at once', () => {
    try {
      parseConfig({ serviceConnect: 'maybe', natGateways: '9', yelbUiImg: 'x' }, YELB);
      throw new Error('parseConfig accepted bad context');
    } catch (err) {
      expect((err as ValidationError).problems).toHaveLength(3);
      expect((err as Error).message.split('\n')).toHaveLength(3);
    }
  });
});

describe('contextKeys', () => {
  test('derives a key per service setting from the model', () => {
    const keys = Object.keys(contextKeys(YELB));
    for (const svc of YELB.services) {
      expect(keys).toContain(serviceContextKey(YELB, svc, 'Image'));
      expect(keys).toContain(serviceContextKey(YELB, svc, 'DesiredCount'));
    }
    expect(serviceContextKey(YELB, serviceNamed(YELB, 'yelb-appserver'), 'Image')).toBe('yelbAppserverImage');
  });
});
