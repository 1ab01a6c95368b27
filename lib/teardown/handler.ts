/**
 * The teardown custom resources' Lambda handlers (CDK provider framework). Create and update do
 * nothing. On delete, before CloudFormation deletes what they guard:
 *
 * - `Custom::ServiceConnectDrain` (before the services and the Service Connect namespace): turns
 *   Service Connect off on the cluster's services (a rolling update without their deployment
 *   alarms, whatever their strategy) and waits until ECS has removed its Cloud Map services from
 *   the namespace. A namespace serves every cluster whose services use it: endpoints that none
 *   of these services has, and that tasks still serve, do not go by waiting, and fail the
 *   deletion at once, naming them (the namespace cannot be deleted while they exist).
 * - `Custom::CloudMapServiceDrain` (before a Cloud Map DNS service of the old path, after the ECS
 *   service that registered in it has dropped the registry or been deleted): deregisters the
 *   instances left and waits until the service is empty, so that its deletion cannot fail. Also
 *   when the old path is retired (`Retired: 'true'`, on create or update): CloudFormation then
 *   runs it in the update itself, after the ECS service has dropped the registry, so that a
 *   failure fails the deployment (and rolls it back) instead of being lost in the cleanup phase.
 *
 * - `Custom::DeploymentAlarmsSettled` (after a service whose deployment is a planned outage, before
 *   the services that deploy after it): on create or update, waits until the deployment alarms
 *   have seen the minutes after the outage (their evaluation window, on an update) and none of
 *   them is in ALARM, so that the next deployments are neither rolled back for the planned
 *   outage's errors nor left unwatched. Past its bound it fails the deployment, naming the alarms:
 *   errors that outlast a planned restart are not the plan.
 *
 * Each `isComplete` poll repeats the (idempotent) action and reads the state again; any error
 * counts as "not yet" until the deadline. Past it, `isComplete` throws a message that names what
 * is left and what to do; the provider framework answers CloudFormation FAILED with it at once
 * (its isComplete handler reports every error that is not its own retry signal).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient, ServiceSummary } from '@aws-sdk/client-servicediscovery';
import { alarmsNamedInAlarm } from '../aws/alarms';
import { deregisterInstances, namespaceServices, serviceInstances } from '../aws/cloud-map';
import { turnServiceConnectOff } from '../aws/ecs';
import { errorMessage } from '../core/errors';

/** What `onEvent` gives `isComplete` (strings: the framework returns them to CloudFormation too). */
export interface DrainData {
  readonly Deadline?: string;
  /** The Service Connect drain: the endpoints (discovery names) its services had, comma-separated. */
  readonly Endpoints?: string;
  /** The settle: no earlier than this (ms since the epoch) is it complete. */
  readonly NotBefore?: string;
}

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

/** `Custom::DeploymentAlarmsSettled`'s properties. */
export interface SettleProperties {
  /** The deployment alarms to wait for. */
  readonly AlarmNames: string[];
  /** The service whose planned outage the alarms settle after, for messages. */
  readonly AfterService: string;
  /** How long the alarms need to see the minutes after it (their evaluation window), on an update. */
  readonly EvaluationSeconds: string;
  /** The bound of the wait. */
  readonly DrainTimeoutSeconds: string;
  /** What changes whenever the service deploys again (the wait runs on every update). */
  readonly Revision: string;
}

export const SERVICE_CONNECT_DRAIN = 'Custom::ServiceConnectDrain';
export const CLOUD_MAP_SERVICE_DRAIN = 'Custom::CloudMapServiceDrain';
export const DEPLOYMENT_ALARMS_SETTLED = 'Custom::DeploymentAlarmsSettled';

/** The part of the provider framework's events these handlers read. */
export type DrainEvent = {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  /** What `onEvent` returned, passed on to `isComplete` by the framework. */
  readonly Data?: DrainData;
} & (
  | { readonly ResourceType: typeof SERVICE_CONNECT_DRAIN; readonly ResourceProperties: DrainProperties }
  | {
      readonly ResourceType: typeof CLOUD_MAP_SERVICE_DRAIN;
      readonly ResourceProperties: InstanceDrainProperties;
    }
  | { readonly ResourceType: typeof DEPLOYMENT_ALARMS_SETTLED; readonly ResourceProperties: SettleProperties }
);

/** The AWS clients; a test may pass its own. */
export interface Clients {
  readonly ecs: ECSClient;
  readonly cloudMap: ServiceDiscoveryClient;
  readonly cloudWatch: CloudWatchClient;
}

