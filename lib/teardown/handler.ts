/**
 * The teardown custom resources' Lambda handlers (CDK provider framework). Create and update do
 * nothing. On delete, before CloudFormation deletes what they guard:
 *
 * - `Custom::ServiceConnectDrain` (before the services and the Service Connect namespace): turns
 *   Service Connect off on the cluster's services and waits until ECS has removed its Cloud Map
 *   services from the namespace.
 * - `Custom::CloudMapServiceDrain` (before a Cloud Map DNS service of the old path, after the ECS
 *   service that registered in it has dropped the registry or been deleted): deregisters the
 *   instances left and waits until the service is empty, so that its deletion cannot fail. Also
 *   when the old path is retired (`Retired: 'true'`, on create or update): CloudFormation then
 *   runs it in the update itself, after the ECS service has dropped the registry, so that a
 *   failure fails the deployment (and rolls it back) instead of being lost in the cleanup phase.
 *
 * Each `isComplete` poll repeats the (idempotent) action and reads the state again; any error
 * counts as "not yet" until the deadline. Past it, `isComplete` throws a message that names what
 * is left and what to do; the provider framework answers CloudFormation FAILED with it at once
 * (its isComplete handler reports every error that is not its own retry signal).
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { deregisterInstances, namespaceServices, serviceInstances } from '../aws/cloud-map';
import { turnServiceConnectOff } from '../aws/ecs';
import { errorMessage } from '../core/errors';

/** `Custom::ServiceConnectDrain`'s properties, as CloudFormation passes them (strings). */
export interface DrainProperties {
  readonly ClusterName: string;
  readonly ServiceNames: string[];
  readonly NamespaceId: string;
  readonly NamespaceName: string;
  /** How long `isComplete` waits for the namespace to empty before failing the deletion. */
  readonly DrainTimeoutSeconds: string;
}

/** `Custom::CloudMapServiceDrain`'s properties. */
export interface InstanceDrainProperties {
  /** The Cloud Map DNS service (`srv-…`) and its name, for messages. */
  readonly ServiceId: string;
  readonly ServiceName: string;
  readonly DrainTimeoutSeconds: string;
  /**
   * `'true'` in the phase that retires the old path: creating or updating the guard into this
   * state drains the service too. Absent or `'false'`: only a deletion drains it.
   */
  readonly Retired?: string;
}

export const SERVICE_CONNECT_DRAIN = 'Custom::ServiceConnectDrain';
export const CLOUD_MAP_SERVICE_DRAIN = 'Custom::CloudMapServiceDrain';

/** The part of the provider framework's events these handlers read. */
export type DrainEvent = {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  /** What `onEvent` returned, passed on to `isComplete` by the framework. */
  readonly Data?: { readonly Deadline?: string };
} & (
  | { readonly ResourceType: typeof SERVICE_CONNECT_DRAIN; readonly ResourceProperties: DrainProperties }
  | {
      readonly ResourceType: typeof CLOUD_MAP_SERVICE_DRAIN;
      readonly ResourceProperties: InstanceDrainProperties;
    }
);

/** The AWS clients; a test may pass its own. */
export interface Clients {
  readonly ecs: ECSClient;
  readonly cloudMap: ServiceDiscoveryClient;
}

// A teardown should outlast a burst of throttling: more attempts than the SDK's default 3, and no
// call may hang a poll (a connection that never answers counts as "not yet", like any error).
const requestHandler = { connectionTimeout: 5_000, requestTimeout: 20_000 };
const defaultClients = (): Clients => ({
  ecs: new ECSClient({ maxAttempts: 8, requestHandler }),
  cloudMap: new ServiceDiscoveryClient({ maxAttempts: 8, requestHandler }),
});

/** One kind of drain: the action a poll repeats, what is left, and the message past the deadline. */
interface Drain {
  readonly physicalResourceId: string;
  act(clients: Clients): Promise<unknown>;
  left(clients: Clients): Promise<string[]>;
  failure(left: string[] | undefined, lastError: string | undefined, seconds: string): string;
}

