import type { Service as EcsService, ServiceConnectConfiguration, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type {
  InstanceSummary,
  Namespace,
  Service as CloudMapService,
  ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import type { StackOwners } from './owners-read';

/**
 * Everything discovery read from a live cluster, in the APIs' own shapes: what `readCluster`
 * returns and `inferTopology` turns into a topology and findings. Kept apart so that the
 * inference is a pure function, tested with plain objects.
 */
export interface ClusterSnapshot {
  readonly region: string;
  readonly cluster: string;
  /** The cluster's default Service Connect namespace (its name), when it has one. */
  readonly defaultNamespace?: string;
  /** The cluster's ACTIVE services, in the order ListServices gave them. */
  readonly services: readonly EcsService[];
  /** Task definitions by ARN. */
  readonly taskDefinitions: ReadonlyMap<string, TaskDefinition>;
  /** The Cloud Map services the ECS services register in, by registry ARN. */
  readonly registries: ReadonlyMap<string, RegistryService>;
  /** The namespaces of those Cloud Map services, by ID. */
  readonly namespaces: ReadonlyMap<string, Namespace>;
  /** Every Cloud Map service of those namespaces, by namespace ID (names nobody may call). */
  readonly namespaceServices: ReadonlyMap<string, readonly ServiceSummary[]>;
  /**
   * The instances of the Cloud Map services of those namespaces that no service of the cluster
   * registers, by Cloud Map service ID (who registered them); none for a name without instances.
   */
  readonly instances: ReadonlyMap<string, readonly InstanceSummary[]>;
  readonly targetGroups: readonly TargetGroup[];
  readonly loadBalancers: readonly LoadBalancer[];
  /** `idle_timeout.timeout_seconds` of each Application Load Balancer, by ARN. */
  readonly idleTimeouts: ReadonlyMap<string, number>;
  readonly listeners: readonly Listener[];
  /** The rules of each listener (the default rule included), by listener ARN. */
  readonly rules: ReadonlyMap<string, readonly Rule[]>;
  /** The records of the private hosted zones associated with the load balancers' VPCs. */
  readonly records: readonly ZoneRecord[];
  /** The CloudFormation stacks that own services, when any does (read with the services' tags). */
  readonly owners?: StackOwners;
  /** What could not be read (access denied), with the error: its calls and names are missing. */
  readonly unread?: readonly string[];
  /**
   * The Service Connect namespaces the services run in (their PRIMARY deployments'), by ARN, each
   * with its endpoints: every Cloud Map service in it, other clusters' included.
   */
  readonly serviceConnectNamespaces?: ReadonlyMap<string, ServiceConnectNamespace>;
  /**
   * The old path each service with a Service Connect endpoint had and no longer has, by service
   * name: the registries and target groups of its newest revision that had any (ECS keeps the
   * deployments of 90 days), detached since by retire, the CDK app's retired phase or the
   * walkthrough's script. Those that still exist are read as the attached ones are.
   */
  readonly detached?: ReadonlyMap<string, DetachedPath>;
}

/** A Service Connect namespace and the endpoints in it. */
export interface ServiceConnectNamespace {
  readonly namespace: Namespace;
  readonly endpoints: readonly ServiceSummary[];
}

/** The old path a service was attached to, as its service revisions recorded it. */
export interface DetachedPath {
  readonly registryArns: readonly string[];
  readonly targetGroupArns: readonly string[];
}

/**
 * What discovery knows of a Cloud Map service an ECS service registers in: from the summary its
 * namespace's `ListServices` gave, or from `GetService`.
 */
export type RegistryService = Pick<CloudMapService, 'Id' | 'Arn' | 'Name' | 'NamespaceId'>;

/** A record set and the private hosted zone it is in. */
export interface ZoneRecord {
  readonly zone: string;
  readonly record: ResourceRecordSet;
}

/** The Service Connect configuration a service runs with (its PRIMARY deployment's), when it is on. */
export function primaryServiceConnect(service: EcsService): ServiceConnectConfiguration | undefined {
  const config = service.deployments?.find((d) => d.status === 'PRIMARY')?.serviceConnectConfiguration;
  return config?.enabled ? config : undefined;
}
