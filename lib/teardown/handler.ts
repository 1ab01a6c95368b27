/**
 * The teardown custom resource's Lambda handlers (CDK provider framework). On delete, before
 * CloudFormation deletes the services and the Service Connect namespace, `onEvent` turns
 * Service Connect off on the cluster's services and `isComplete` waits, bounded, until ECS has
 * removed its Cloud Map services from the namespace. Create and update do nothing. Idempotent:
 * a retried delete skips what is already off, and an empty or missing namespace is done.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { DrainTarget, namespaceServices, turnServiceConnectOff } from './drain';

/** The custom resource's properties, as CloudFormation passes them (every value a string). */
export interface DrainProperties {
  readonly ClusterName: string;
  readonly ServiceNames: string[];
  readonly NamespaceId: string;
  readonly NamespaceName: string;
  /** How long `isComplete` waits for the namespace to empty before failing the deletion. */
  readonly DrainTimeoutSeconds: string;
}

/** The part of the provider framework's events these handlers read. */
export interface DrainEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: DrainProperties;
  /** What `onEvent` returned, passed on to `isComplete` by the framework. */
  readonly Data?: { readonly Deadline?: string };
}

/** The AWS clients; a test may pass its own. */
export interface Clients {
  readonly ecs: ECSClient;
  readonly cloudMap: ServiceDiscoveryClient;
}

// A teardown should outlast a burst of throttling: more attempts than the SDK's default 3.
const defaultClients = (): Clients => ({
  ecs: new ECSClient({ maxAttempts: 8 }),
  cloudMap: new ServiceDiscoveryClient({ maxAttempts: 8 }),
});

function targetOf(props: DrainProperties): DrainTarget {
  return { cluster: props.ClusterName, services: props.ServiceNames, namespaceId: props.NamespaceId };
}

/** Create/update: nothing. Delete: Service Connect off, and a deadline for `isComplete`. */
export async function onEvent(event: DrainEvent, clients: Clients = defaultClients()) {
  const props = event.ResourceProperties;
  const physicalResourceId = event.PhysicalResourceId ?? `service-connect-drain-${props.ClusterName}`;
  if (event.RequestType !== 'Delete') return { PhysicalResourceId: physicalResourceId };
  const timeoutSeconds = Number(props.DrainTimeoutSeconds);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(`DrainTimeoutSeconds '${props.DrainTimeoutSeconds}' is not a positive number of seconds`);
  }
  const changed = await turnServiceConnectOff(clients.ecs, targetOf(props));
  console.log(JSON.stringify({ turnedOff: changed, namespace: props.NamespaceName }));
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Deadline: String(Date.now() + timeoutSeconds * 1000) },
  };
}

/**
 * Delete: done once the namespace holds no services. Transient errors count as "not yet";
 * past the deadline the deletion fails with a message that says what is left and what to do.
 */
export async function isComplete(event: DrainEvent, clients: Clients = defaultClients()) {
  if (event.RequestType !== 'Delete') return { IsComplete: true };
  const props = event.ResourceProperties;
  const deadline = Number(event.Data?.Deadline ?? Date.now());
  let remaining: string[] | undefined;
  let lastError: string | undefined;
  try {
    remaining = (await namespaceServices(clients.cloudMap, props.NamespaceId)).map(
      (svc) => svc.Name ?? svc.Id ?? '?'
    );
  } catch (err) {
    lastError = `${(err as Error).name}: ${(err as Error).message}`;
    console.log(JSON.stringify({ transientError: lastError }));
  }
  if (remaining?.length === 0) return { IsComplete: true };
  if (Date.now() >= deadline) {
    throw new Error(
      `Service Connect namespace ${props.NamespaceName} still ${remaining ? `holds ${remaining.join(', ')}` : `cannot be read (${lastError})`} ` +
        `after ${props.DrainTimeoutSeconds} s with Service Connect off: ECS has not removed its Cloud Map services. ` +
        `Check the services' deployments (npm run migrate -- status), then delete the stack again.`
    );
  }
  console.log(JSON.stringify({ waitingFor: remaining, namespace: props.NamespaceName }));
  return { IsComplete: false };
}
