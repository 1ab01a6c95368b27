import {
  CreateHttpNamespaceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { createHttpNamespace } from '../../lib/migrate/namespace';
import { MigrationFailure } from '../../lib/migrate/run';

// Stubbed while these tests run only (see run.mock.spec.ts).
let cloudMap: AwsClientStub<ServiceDiscoveryClient>;
beforeAll(() => {
  cloudMap = mockClient(ServiceDiscoveryClient);
});
afterAll(() => cloudMap.restore());
beforeEach(() => cloudMap.reset());

const wait = { timeoutSeconds: 2, pollSeconds: 0.01 };

describe('createHttpNamespace', () => {
  test('reports a failed CreateHttpNamespace operation at once, with its error, instead of waiting it out', async () => {
    cloudMap.on(CreateHttpNamespaceCommand).resolves({ OperationId: 'op-1' });
    cloudMap.on(GetOperationCommand).resolves({
      Operation: {
        Id: 'op-1',
        Status: 'FAIL',
        ErrorCode: 'ACCESS_DENIED',
        ErrorMessage: 'not authorized to perform: route53:CreateHostedZone',
      },
    });
    const started = Date.now();
    const failure = await createHttpNamespace(
      new ServiceDiscoveryClient({ region: 'eu-west-1' }),
      'shop.sc.internal',
      wait,
      () => undefined
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MigrationFailure);
    expect((failure as MigrationFailure).message).toBe(
      'namespace shop.sc.internal: creation failed (ACCESS_DENIED: not authorized to perform: route53:CreateHostedZone)'
    );
    expect(cloudMap.commandCalls(GetOperationCommand)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(wait.timeoutSeconds * 1000);
  });

  test('waits for a pending operation and returns the namespace it created', async () => {
    cloudMap.on(CreateHttpNamespaceCommand).resolves({ OperationId: 'op-1' });
    cloudMap
      .on(GetOperationCommand)
      .resolvesOnce({ Operation: { Status: 'PENDING' } })
      .resolves({ Operation: { Status: 'SUCCESS', Targets: { NAMESPACE: 'ns-1' } } });
    cloudMap.on(GetNamespaceCommand, { Id: 'ns-1' }).resolves({
      Namespace: { Id: 'ns-1', Arn: 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-1' },
    });
    const created = await createHttpNamespace(
      new ServiceDiscoveryClient({ region: 'eu-west-1' }),
      'shop.sc.internal',
      wait,
      () => undefined
    );
    expect(created).toEqual({
      name: 'shop.sc.internal',
      id: 'ns-1',
      arn: 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-1',
    });
    expect(cloudMap.commandCalls(GetOperationCommand)).toHaveLength(2);
  });
});