// A teardown should outlast a burst of throttling: more attempts than the SDK's default 3, and no
// call may hang a poll (a connection that never answers counts as "not yet", like any error).
const requestHandler = { connectionTimeout: 5_000, requestTimeout: 20_000 };
const defaultClients = (): Clients => ({
  ecs: new ECSClient({ maxAttempts: 8, requestHandler }),
  cloudMap: new ServiceDiscoveryClient({ maxAttempts: 8, requestHandler }),
  cloudWatch: new CloudWatchClient({ maxAttempts: 8, requestHandler }),
});

/** What a drain's poll finds left, and why waiting would not help, when it would not. */
interface Left {
  readonly names: string[];
  /** Set when what is left will not go by waiting: the message to fail with at once. */
  readonly stuck?: string;
}

/** One kind of drain: the action a poll repeats, what is left, and the message past the deadline. */
interface Drain {
  readonly physicalResourceId: string;
  /** The action; what it returns is kept for the polls that follow (in `onEvent`'s Data). */
  act(clients: Clients): Promise<Omit<DrainData, 'Deadline'>>;
  left(clients: Clients): Promise<Left>;
  failure(left: string[] | undefined, lastError: string | undefined, seconds: string): string;
}

function drainOf(event: DrainEvent): Drain {
  if (event.ResourceType === DEPLOYMENT_ALARMS_SETTLED) return settle(event);
  if (event.ResourceType === CLOUD_MAP_SERVICE_DRAIN) {
    const p = event.ResourceProperties;
    const consequence =
      event.RequestType === 'Delete'
        ? 'so it cannot be deleted'
        : `so the old path cannot be retired: check that no task of ${p.ServiceName} still registers there (npm run migrate -- status)`;
    return {
      physicalResourceId: `cloud-map-service-drain-${p.ServiceId}`,
      act: async (c) => {
        console.log(JSON.stringify({ deregistered: await deregisterInstances(c.cloudMap, p.ServiceId) }));
        return {};
      },
      left: async (c) => ({ names: await serviceInstances(c.cloudMap, p.ServiceId) }),
      failure: (left, lastError, seconds) =>
        `Cloud Map service ${p.ServiceName} (${p.ServiceId}) ${left ? `still has instances ${left.join(', ')}` : `cannot be read (${lastError})`} ` +
        `after ${seconds} s of deregistering them, ${consequence}. Deregister them (aws servicediscovery list-instances --service-id ${p.ServiceId}; ` +
        `aws servicediscovery deregister-instance), then run the deployment again.`,
    };
  }
  return serviceConnectDrain(event);
}

/**
 * The Service Connect drain. Its own endpoints are those its services had when `onEvent` turned
 * them off (carried in Data) and those the services' deployments still carry at each poll; ECS
 * removes them. Any other endpoint belongs to a service outside the stack.
 */
function serviceConnectDrain(
  event: Extract<DrainEvent, { ResourceType: typeof SERVICE_CONNECT_DRAIN }>
): Drain {
  const p = event.ResourceProperties;
  const target = { cluster: p.ClusterName, services: p.ServiceNames, namespaceId: p.NamespaceId };
  const ours = new Set((event.Data?.Endpoints ?? '').split(',').filter(Boolean));
  return {
    physicalResourceId: `service-connect-drain-${p.ClusterName}`,
    act: async (c) => {
      const off = await turnServiceConnectOff(c.ecs, target);
      console.log(JSON.stringify({ [SERVICE_CONNECT_DRAIN]: off }));
      for (const name of off.endpoints) ours.add(name);
      return { Endpoints: [...ours].sort().join(',') };
    },
    left: async (c) => {
      const left = await namespaceServices(c.cloudMap, p.NamespaceId);
      const foreign = left.filter((s) => !ours.has(s.Name ?? ''));
      // Ours are gone, and tasks still serve the rest: no drain of this stack removes them.
      const stuck =
        left.length > 0 && foreign.length === left.length && foreign.every((s) => (s.InstanceCount ?? 0) > 0);
      return {
        names: left.map((s) => s.Name ?? s.Id ?? '?'),
        ...(stuck && { stuck: foreignEndpoints(p, foreign) }),
      };
    },
    failure: (left, lastError, seconds) =>
      `Service Connect namespace ${p.NamespaceName} still ${left ? `holds ${left.join(', ')}` : `cannot be read (${lastError})`} ` +
      `after ${seconds} s with Service Connect off: ECS has not removed its Cloud Map services. ` +
      `Check the services' deployments (npm run migrate -- status), then delete the stack again.`,
  };
}

