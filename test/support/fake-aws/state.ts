import { Topology } from '../../../lib/model/topology';

/**
 * The fake AWS's state, shared by the handlers of each service (one file per AWS API beside this
 * one) and the facade `FakeAws` (test/support/fake-aws.ts), which extends it.
 */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** A request the fake received. */
export interface RecordedRequest {
  readonly api: 'ecs' | 'cloudmap' | 'cloudformation' | 'elb' | 'route53' | 'logs';
  readonly operation: string;
  readonly input: any;
}

export interface FakeDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason?: string;
  runningCount: number;
  desiredCount: number;
  serviceConnectConfiguration?: any;
  taskDefinition?: string;
  createdAt: number;
}

export interface FakeService {
  name: string;
  cluster: string;
  desiredCount: number;
  deployments: FakeDeployment[];
  taskDefinition?: string;
  serviceRegistries: { registryArn: string; containerName?: string; containerPort?: number; port?: number }[];
  loadBalancers: {
    targetGroupArn: string;
    containerName: string;
    containerPort: number;
    advancedConfiguration?: any;
  }[];
  events: { id: string; createdAt: number; message: string }[];
  /** Requests until the PRIMARY deployment settles. */
  pollsLeft: number;
  deploymentController?: string;
  /** ECS's DeploymentConfiguration (strategy, bake time, alarms): absent parts mean ECS's defaults. */
  deploymentConfiguration?: any;
  /** The service deployments UpdateService started, oldest first, each with its service revision. */
  serviceDeployments?: {
    serviceDeploymentArn: string;
    targetServiceRevisionArn: string;
    createdAt: number;
  }[];
  /** The Service Connect endpoints (discovery names) the service has had, by namespace ARN. */
  endpoints?: Map<string, Set<string>>;
  /** Fail the next deployment (circuit breaker): how. */
  failNext?: 'visible' | 'instant';
  /** The rollback deployment that follows a failure: polls until it completes. */
  rollbackPollsLeft?: number;
  /** Its tags (DescribeServices with include TAGS): CloudFormation's aws: tags for a service a stack made. */
  tags?: { key: string; value: string }[];
}

export interface FakeNamespace {
  Id: string;
  Arn: string;
  Name: string;
  Type: 'HTTP' | 'DNS_PRIVATE';
  /** Cloud Map services in it, by name; a number counts down ListServices polls until it is gone. */
  services: Map<string, FakeCloudMapService>;
  /** A DNS namespace's private hosted zone, which Cloud Map created. */
  hostedZoneId?: string;
}

export interface FakeCloudMapService {
  id: string;
  drainPolls?: number;
  createDate: number;
}

export interface FakeTaskDefinition {
  arn: string;
  definition: any;
  tags: { key: string; value: string }[];
}

export interface FakeTargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  healthCheckPath?: string;
  loadBalancerArns: string[];
}

export interface FakeLoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  scheme: 'internal' | 'internet-facing';
  type: 'application' | 'network';
  idleTimeout: number;
  listeners: {
    arn: string;
    port: number;
    protocol: string;
    defaultTargetGroup?: string;
    rules: { arn: string; targetGroup: string; hosts?: string[]; paths?: string[] }[];
  }[];
}

export interface FakeZone {
  id: string;
  name: string;
  vpc: string;
  /** The service that created it in this account (Route 53's `LinkedService`): Cloud Map for a DNS namespace's. */
  linkedService?: string;
  records: { name: string; type: string; aliasTo?: string; values?: string[]; latencyRegion?: string }[];
}

/** Options of {@link FakeAws.seedYelb}. */
export interface SeedOptions {
  /** Service Connect already on for these services. */
  readonly serviceConnectOn?: readonly string[];
  /** The MigrationPhase output of the stack; no stack at all when `null`. */
  readonly phase?: string | null;
  readonly clusterName?: string;
  /** The system to seed; Yelb unless given (e.g. a generated topology of 24 services). */
  readonly topology?: Topology;
  /** The stack whose outputs name it. @default 'Yelb' */
  readonly stack?: string;
}

/** Everything the fake holds, and the helpers every API's handler uses. */
export class FakeState {
  readonly requests: RecordedRequest[] = [];
  /** Requests (of any kind: time passing) before a deployment settles. */
  pollsToStable = 3;
  /** ListServices answers before a deregistered Cloud Map service disappears. */
  pollsToDrain = 2;
  /** Items per page of the paged APIs the fake pages (ListServices of ECS, listeners, rules, records). */
  pageSize = 100;
  /** Milliseconds before each answer: a network and an API that take time, for the benchmark. */
  latencyMs = 0;
  /** Requests a blue/green, linear or canary deployment takes beyond a rolling one (its steps and bake). */
  gradualPolls = 0;
  /** Service revisions by ARN, as UpdateService records them (ListServiceDeployments, DescribeServiceRevisions). */
  readonly serviceRevisions = new Map<string, any>();
  readonly clusters = new Map<string, string>();
  readonly services = new Map<string, FakeService>();
  readonly namespaces: FakeNamespace[] = [];
  readonly stacks = new Map<string, Record<string, string>>();
  /** Templates by stack: a JSON value, or a text as it was written (YAML included). */
  readonly templates = new Map<string, unknown>();
  /** The resources of each stack, in template order, with their physical IDs. */
  readonly stackResources = new Map<string, { logicalId: string; physicalId: string; type: string }[]>();
  /** The values each stack's parameters were deployed with. */
  readonly stackParameters = new Map<string, Record<string, string>>();
  /** Each stack's tags (Copilot's `copilot-application` …). */
  readonly stackTags = new Map<string, Record<string, string>>();
  readonly taskDefinitions = new Map<string, FakeTaskDefinition>();
  readonly targetGroups = new Map<string, FakeTargetGroup>();
  readonly loadBalancers = new Map<string, FakeLoadBalancer>();
  readonly zones: FakeZone[] = [];
  readonly logGroups = new Set<string>();
  readonly operations = new Map<string, { namespaceId: string; polls: number }>();
  clusterDefaults = new Map<string, string>();
  throttles: { count: number; operation?: string } = { count: 0 };
  drops: { count: number; operation?: string } = { count: 0 };
  neverDrain = false;
  readonly denied = new Set<string>();
  /**
   * Instances of Cloud Map DNS services by service ID; deregistered ones by polls left; one that
   * `vanishes` is listed, then gone when it is deregistered (ECS deregistered it meanwhile).
   */
  readonly instances = new Map<
    string,
    Map<string, { deregisterPolls?: number; vanishes?: boolean; attributes?: Record<string, string> }>
  >();
  counter = 0;

