import type { Service as EcsService, TaskDefinition } from '@aws-sdk/client-ecs';
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