/**
 * The settle after a planned outage: nothing to do, and "left" are the alarms in ALARM (or the
 * evaluation window still to wait, on an update).
 */
function settle(event: Extract<DrainEvent, { ResourceType: typeof DEPLOYMENT_ALARMS_SETTLED }>): Drain {
  const p = event.ResourceProperties;
  const notBefore = Number(event.Data?.NotBefore ?? 0);
  return {
    physicalResourceId: `deployment-alarms-settled-${p.AfterService}`,
    act: () =>
      Promise.resolve({
        NotBefore: String(
          Date.now() + (event.RequestType === 'Update' ? Number(p.EvaluationSeconds) * 1000 : 0)
        ),
      }),
    left: async (c) =>
      Date.now() < notBefore
        ? { names: [`the alarms' evaluation window after ${p.AfterService}`] }
        : { names: await alarmsNamedInAlarm(c.cloudWatch, p.AlarmNames) },
    failure: (left, lastError, seconds) =>
      `The deployment alarms ${left ? `${left.join(', ')} stayed in ALARM` : `could not be read (${lastError})`} for ${seconds} s after ` +
      `${p.AfterService}'s planned restart: errors outlast it, which is not the plan. The services after it are not updated; ` +
      `find the errors on the dashboard or in the alarms' history, fix them, and deploy again.`,
  };
}

/** Why a namespace that only other services' endpoints hold cannot be deleted, and what to do. */
function foreignEndpoints(p: DrainProperties, foreign: readonly ServiceSummary[]): string {
  return (
    `Service Connect namespace ${p.NamespaceName} holds endpoints that none of the services ${p.ServiceNames.join(', ')} has, ` +
    `with tasks registered: ${foreign.map((s) => `${s.Name} (${s.InstanceCount} instance(s))`).join(', ')}. ` +
    `Services outside this stack use the namespace (a namespace serves every cluster whose services use it), and it cannot be deleted while they do: ` +
    `turn their Service Connect off or move them to another namespace, then delete the stack again.`
  );
}

/**
 * Whether the event drains: every deletion, and a DNS guard created or updated into the retired
 * state (a rollback from that state updates it back, and drains nothing).
 */
function drains(event: DrainEvent): boolean {
  if (event.ResourceType === DEPLOYMENT_ALARMS_SETTLED) return event.RequestType !== 'Delete';
  if (event.RequestType === 'Delete') return true;
  return event.ResourceType === CLOUD_MAP_SERVICE_DRAIN && event.ResourceProperties.Retired === 'true';
}

/** The first drain action and a deadline for `isComplete`, when the event drains; else nothing. */
export async function onEvent(
  event: DrainEvent,
  clients: Clients = defaultClients()
): Promise<{ PhysicalResourceId: string; Data?: DrainData }> {
  const drain = drainOf(event);
  const physicalResourceId = event.PhysicalResourceId ?? drain.physicalResourceId;
  if (!drains(event)) return { PhysicalResourceId: physicalResourceId };
  const timeoutSeconds = Number(event.ResourceProperties.DrainTimeoutSeconds);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(
      `DrainTimeoutSeconds '${event.ResourceProperties.DrainTimeoutSeconds}' is not a positive number of seconds`
    );
  }
  let remembered: Omit<DrainData, 'Deadline'> = {};
  try {
    remembered = await drain.act(clients);
  } catch (err) {
    // isComplete repeats the action: a transient error here must not fail the deletion.
    console.log(JSON.stringify({ transientError: errorMessage(err) }));
  }
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { ...remembered, Deadline: String(Date.now() + timeoutSeconds * 1000) },
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
  let left: Left | undefined;
  let lastError: string | undefined;
  try {
    await drain.act(clients);
    left = await drain.left(clients);
  } catch (err) {
    lastError = errorMessage(err);
    console.log(JSON.stringify({ transientError: lastError }));
  }
  if (left?.names.length === 0) return { IsComplete: true };
  if (left?.stuck) throw new Error(left.stuck);
  if (Date.now() >= deadline) {
    throw new Error(drain.failure(left?.names, lastError, event.ResourceProperties.DrainTimeoutSeconds));
  }
  console.log(JSON.stringify({ waitingFor: left?.names ?? lastError }));
  return { IsComplete: false };
}
