import {
  CreateHttpNamespaceCommand,
  GetOperationCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { WaiterState } from '@smithy/core/client';
import { GetNamespaceCommand } from '@aws-sdk/client-servicediscovery';
import { formatDuration } from '../cli/duration';
import { MigrationFailure, Progress, WaitOptions, poll } from './run';

/** A namespace that exists: its name, ARN and ID. */
export interface CreatedNamespace {
  readonly name: string;
  readonly arn: string;
  readonly id: string;
}

/**
 * Creates the Service Connect namespace as a Cloud Map HTTP namespace and waits, bounded, for the
 * operation to succeed (Cloud Map creates namespaces asynchronously). The request ID is the
 * namespace's name, so that a retried request does not create a second one.
 *
 * @throws MigrationFailure when the operation fails or does not finish in time.
 */
export async function createHttpNamespace(
  cloudMap: ServiceDiscoveryClient,
  name: string,
  wait: WaitOptions,
  progress: Progress
): Promise<CreatedNamespace> {
  const { OperationId } = await cloudMap.send(
    new CreateHttpNamespaceCommand({
      Name: name,
      CreatorRequestId: `service-connect-migration-${name}`.slice(0, 64),
      Description: 'Service Connect namespace, created by npm run migrate -- apply',
    })
  );
  progress(`namespace ${name}: CreateHttpNamespace sent (operation ${OperationId})`);
  let namespaceId: string | undefined;
  let failure: string | undefined;
  const result = await poll(wait, async () => {
    const { Operation } = await cloudMap.send(new GetOperationCommand({ OperationId }));
    if (Operation?.Status === 'SUCCESS') {
      namespaceId = Operation.Targets?.NAMESPACE;
      return { state: WaiterState.SUCCESS };
    }
    if (Operation?.Status === 'FAIL') {
      failure = `${Operation.ErrorCode ?? 'FAIL'}: ${Operation.ErrorMessage ?? ''}`;
      return { state: WaiterState.FAILURE };
    }
    return { state: WaiterState.RETRY };
  });
  if (result.state !== WaiterState.SUCCESS || !namespaceId) {
    throw new MigrationFailure(
      `namespace ${name}`,
      failure ? `creation failed (${failure})` : `not created within ${formatDuration(wait.timeoutSeconds)}`,
      [],
      []
    );
  }
  const { Namespace } = await cloudMap.send(new GetNamespaceCommand({ Id: namespaceId }));
  progress(`namespace ${name}: created (${namespaceId})`);
  return { name, arn: Namespace!.Arn!, id: namespaceId };
}