function drainOf(event: DrainEvent): Drain {
  if (event.ResourceType === CLOUD_MAP_SERVICE_DRAIN) {
    const p = event.ResourceProperties;
    const consequence =
      event.RequestType === 'Delete'
        ? 'so it cannot be deleted'
        : `so the old path cannot be retired: check that no task of ${p.ServiceName} still registers there (npm run migrate -- status)`;
    return {
      physicalResourceId: `cloud-map-service-drain-${p.ServiceId}`,
      act: (c) => deregisterInstances(c.cloudMap, p.ServiceId),
      left: (c) => serviceInstances(c.cloudMap, p.ServiceId),
      failure: (left, lastError, seconds) =>
        `Cloud Map service ${p.ServiceName} (${p.ServiceId}) ${left ? `still has instances ${left.join(', ')}` : `cannot be read (${lastError})`} ` +
        `after ${seconds} s of deregistering them, ${consequence}. Deregister them (aws servicediscovery list-instances --service-id ${p.ServiceId}; ` +
        `aws servicediscovery deregister-instance), then run the deployment again.`,
    };
  }
  const p = event.ResourceProperties;
  const target = { cluster: p.ClusterName, services: p.ServiceNames, namespaceId: p.NamespaceId };
  return {
    physicalResourceId: `service-connect-drain-${p.ClusterName}`,
    act: (c) => turnServiceConnectOff(c.ecs, target),
    left: async (c) => (await namespaceServices(c.cloudMap, p.NamespaceId)).map((s) => s.Name ?? s.Id ?? '?'),
    failure: (left, lastError, seconds) =>
      `Service Connect namespace ${p.NamespaceName} still ${left ? `holds ${left.join(', ')}` : `cannot be read (${lastError})`} ` +
      `after ${seconds} s with Service Connect off: ECS has not removed its Cloud Map services. ` +
      `Check the services' deployments (npm run migrate -- status), then delete the stack again.`,
  };
}

/**
 * Whether the event drains: every deletion, and a DNS guard created or updated into the retired
 * state (a rollback from that state updates it back, and drains nothing).
 */
function drains(event: DrainEvent): boolean {
  if (event.RequestType === 'Delete') return true;
  return event.ResourceType === CLOUD_MAP_SERVICE_DRAIN && event.ResourceProperties.Retired === 'true';
}

/** The first drain action and a deadline for `isComplete`, when the event drains; else nothing. */
export async function onEvent(event: DrainEvent, clients: Clients = defaultClients()) {
  const drain = drainOf(event);
  const physicalResourceId = event.PhysicalResourceId ?? drain.physicalResourceId;
  if (!drains(event)) return { PhysicalResourceId: physicalResourceId };
  const timeoutSeconds = Number(event.ResourceProperties.DrainTimeoutSeconds);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(
      `DrainTimeoutSeconds '${event.ResourceProperties.DrainTimeoutSeconds}' is not a positive number of seconds`
    );
  }
  try {
    console.log(JSON.stringify({ [event.ResourceType]: await drain.act(clients) }));
  } catch (err) {
    // isComplete repeats the action: a transient error here must not fail the deletion.
    console.log(JSON.stringify({ transientError: errorMessage(err) }));
  }
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Deadline: String(Date.now() + timeoutSeconds * 1000) },
  };
}

/**
 * A draining event: repeats the action, done once nothing is left. Errors count as "not yet";
 * past the deadline the deletion (or the retiring update) fails with a message that says what
 * is left and what to do.
 */
export async function isComplete(event: DrainEvent, clients: Clients = defaultClients()) {
  if (!drains(event)) return { IsComplete: true };
  const drain = drainOf(event);
  const deadline = Number(event.Data?.Deadline ?? Date.now());
  let left: string[] | undefined;
  let lastError: string | undefined;
  try {
    await drain.act(clients);
    left = await drain.left(clients);
  } catch (err) {
    lastError = errorMessage(err);
    console.log(JSON.stringify({ transientError: lastError }));
  }
  if (left?.length === 0) return { IsComplete: true };
  if (Date.now() >= deadline) {
    throw new Error(drain.failure(left, lastError, event.ResourceProperties.DrainTimeoutSeconds));
  }
  console.log(JSON.stringify({ waitingFor: left ?? lastError }));
  return { IsComplete: false };
}