  addNamespace(name: string, type: FakeNamespace['Type'] = 'HTTP'): FakeNamespace {
    const existing = this.namespaces.find((n) => n.Name === name);
    if (existing) return existing;
    const id = `ns-${name.replace(/\W/g, '')}`;
    const ns: FakeNamespace = {
      Id: id,
      Arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}`,
      Name: name,
      Type: type,
      services: new Map(),
    };
    this.namespaces.push(ns);
    return ns;
  }

  /** Registers instances in a Cloud Map DNS service (`srv-…`), as ECS does for its tasks. */
  registerInstances(
    serviceId: string,
    instanceIds: readonly string[],
    attributes?: Record<string, string>
  ): void {
    const registered = this.instances.get(serviceId) ?? new Map();
    for (const id of instanceIds) registered.set(id, { attributes });
    this.instances.set(serviceId, registered);
  }

  next(): number {
    this.counter += 1;
    return this.counter;
  }

  /** The fake's clock: a second per request, from a fixed start. */
  now(): number {
    return 1_700_000_000 + this.requests.length;
  }

  /** Records a resource of `stack` (its logical and physical IDs), as CloudFormation lists them. */
  addStackResource(stack: string, logicalId: string, physicalId: string, type: string): void {
    const resources = this.stackResources.get(stack) ?? [];
    resources.push({ logicalId, physicalId, type });
    this.stackResources.set(stack, resources);
  }

  cloudMapService(id: string): FakeCloudMapService {
    return { id, createDate: this.now() };
  }

  cloudMapArn(id: string): string {
    return `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${id}`;
  }

  dnsNamespace(name: string, vpc: string): FakeNamespace {
    const ns = this.addNamespace(name, 'DNS_PRIVATE');
    // Cloud Map's own hosted zone for the namespace, associated with the VPC, in this account.
    if (!ns.hostedZoneId) {
      ns.hostedZoneId = `Z${this.zones.length + 1}CLOUDMAP`;
      this.zones.push({
        id: ns.hostedZoneId,
        name,
        vpc,
        linkedService: 'servicediscovery.amazonaws.com',
        records: [],
      });
    }
    return ns;
  }

  registerTaskDefinition(definition: any, tags: FakeTaskDefinition['tags'] = []): FakeTaskDefinition {
    const revision =
      [...this.taskDefinitions.values()].filter((t) => t.definition.family === definition.family).length + 1;
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${definition.family}:${revision}`;
    const registered: FakeTaskDefinition = {
      arn,
      definition: { ...definition, taskDefinitionArn: arn, revision, status: 'ACTIVE' },
      tags,
    };
    this.taskDefinitions.set(arn, registered);
    return registered;
  }

  taskDefinitionNamed(reference: string): FakeTaskDefinition | undefined {
    const direct = this.taskDefinitions.get(reference);
    if (direct) return direct;
    const [family, revision] = reference.split('/').pop()!.split(':');
    const ofFamily = [...this.taskDefinitions.values()].filter((t) => t.definition.family === family);
    return revision
      ? ofFamily.find((t) => String(t.definition.revision) === revision)
      : ofFamily[ofFamily.length - 1];
  }

  deployment(
    status: 'PRIMARY' | 'ACTIVE',
    rollout: FakeDeployment['rolloutState'],
    count: number,
    config?: any,
    taskDefinition?: string
  ): FakeDeployment {
    this.counter += 1;
    return {
      id: `ecs-svc/${1000 + this.counter}`,
      status,
      rolloutState: rollout,
      runningCount: rollout === 'COMPLETED' ? count : 0,
      desiredCount: count,
      serviceConnectConfiguration: config,
      taskDefinition,
      createdAt: this.now(),
    };
  }

  serviceNamed(reference: string): FakeService | undefined {
    return this.services.get(reference.split('/').pop()!);
  }

  vpcOfLoadBalancers(): string {
    return this.zones[0]?.vpc ?? 'vpc-1';
  }

  /** One page of `items` from `token` (an index), with the next token when more follow. */
  page<T>(items: readonly T[], token: string | undefined, size: number, key: string, tokenKey: string) {
    const start = Number(token ?? 0);
    const next = start + size < items.length ? String(start + size) : undefined;
    return { [key]: items.slice(start, start + size), ...(next && { [tokenKey]: next }) };
  }
}
