/**
 * A live cluster as a team runs it, described for the fake AWS (`FakeAws.seedCluster`): ECS
 * services and their task definitions, how each one is found (a Cloud Map DNS name, an internal
 * load balancer's listener with an alias record, a host rule, a path rule), the public load
 * balancer, and names in the Cloud Map namespaces that other clusters registered. The fake turns
 * it into the API objects that discovery reads.
 */

/** A container of a service's task definition. */
export interface LiveContainer {
  readonly name: string;
  readonly image: string;
  /** Port mappings; `name` and `appProtocol` left out as many real ones are. */
  readonly ports?: readonly {
    readonly containerPort: number;
    readonly name?: string;
    readonly appProtocol?: string;
  }[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly command?: readonly string[];
  readonly healthCheck?: readonly string[];
  /** Values from Secrets Manager or SSM (names only). */
  readonly secrets?: readonly string[];
  readonly essential?: boolean;
  /** The awslogs group of the container's logs. */
  readonly logGroup?: string;
}

/** How a service is reached through an internal load balancer. */
export interface LiveListenerRoute {
  /** The load balancer (of `LiveCluster.loadBalancers`). */
  readonly lb: string;
  readonly listenerPort: number;
  /** The listener forwards by default (no host or path), or by a rule with these conditions. */
  readonly host?: string;
  readonly path?: string;
  /** Alias records in the cluster's private zone that point at the load balancer. */
  readonly aliases?: readonly string[];
  /** The alias records are latency records (a set identifier and a region), as the AWS sample's. */
  readonly latency?: boolean;
  readonly protocol?: 'HTTP' | 'HTTPS' | 'TCP';
  readonly healthCheckPath?: string;
}

/** A resource of a stack: its logical ID in the service's own stack, or a stack and logical ID. */
export type LiveStackResource = string | { readonly stack: string; readonly logicalId: string };

/** The CloudFormation stack that made a service, and the logical IDs of what it holds of it. */
export interface LiveStack {
  readonly name: string;
  /** The AWS::ECS::Service's logical ID. */
  readonly service: string;
  readonly taskDefinition?: LiveStackResource;
  /** Its Cloud Map DNS service. */
  readonly registry?: LiveStackResource;
  /** Its internal load balancer's target group. */
  readonly targetGroup?: LiveStackResource;
  /** The alias record of its internal load balancer's name. */
  readonly record?: LiveStackResource;
  /** No tags at all on the service (ECS's tags not opted in): only DescribeStackResources finds its stack. */
  readonly untagged?: boolean;
  /** Copilot made the stack: its tags, which CloudFormation passes on to the service. */
  readonly copilot?: { readonly app: string; readonly env: string };
}

export interface LiveService {
  readonly name: string;
  /** The task definition's family (default: the service's name). */
  readonly family?: string;
  /** The stack that made it (default: none, the service carries its team's tag only). */
  readonly stack?: LiveStack;
  readonly desiredCount?: number;
  readonly cpu?: string;
  readonly memory?: string;
  readonly containers: readonly LiveContainer[];
  /** Registered in this Cloud Map DNS name (`name`.`namespace`), A records of the tasks. */
  readonly cloudMap?: { readonly namespace: string; readonly name: string };
  readonly internal?: LiveListenerRoute;
  /** Behind the public load balancer on this listener port. */
  readonly public?: { readonly lb: string; readonly listenerPort: number; readonly healthCheckPath?: string };
  /** How it is deployed (default: ECS's own rolling deployments). */
  readonly deploymentController?: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
  /** The container and port the load balancer or registry names (default: the first port mapping). */
  readonly target?: { readonly container: string; readonly port: number };
}

export interface LiveLoadBalancer {
  readonly name: string;
  readonly scheme: 'internal' | 'internet-facing';
  readonly type?: 'application' | 'network';
  /** Seconds; ALB default 60. */
  readonly idleTimeout?: number;
}

export interface LiveCluster {
  readonly cluster: string;
  readonly vpc: string;
  /** The private hosted zone of the load balancers' alias records. */
  readonly zone?: string;
  readonly loadBalancers?: readonly LiveLoadBalancer[];
  readonly services: readonly LiveService[];
  /** Names in a Cloud Map DNS namespace that something else registered. */
  readonly foreignNames?: readonly {
    readonly namespace: string;
    readonly name: string;
    readonly cluster?: string;
  }[];
  /** The cluster's default Service Connect namespace (an HTTP namespace that exists). */
  readonly defaultNamespace?: string;
  /** HTTP namespaces that exist, empty, without being the cluster's default (the AWS sample's `yelb.sc.internal`). */
  readonly httpNamespaces?: readonly string[];
  /** Log groups that exist. */
  readonly logGroups?: readonly string[];
}
