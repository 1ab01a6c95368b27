import * as http from 'http';
import { AddressInfo } from 'net';
import { legacyEndpoint } from '../../lib/model/graph';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';
import { LiveCluster, LiveService } from './live-cluster';
import { XmlLists, toXml } from './xml';

/**
 * A small stateful stand-in for ECS, Cloud Map, CloudFormation, Elastic Load Balancing v2,
 * Route 53 and CloudWatch Logs on 127.0.0.1, speaking their wire protocols (JSON 1.1 for ECS,
 * Cloud Map and Logs; the query protocol with XML answers for CloudFormation and ELB; REST with
 * XML for Route 53), so that the real SDK clients can be driven end to end through
 * `AWS_ENDPOINT_URL_<SERVICE>`. Deployments become stable after a few polls; a service can be
 * told to fail its next deployment, requests can be throttled or their connections dropped. ECS
 * checks what the real one checks where the migration depends on it: a Service Connect port name
 * must be a named port mapping of the task definition deployed, and an endpoint's name and alias
 * must be free in the namespace.
 */

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** A request the fake received. */
export interface RecordedRequest {
  readonly api: 'ecs' | 'cloudmap' | 'cloudformation' | 'elb' | 'route53' | 'logs';
  readonly operation: string;
  readonly input: any;
}

interface FakeDeployment {
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

interface FakeService {
  name: string;
  cluster: string;
  desiredCount: number;
  deployments: FakeDeployment[];
  taskDefinition?: string;
  serviceRegistries: { registryArn: string; containerName?: string; containerPort?: number; port?: number }[];
  loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[];
  events: { id: string; createdAt: number; message: string }[];
  /** Requests until the PRIMARY deployment settles. */
  pollsLeft: number;
  deploymentController?: string;
  /** The Service Connect endpoints (discovery names) the service has had, by namespace ARN. */
  endpoints?: Map<string, Set<string>>;
  /** Fail the next deployment (circuit breaker): how. */
  failNext?: 'visible' | 'instant';
  /** The rollback deployment that follows a failure: polls until it completes. */
  rollbackPollsLeft?: number;
}

interface FakeNamespace {
  Id: string;
  Arn: string;
  Name: string;
  Type: 'HTTP' | 'DNS_PRIVATE';
  /** Cloud Map services in it, by name; a number counts down ListServices polls until it is gone. */
  services: Map<string, FakeCloudMapService>;
}

interface FakeCloudMapService {
  id: string;
  drainPolls?: number;
  createDate: number;
}

interface FakeTaskDefinition {
  arn: string;
  definition: any;
  tags: { key: string; value: string }[];
}

interface FakeTargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  healthCheckPath?: string;
  loadBalancerArns: string[];
}

interface FakeLoadBalancer {
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

interface FakeZone {
  id: string;
  name: string;
  vpc: string;
  owner?: string;
  records: { name: string; type: string; aliasTo?: string; values?: string[] }[];
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

export class FakeAws {
  readonly requests: RecordedRequest[] = [];
  /** Requests (of any kind: time passing) before a deployment settles. */
  pollsToStable = 3;
  /** ListServices answers before a deregistered Cloud Map service disappears. */
  pollsToDrain = 2;
  /** Items per page of the paged APIs the fake pages (ListServices of ECS, listeners, rules, records). */
  pageSize = 100;
  /** Milliseconds before each answer: a network and an API that take time, for the benchmark. */
  latencyMs = 0;
  private readonly clusters = new Map<string, string>();
  private readonly services = new Map<string, FakeService>();
  private readonly namespaces: FakeNamespace[] = [];
  private readonly stacks = new Map<string, Record<string, string>>();
  private readonly templates = new Map<string, unknown>();
  private readonly taskDefinitions = new Map<string, FakeTaskDefinition>();
  private readonly targetGroups = new Map<string, FakeTargetGroup>();
  private readonly loadBalancers = new Map<string, FakeLoadBalancer>();
  private readonly zones: FakeZone[] = [];
  private readonly logGroups = new Set<string>();
  private readonly operations = new Map<string, { namespaceId: string; polls: number }>();
  private clusterDefaults = new Map<string, string>();
  private throttles: { count: number; operation?: string } = { count: 0 };
  private drops: { count: number; operation?: string } = { count: 0 };
  private neverDrain = false;
  private readonly denied = new Set<string>();
  /**
   * Instances of Cloud Map DNS services by service ID; deregistered ones by polls left; one that
   * `vanishes` is listed, then gone when it is deregistered (ECS deregistered it meanwhile).
   */
  private readonly instances = new Map<
    string,
    Map<string, { deregisterPolls?: number; vanishes?: boolean; attributes?: Record<string, string> }>
  >();
  private counter = 0;
  private server?: http.Server;

  /** Starts listening on 127.0.0.1 and returns the endpoint URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The environment that points the SDK at this fake. */
  env(endpoint: string): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_ECS: endpoint,
      AWS_ENDPOINT_URL_SERVICEDISCOVERY: endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: endpoint,
      AWS_ENDPOINT_URL_ROUTE_53: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** The Yelb system as the CDK app deploys it, in the discovery phase unless told otherwise. */
  seedYelb(options: SeedOptions = {}): void {
    const topology = options.topology ?? YELB;
    const cluster = options.clusterName ?? topology.clusterName;
    this.clusters.set(cluster, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`);
    const ns = this.addNamespace(topology.serviceConnectNamespace);
    if (topology.logGroupName) this.logGroups.add(topology.logGroupName);
    // The services as the CDK app deploys them, from the same model.
    for (const spec of topology.services) {
      const name = spec.name;
      const count = spec.desiredCount ?? 1;
      const clientServer = legacyEndpoint(topology, spec) !== undefined;
      const on = options.serviceConnectOn?.includes(name);
      const config = on
        ? {
            enabled: true,
            namespace: ns.Arn,
            services: clientServer
              ? [
                  {
                    portName: spec.portName,
                    discoveryName: spec.portName,
                    clientAliases: [{ port: spec.port, dnsName: `${name}.x` }],
                  },
                ]
              : undefined,
          }
        : undefined;
      const taskDefinition = this.registerTaskDefinition({
        family: name,
        containerDefinitions: [
          {
            name: spec.container ?? name,
            image: spec.image ?? 'example/app:1',
            essential: true,
            portMappings:
              spec.port === undefined
                ? []
                : [
                    {
                      containerPort: spec.port,
                      protocol: 'tcp',
                      name: spec.portName,
                      ...(spec.appProtocol && { appProtocol: spec.appProtocol }),
                    },
                  ],
          },
        ],
      }).arn;
      this.services.set(name, {
        name,
        cluster,
        desiredCount: count,
        taskDefinition,
        deployments: [this.deployment('PRIMARY', 'COMPLETED', count, config, taskDefinition)],
        serviceRegistries:
          spec.legacyDiscovery.kind === 'cloudMapDns'
            ? [{ registryArn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-${name}` }]
            : [],
        loadBalancers:
          spec.legacyDiscovery.kind === 'internalAlb' || spec.publicEntry
            ? [
                {
                  targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/1`,
                  containerName: name,
                  containerPort: spec.port!,
                },
              ]
            : [],
        events: [
          { id: 'e0', createdAt: 1_700_000_000, message: `(service ${name}) has reached a steady state.` },
        ],
        pollsLeft: 0,
      });
      if (on && clientServer)
        ns.services.set(spec.portName!, this.cloudMapService(`srv-sc-${spec.portName}`));
    }
    if (options.phase !== null) {
      this.stacks.set(options.stack ?? 'Yelb', {
        ClusterName: cluster,
        LogGroupName: topology.logGroupName ?? '',
        MigrationPhase: options.phase ?? 'discovery',
        ServiceConnectNamespaceName: ns.Name,
        ServiceConnectNamespaceId: ns.Id,
        ServiceConnectNamespaceArn: ns.Arn,
      });
    }
  }

  /**
   * A cluster as a team runs it (see {@link LiveCluster}): task definitions as they are (ports
   * without names included), Cloud Map DNS services with the tasks' instances, load balancers
   * with listeners, rules and alias records in a private zone. No stack: it was not made by this
   * project's CDK app.
   */
  seedCluster(live: LiveCluster): void {
    const cluster = live.cluster;
    this.clusters.set(cluster, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`);
    for (const group of live.logGroups ?? []) this.logGroups.add(group);
    if (live.defaultNamespace)
      this.clusterDefaults.set(cluster, this.addNamespace(live.defaultNamespace).Arn);
    const zone: FakeZone | undefined = live.zone
      ? { id: `Z${this.zones.length + 1}PRIVATE`, name: live.zone, vpc: live.vpc, records: [] }
      : undefined;
    if (zone) this.zones.push(zone);
    // A zone Cloud Map manages for a DNS namespace is associated with the VPC too; discovery skips it.
    for (const lb of live.loadBalancers ?? []) {
      const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${lb.type === 'network' ? 'net' : 'app'}/${lb.name}/${this.next()}`;
      this.loadBalancers.set(arn, {
        arn,
        name: lb.name,
        dnsName: `${lb.scheme === 'internal' ? 'internal-' : ''}${lb.name}-${1000 + this.counter}.${REGION}.elb.amazonaws.com`,
        scheme: lb.scheme,
        type: lb.type ?? 'application',
        idleTimeout: lb.idleTimeout ?? 60,
        listeners: [],
      });
    }
    for (const svc of live.services) this.seedLiveService(live, svc, zone);
    for (const foreign of live.foreignNames ?? []) {
      const ns = this.dnsNamespace(foreign.namespace, live.vpc);
      const cm = this.cloudMapService(`srv-${foreign.name}-${this.next()}`);
      ns.services.set(foreign.name, cm);
      this.registerInstances(cm.id, [`i-${foreign.name}`], {
        ...(foreign.cluster && { ECS_CLUSTER_NAME: foreign.cluster, ECS_SERVICE_NAME: foreign.name }),
        AWS_INSTANCE_IPV4: '10.0.9.9',
      });
    }
  }

  private seedLiveService(live: LiveCluster, svc: LiveService, zone: FakeZone | undefined): void {
    const count = svc.desiredCount ?? 1;
    // As CloudFormation made it: its own aws: tags beside the team's.
    const cfnTags = [
      { key: 'aws:cloudformation:stack-name', value: live.cluster },
      { key: 'team', value: live.cluster },
    ];
    const { arn: taskDefinition } = this.registerTaskDefinition(
      {
        family: svc.name,
        cpu: svc.cpu ?? '256',
        memory: svc.memory ?? '512',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${svc.name}-execution`,
        containerDefinitions: svc.containers.map((c) => ({
          name: c.name,
          image: c.image,
          essential: c.essential ?? true,
          portMappings: (c.ports ?? []).map((p) => ({
            containerPort: p.containerPort,
            hostPort: p.containerPort,
            protocol: 'tcp',
            ...(p.name && { name: p.name }),
            ...(p.appProtocol && { appProtocol: p.appProtocol }),
          })),
          environment: Object.entries(c.environment ?? {}).map(([name, value]) => ({ name, value })),
          ...(c.command && { command: [...c.command] }),
          ...(c.healthCheck && {
            healthCheck: {
              command: [...c.healthCheck],
              interval: 30,
              timeout: 5,
              retries: 3,
              startPeriod: 10,
            },
          }),
          ...(c.secrets && {
            secrets: c.secrets.map((name) => ({
              name,
              valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name}`,
            })),
          }),
          ...(c.logGroup && {
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': c.logGroup,
                'awslogs-region': REGION,
                'awslogs-stream-prefix': c.name,
              },
            },
          }),
        })),
      },
      cfnTags
    );
    const served = svc.target ?? {
      container: svc.containers.find((c) => (c.ports ?? []).length > 0)?.name ?? svc.containers[0].name,
      port: svc.containers.flatMap((c) => c.ports ?? [])[0]?.containerPort ?? 0,
    };
    const registries: FakeService['serviceRegistries'] = [];
    if (svc.cloudMap) {
      const ns = this.dnsNamespace(svc.cloudMap.namespace, live.vpc);
      const cm = this.cloudMapService(`srv-${svc.name}-${this.next()}`);
      ns.services.set(svc.cloudMap.name, cm);
      registries.push({ registryArn: this.cloudMapArn(cm.id) });
    }
    const loadBalancers: FakeService['loadBalancers'] = [];
    for (const route of [svc.internal, svc.public && { ...svc.public, protocol: 'HTTP' as const }]) {
      if (!route) continue;
      const lb = [...this.loadBalancers.values()].find((l) => l.name === route.lb);
      if (!lb) throw new Error(`fake: no load balancer '${route.lb}' in the cluster's description`);
      const protocol =
        'protocol' in route && route.protocol ? route.protocol : lb.type === 'network' ? 'TCP' : 'HTTP';
      const tgName = `${svc.name}-${route.listenerPort}`.slice(0, 32);
      const tg: FakeTargetGroup = {
        arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${tgName}/${this.next()}`,
        name: tgName,
        protocol,
        port: served.port,
        ...(protocol === 'HTTP' && { healthCheckPath: route.healthCheckPath ?? '/' }),
        loadBalancerArns: [lb.arn],
      };
      this.targetGroups.set(tg.arn, tg);
      let listener = lb.listeners.find((l) => l.port === route.listenerPort);
      if (!listener) {
        listener = {
          arn: `${lb.arn.replace(':loadbalancer/', ':listener/')}/${this.next()}`,
          port: route.listenerPort,
          protocol,
          rules: [],
        };
        lb.listeners.push(listener);
      }
      const host = 'host' in route ? route.host : undefined;
      const path = 'path' in route ? route.path : undefined;
      if (host || path) {
        listener.rules.push({
          arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${this.next()}`,
          targetGroup: tg.arn,
          ...(host && { hosts: [host] }),
          ...(path && { paths: [path] }),
        });
      } else {
        listener.defaultTargetGroup = tg.arn;
      }
      for (const alias of ('aliases' in route ? route.aliases : undefined) ?? []) {
        if (!zone) throw new Error('fake: alias records need the cluster description to name its zone');
        if (!zone.records.some((r) => r.name === `${alias}.`))
          zone.records.push({ name: `${alias}.`, type: 'A', aliasTo: `dualstack.${lb.dnsName}.` });
      }
      loadBalancers.push({
        targetGroupArn: tg.arn,
        containerName: served.container,
        containerPort: served.port,
      });
    }
    this.services.set(svc.name, {
      name: svc.name,
      cluster: live.cluster,
      desiredCount: count,
      taskDefinition,
      deployments: [this.deployment('PRIMARY', 'COMPLETED', count, undefined, taskDefinition)],
      serviceRegistries: registries,
      loadBalancers,
      deploymentController: svc.deploymentController,
      events: [
        { id: 'e0', createdAt: 1_700_000_000, message: `(service ${svc.name}) has reached a steady state.` },
      ],
      pollsLeft: 0,
    });
    this.syncInstances(this.services.get(svc.name)!);
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

  /** `instanceId` is listed, and gone (InstanceNotFound) when it is deregistered: ECS was faster. */
  vanishOnDeregister(serviceId: string, instanceId: string): void {
    this.instances.get(serviceId)!.get(instanceId)!.vanishes = true;
  }

  /** IDs of the instances registered in a Cloud Map service. */
  instanceIds(serviceId: string): string[] {
    return [...(this.instances.get(serviceId)?.keys() ?? [])].sort();
  }

  /** Deploys `template` as stack `name`: GetTemplate returns it. */
  setStackTemplate(name: string, template: unknown): void {
    this.templates.set(name, template);
  }

  /** Sets (or replaces) a stack's outputs. */
  setStackOutputs(stack: string, outputs: Record<string, string>): void {
    this.stacks.set(stack, outputs);
  }

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

  /** The next deployment of `service` fails and is rolled back by the circuit breaker. */
  failNextDeployment(service: string, how: 'visible' | 'instant' = 'visible'): void {
    this.services.get(service)!.failNext = how;
  }

  /** The next `count` requests (of `operation`, or any) answer ThrottlingException. */
  throttle(count: number, operation?: string): void {
    this.throttles = { count, operation };
  }

  /** Every request of `operation` is denied (AccessDenied), as for a role without the permission. */
  deny(operation: string): void {
    this.denied.add(operation);
  }

  /** The next `count` requests (of `operation`, or any) lose their connection. */
  dropConnections(count: number, operation?: string): void {
    this.drops = { count, operation };
  }

  /** Deregistered Cloud Map services never go away. */
  stopDraining(): void {
    this.neverDrain = true;
  }

  /** The live Service Connect state of a service: on or off. */
  serviceConnectOf(service: string): 'on' | 'off' {
    const primary = this.services.get(service)!.deployments.find((d) => d.status === 'PRIMARY');
    return primary?.serviceConnectConfiguration?.enabled ? 'on' : 'off';
  }

  /** What a service runs: its task definition (with its port mappings) and what it is attached to. */
  serviceOf(service: string): {
    taskDefinition: string;
    portMappings: any[];
    registries: string[];
    targetGroups: string[];
    deployments: number;
  } {
    const svc = this.services.get(service)!;
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    const td = this.taskDefinitions.get(primary.taskDefinition ?? svc.taskDefinition ?? '');
    return {
      taskDefinition: primary.taskDefinition ?? '',
      portMappings: (td?.definition.containerDefinitions ?? []).flatMap((c: any) => c.portMappings ?? []),
      registries: svc.serviceRegistries.map((r) => r.registryArn),
      targetGroups: svc.loadBalancers.map((l) => l.targetGroupArn),
      deployments: this.requests.filter((r) => r.operation === 'UpdateService' && r.input.service === service)
        .length,
    };
  }

  /** A task definition as registered (`family:revision` or its ARN). */
  taskDefinitionOf(reference: string): any {
    return this.taskDefinitionNamed(reference)?.definition;
  }

  /** Names of the Cloud Map services in a namespace. */
  namespaceServiceNames(name = 'yelb.sc.internal'): string[] {
    return [...(this.namespaces.find((n) => n.Name === name)?.services.keys() ?? [])].sort();
  }

  /** Whether a namespace exists (of any type). */
  hasNamespace(name: string): boolean {
    return this.namespaces.some((n) => n.Name === name);
  }

  /** The UpdateService requests, in order: service and whether they turn Service Connect on. */
  updates(): { service: string; enabled: boolean }[] {
    return this.requests
      .filter((r) => r.operation === 'UpdateService')
      .map((r) => ({
        service: r.input.service,
        enabled: r.input.serviceConnectConfiguration?.enabled === true,
      }));
  }

  /** Requests that change something (anything but reads). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => !/^(Describe|List|Get)/.test(r.operation));
  }

  private next(): number {
    this.counter += 1;
    return this.counter;
  }

  /** The fake's clock: a second per request, from a fixed start. */
  private now(): number {
    return 1_700_000_000 + this.requests.length;
  }

  private cloudMapService(id: string): FakeCloudMapService {
    return { id, createDate: this.now() };
  }

  private cloudMapArn(id: string): string {
    return `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${id}`;
  }

  private dnsNamespace(name: string, vpc: string): FakeNamespace {
    const ns = this.addNamespace(name, 'DNS_PRIVATE');
    // Cloud Map's own hosted zone for the namespace, associated with the VPC.
    if (!this.zones.some((z) => z.name === name))
      this.zones.push({
        id: `Z${this.zones.length + 1}CLOUDMAP`,
        name,
        vpc,
        owner: 'servicediscovery.amazonaws.com',
        records: [],
      });
    return ns;
  }

  private registerTaskDefinition(definition: any, tags: FakeTaskDefinition['tags'] = []): FakeTaskDefinition {
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

  private taskDefinitionNamed(reference: string): FakeTaskDefinition | undefined {
    const direct = this.taskDefinitions.get(reference);
    if (direct) return direct;
    const [family, revision] = reference.split('/').pop()!.split(':');
    const ofFamily = [...this.taskDefinitions.values()].filter((t) => t.definition.family === family);
    return revision
      ? ofFamily.find((t) => String(t.definition.revision) === revision)
      : ofFamily[ofFamily.length - 1];
  }

  private deployment(
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

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () =>
      this.latencyMs > 0
        ? setTimeout(() => this.answer(req, res, body), this.latencyMs)
        : this.answer(req, res, body)
    );
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(new URLSearchParams(body));
    const [api, operation, input]: [RecordedRequest['api'], string, any] = target.startsWith(
      'AmazonEC2ContainerServiceV20141113.'
    )
      ? ['ecs', target.split('.')[1], JSON.parse(body || '{}')]
      : target.startsWith('Route53AutoNaming_v20170314.')
        ? ['cloudmap', target.split('.')[1], JSON.parse(body || '{}')]
        : target.startsWith('Logs_20140328.')
          ? ['logs', target.split('.')[1], JSON.parse(body || '{}')]
          : url.pathname.startsWith('/2013-04-01/')
            ? [
                'route53',
                route53Operation(url.pathname),
                { path: url.pathname, ...Object.fromEntries(url.searchParams) },
              ]
            : query.Version === '2015-12-01'
              ? ['elb', query.Action ?? '', query]
              : ['cloudformation', query.Action ?? '', query];

    if (this.drops.count > 0 && (!this.drops.operation || this.drops.operation === operation)) {
      this.drops.count -= 1;
      req.socket.destroy();
      return;
    }
    this.requests.push({ api, operation, input });
    // Time passes with every request: deployments move on, as real ones do between polls.
    for (const svc of this.services.values()) this.advance(svc);
    const xml = api === 'cloudformation' || api === 'elb' || api === 'route53';
    if (this.throttles.count > 0 && (!this.throttles.operation || this.throttles.operation === operation)) {
      this.throttles.count -= 1;
      return xml
        ? this.xmlError(res, 400, 'Throttling', 'Rate exceeded')
        : this.jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
    }
    if (this.denied.has(operation)) {
      const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/migrate/me is not authorized to perform: ${operation}`;
      return xml
        ? this.xmlError(res, 403, 'AccessDenied', message)
        : this.jsonError(res, 400, 'AccessDeniedException', message);
    }
    try {
      if (api === 'ecs') return this.json(res, this.ecs(operation, input));
      if (api === 'cloudmap') return this.json(res, this.cloudMap(operation, input));
      if (api === 'logs') return this.json(res, this.logs(operation, input));
      if (api === 'elb')
        return this.xml(
          res,
          operation,
          this.elb(operation, input),
          'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/'
        );
      if (api === 'route53') return this.route53(res, operation, input);
      return this.cloudFormation(res, operation, input);
    } catch (err) {
      const e = err as { code?: string; message: string };
      return xml
        ? this.xmlError(res, 400, e.code ?? 'ValidationError', e.message)
        : this.jsonError(res, 400, e.code ?? 'InvalidParameterException', e.message);
    }
  }

  private serviceNamed(reference: string): FakeService | undefined {
    return this.services.get(reference.split('/').pop()!);
  }

  private ecs(operation: string, input: any): unknown {
    switch (operation) {
      case 'DescribeClusters':
        return {
          clusters: input.clusters
            .filter((c: string) => this.clusters.has(c))
            .map((c: string) => ({
              clusterName: c,
              clusterArn: this.clusters.get(c),
              status: 'ACTIVE',
              ...(this.clusterDefaults.has(c) && {
                serviceConnectDefaults: { namespace: this.clusterDefaults.get(c) },
              }),
            })),
          failures: input.clusters
            .filter((c: string) => !this.clusters.has(c))
            .map((c: string) => ({
              arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${c}`,
              reason: 'MISSING',
            })),
        };
      case 'ListServices': {
        if (!this.clusters.has(input.cluster))
          throw Object.assign(new Error('Cluster not found.'), { code: 'ClusterNotFoundException' });
        const arns = [...this.services.values()]
          .filter((s) => s.cluster === input.cluster)
          .map((s) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${s.name}`);
        return this.page(
          arns,
          input.nextToken,
          Math.min(input.maxResults ?? 10, this.pageSize),
          'serviceArns',
          'nextToken'
        );
      }
      case 'DescribeServices': {
        // As ECS: at most 10 services per call.
        if (input.services.length > 10)
          throw Object.assign(new Error('services can have at most 10 items.'), {
            code: 'InvalidParameterException',
          });
        if (!this.clusters.has(input.cluster))
          throw Object.assign(new Error('Cluster not found.'), { code: 'ClusterNotFoundException' });
        const found = input.services.filter((s: string) => this.serviceNamed(s));
        return {
          services: found.map((s: string) => this.render(this.serviceNamed(s)!, input.cluster)),
          failures: input.services
            .filter((s: string) => !this.serviceNamed(s))
            .map((s: string) => ({
              arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${s}`,
              reason: 'MISSING',
            })),
        };
      }
      case 'DescribeTaskDefinition': {
        const td = this.taskDefinitionNamed(input.taskDefinition);
        if (!td)
          throw Object.assign(new Error('Unable to describe task definition.'), { code: 'ClientException' });
        return { taskDefinition: td.definition, ...(input.include?.includes('TAGS') && { tags: td.tags }) };
      }
      case 'RegisterTaskDefinition': {
        const { tags, ...definition } = input;
        if ((tags ?? []).some((t: any) => /^aws:/i.test(t.key)))
          throw Object.assign(new Error('Tag keys with the aws: prefix are reserved.'), {
            code: 'InvalidParameterException',
          });
        for (const c of definition.containerDefinitions ?? [])
          for (const m of c.portMappings ?? [])
            if (m.appProtocol && !m.name)
              throw Object.assign(new Error('appProtocol needs a port mapping name.'), {
                code: 'ClientException',
              });
        return { taskDefinition: this.registerTaskDefinition(definition, tags ?? []).definition, tags };
      }
      case 'UpdateService': {
        const svc = this.serviceNamed(input.service);
        if (!svc || !this.clusters.has(input.cluster))
          throw Object.assign(new Error('Service not found.'), { code: 'ServiceNotFoundException' });
        const current = svc.deployments.find((d) => d.status === 'PRIMARY');
        const taskDefinition = input.taskDefinition
          ? this.taskDefinitionNamed(input.taskDefinition)
          : undefined;
        if (input.taskDefinition && !taskDefinition)
          throw Object.assign(new Error('TaskDefinition not found.'), { code: 'ClientException' });
        const tdArn = taskDefinition?.arn ?? current?.taskDefinition ?? svc.taskDefinition;
        // Left out, the Service Connect configuration stays as it is (as ECS does).
        const config =
          input.serviceConnectConfiguration === undefined
            ? current?.serviceConnectConfiguration
            : this.reported(input.serviceConnectConfiguration, svc, tdArn);
        if (input.serviceRegistries) svc.serviceRegistries = input.serviceRegistries;
        if (input.loadBalancers) svc.loadBalancers = input.loadBalancers;
        svc.taskDefinition = tdArn;
        for (const d of svc.deployments) d.status = 'ACTIVE';
        svc.deployments.unshift(this.deployment('PRIMARY', 'IN_PROGRESS', svc.desiredCount, config, tdArn));
        svc.pollsLeft = this.pollsToStable;
        return { service: this.render(svc, input.cluster) };
      }
      default:
        throw new Error(`fake ECS does not implement ${operation}`);
    }
  }

  /**
   * The configuration as ECS reports it back: namespace as ARN, discoveryName filled in. Refused as
   * ECS refuses it: a port name that is not a named port mapping of the task definition, an
   * endpoint name or client alias that another service already has in the namespace.
   */
  private reported(config: any, svc?: FakeService, taskDefinitionArn?: string): any {
    if (!config?.enabled) return { enabled: false };
    const ns = this.namespaces.find((n) => n.Name === config.namespace || n.Arn === config.namespace);
    if (!ns)
      throw Object.assign(new Error(`Namespace ${config.namespace} not found.`), {
        code: 'NamespaceNotFoundException',
      });
    const td = taskDefinitionArn ? this.taskDefinitions.get(taskDefinitionArn) : undefined;
    const names = (td?.definition.containerDefinitions ?? []).flatMap((c: any) =>
      (c.portMappings ?? []).map((m: any) => m.name).filter(Boolean)
    );
    for (const entry of config.services ?? []) {
      if (td && !names.includes(entry.portName))
        throw Object.assign(
          new Error(
            `The portName ${entry.portName} is not found in any container's portMappings of ${td.arn}.`
          ),
          { code: 'InvalidParameterException' }
        );
      const name = entry.discoveryName ?? entry.portName;
      for (const other of this.services.values()) {
        if (other === svc) continue;
        const theirs = other.deployments.find((d) => d.status === 'PRIMARY')?.serviceConnectConfiguration;
        if (!theirs?.enabled || theirs.namespace !== ns.Arn) continue;
        for (const e of theirs.services ?? []) {
          if (e.discoveryName === name)
            throw Object.assign(
              new Error(`discoveryName ${name} is already used in the namespace by ${other.name}.`),
              {
                code: 'InvalidParameterException',
              }
            );
          for (const a of e.clientAliases ?? [])
            if ((entry.clientAliases ?? []).some((b: any) => b.dnsName === a.dnsName && b.port === a.port))
              throw Object.assign(
                new Error(`clientAlias ${a.dnsName}:${a.port} is already used in the namespace.`),
                {
                  code: 'InvalidParameterException',
                }
              );
        }
      }
    }
    return {
      ...config,
      namespace: ns.Arn,
      ...(config.services?.length
        ? {
            services: config.services.map((s: any) => ({
              ...s,
              discoveryName: s.discoveryName ?? s.portName,
            })),
          }
        : { services: undefined }),
      logConfiguration: config.logConfiguration
        ? { ...config.logConfiguration, secretOptions: [] }
        : undefined,
    };
  }

  /** One DescribeServices poll passes for a service. */
  private advance(svc: FakeService): void {
    if (svc.rollbackPollsLeft !== undefined) {
      svc.rollbackPollsLeft -= 1;
      if (svc.rollbackPollsLeft <= 0) this.settle(svc, 'rolled back');
      return;
    }
    if (svc.pollsLeft <= 0) return;
    svc.pollsLeft -= 1;
    const primary = svc.deployments[0];
    primary.runningCount = Math.min(svc.desiredCount, primary.runningCount + 1);
    if (svc.pollsLeft > 0) return;
    if (svc.failNext) {
      const how = svc.failNext;
      svc.failNext = undefined;
      primary.status = 'ACTIVE';
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      const previous = svc.deployments[1];
      const rollback = this.deployment(
        'PRIMARY',
        'IN_PROGRESS',
        svc.desiredCount,
        previous?.serviceConnectConfiguration,
        previous?.taskDefinition
      );
      svc.deployments.unshift(rollback);
      svc.events.unshift({
        id: `e${this.counter}`,
        createdAt: 1_700_000_100,
        message: `(service ${svc.name}) deployment ${primary.id} deployment failed: tasks failed to start.`,
      });
      svc.rollbackPollsLeft = how === 'instant' ? 0 : 2;
      if (how === 'instant') this.settle(svc, 'rolled back');
      return;
    }
    this.settle(svc, 'completed');
  }

  /** The PRIMARY deployment completes; the others go; Cloud Map follows its configuration. */
  private settle(svc: FakeService, how: string): void {
    svc.rollbackPollsLeft = undefined;
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    primary.rolloutState = 'COMPLETED';
    primary.runningCount = svc.desiredCount;
    svc.deployments = [primary];
    svc.taskDefinition = primary.taskDefinition ?? svc.taskDefinition;
    svc.events.unshift({
      id: `e${this.counter}`,
      createdAt: 1_700_000_200,
      message: `(service ${svc.name}) has reached a steady state (${how}).`,
    });
    const config = primary.serviceConnectConfiguration;
    svc.endpoints ??= new Map();
    for (const ns of this.namespaces) {
      const names: string[] =
        config?.enabled && config.namespace === ns.Arn
          ? (config.services ?? []).map((s: any) => s.discoveryName)
          : [];
      const had = svc.endpoints.get(ns.Arn) ?? new Set<string>();
      for (const name of names) {
        const existing = ns.services.get(name);
        if (!existing || existing.drainPolls !== undefined)
          ns.services.set(name, this.cloudMapService(`srv-sc-${name}`));
        had.add(name);
      }
      // Endpoints this service no longer has: ECS removes their Cloud Map services.
      for (const name of [...had].filter((n) => !names.includes(n))) {
        const s = ns.services.get(name);
        if (s && s.drainPolls === undefined) s.drainPolls = this.pollsToDrain;
        had.delete(name);
      }
      // Seeded endpoints (seedYelb) are named after the service.
      if (
        !names.includes(svc.name) &&
        ns.services.get(svc.name)?.drainPolls === undefined &&
        ns.Type === 'HTTP'
      )
        if (ns.services.has(svc.name)) ns.services.get(svc.name)!.drainPolls = this.pollsToDrain;
      svc.endpoints.set(ns.Arn, had);
    }
    this.syncInstances(svc);
  }

  /** The tasks' instances in the Cloud Map DNS services the service is registered in, and only there. */
  private syncInstances(svc: FakeService): void {
    const attached = new Set(svc.serviceRegistries.map((r) => r.registryArn.split('/').pop()!));
    for (const ns of this.namespaces.filter((n) => n.Type === 'DNS_PRIVATE')) {
      for (const cm of ns.services.values()) {
        const registered = this.instances.get(cm.id) ?? new Map();
        const ours = [...registered.keys()].filter((id) => id.startsWith(`${svc.name}-task-`));
        if (attached.has(cm.id)) {
          for (let i = 1; i <= svc.desiredCount; i += 1)
            registered.set(`${svc.name}-task-${i}`, {
              attributes: {
                ECS_CLUSTER_NAME: svc.cluster,
                ECS_SERVICE_NAME: svc.name,
                AWS_INSTANCE_IPV4: `10.0.1.${i}`,
              },
            });
        } else {
          for (const id of ours) registered.delete(id);
        }
        this.instances.set(cm.id, registered);
      }
    }
  }

  private render(svc: FakeService, cluster: string): unknown {
    return {
      serviceName: svc.name,
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${svc.name}`,
      clusterArn: this.clusters.get(cluster),
      status: 'ACTIVE',
      launchType: 'FARGATE',
      deploymentController: { type: svc.deploymentController ?? 'ECS' },
      desiredCount: svc.desiredCount,
      runningCount: svc.deployments.find((d) => d.status === 'PRIMARY')?.runningCount ?? 0,
      pendingCount: 0,
      taskDefinition:
        svc.deployments.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? svc.taskDefinition,
      serviceRegistries: svc.serviceRegistries,
      loadBalancers: svc.loadBalancers,
      deployments: svc.deployments.map((d) => ({ ...d, updatedAt: d.createdAt })),
      events: svc.events.slice(0, 10),
    };
  }

  private cloudMap(operation: string, input: any): unknown {
    switch (operation) {
      case 'ListNamespaces': {
        const nameFilter = input.Filters?.find((f: any) => f.Name === 'NAME');
        return {
          Namespaces: this.namespaces
            .filter((n) => !nameFilter || nameFilter.Values.includes(n.Name))
            .map((n) => ({ Id: n.Id, Arn: n.Arn, Name: n.Name, Type: n.Type })),
        };
      }
      case 'GetNamespace': {
        const ns = this.namespaces.find((n) => n.Id === input.Id);
        if (!ns)
          throw Object.assign(new Error(`Namespace ${input.Id} not found`), { code: 'NamespaceNotFound' });
        return { Namespace: { Id: ns.Id, Arn: ns.Arn, Name: ns.Name, Type: ns.Type } };
      }
      case 'CreateHttpNamespace': {
        if (this.namespaces.some((n) => n.Name === input.Name))
          throw Object.assign(new Error(`Namespace ${input.Name} already exists`), {
            code: 'NamespaceAlreadyExists',
          });
        const ns = this.addNamespace(input.Name);
        const id = `op-${ns.Id}`;
        this.operations.set(id, { namespaceId: ns.Id, polls: 1 });
        return { OperationId: id };
      }
      case 'GetOperation': {
        const op = this.operations.get(input.OperationId);
        if (!op) throw Object.assign(new Error('Operation not found'), { code: 'OperationNotFound' });
        op.polls -= 1;
        return {
          Operation: {
            Id: input.OperationId,
            Type: 'CREATE_NAMESPACE',
            Status: op.polls < 0 ? 'SUCCESS' : 'PENDING',
            Targets: { NAMESPACE: op.namespaceId },
          },
        };
      }
      case 'GetService': {
        for (const ns of this.namespaces) {
          for (const [name, s] of ns.services) {
            if (s.id !== input.Id) continue;
            return {
              Service: {
                Id: s.id,
                Arn: this.cloudMapArn(s.id),
                Name: name,
                NamespaceId: ns.Id,
                CreateDate: s.createDate,
                ...(ns.Type === 'DNS_PRIVATE' && {
                  DnsConfig: {
                    NamespaceId: ns.Id,
                    RoutingPolicy: 'MULTIVALUE',
                    DnsRecords: [{ Type: 'A', TTL: 10 }],
                  },
                }),
              },
            };
          }
        }
        throw Object.assign(new Error(`Service ${input.Id} not found`), { code: 'ServiceNotFound' });
      }
      case 'ListServices': {
        const id = input.Filters?.find((f: any) => f.Name === 'NAMESPACE_ID')?.Values?.[0];
        const ns = this.namespaces.find((n) => n.Id === id);
        // A namespace that is gone: the code treats it as empty (the one error it accepts).
        if (!ns) throw Object.assign(new Error(`Namespace ${id} not found`), { code: 'NamespaceNotFound' });
        for (const [name, s] of ns.services) {
          if (s.drainPolls === undefined || this.neverDrain) continue;
          s.drainPolls -= 1;
          if (s.drainPolls < 0) ns.services.delete(name);
        }
        return {
          Services: [...ns.services].map(([name, s]) => ({
            Id: s.id,
            Arn: this.cloudMapArn(s.id),
            Name: name,
            InstanceCount: ns.Type === 'HTTP' ? 1 : (this.instances.get(s.id)?.size ?? 0),
            CreateDate: s.createDate,
          })),
        };
      }
      case 'ListInstances': {
        const registered = this.instances.get(input.ServiceId);
        if (!registered) {
          const known = this.namespaces.some((n) =>
            [...n.services.values()].some((s) => s.id === input.ServiceId)
          );
          if (known) return { Instances: [] };
          throw Object.assign(new Error(`Service ${input.ServiceId} not found`), { code: 'ServiceNotFound' });
        }
        for (const [id, instance] of registered) {
          if (instance.deregisterPolls === undefined || this.neverDrain) continue;
          instance.deregisterPolls -= 1;
          if (instance.deregisterPolls < 0) registered.delete(id);
        }
        return {
          Instances: [...registered].map(([Id, instance]) => ({ Id, Attributes: instance.attributes ?? {} })),
        };
      }
      case 'DeregisterInstance': {
        const instance = this.instances.get(input.ServiceId)?.get(input.InstanceId);
        if (instance?.vanishes) this.instances.get(input.ServiceId)!.delete(input.InstanceId);
        if (!instance || instance.vanishes)
          throw Object.assign(new Error(`Instance ${input.InstanceId} not found`), {
            code: 'InstanceNotFound',
          });
        // Asynchronous in Cloud Map: gone after a few reads.
        instance.deregisterPolls ??= this.pollsToDrain;
        return { OperationId: `op-${input.InstanceId}` };
      }
      default:
        throw new Error(`fake Cloud Map does not implement ${operation}`);
    }
  }

  private logs(operation: string, input: any): unknown {
    if (operation !== 'DescribeLogGroups')
      throw new Error(`fake CloudWatch Logs does not implement ${operation}`);
    return {
      logGroups: [...this.logGroups]
        .filter((g) => !input.logGroupNamePrefix || g.startsWith(input.logGroupNamePrefix))
        .map((logGroupName) => ({
          logGroupName,
          arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:*`,
        })),
    };
  }

  private elb(operation: string, input: any): unknown {
    const members = (key: string) =>
      Object.keys(input)
        .filter((k) => k.startsWith(`${key}.member.`))
        .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
        .map((k) => input[k] as string);
    switch (operation) {
      case 'DescribeTargetGroups': {
        const arns = members('TargetGroupArns');
        if (arns.length > 20)
          throw Object.assign(new Error('At most 20 target groups.'), { code: 'ValidationError' });
        const missing = arns.find((a) => !this.targetGroups.has(a));
        if (missing)
          throw Object.assign(new Error(`Target groups '${missing}' not found`), {
            code: 'TargetGroupNotFound',
          });
        return {
          TargetGroups: arns.map((arn) => {
            const tg = this.targetGroups.get(arn)!;
            return {
              TargetGroupArn: tg.arn,
              TargetGroupName: tg.name,
              Protocol: tg.protocol,
              Port: tg.port,
              VpcId: 'vpc-1',
              TargetType: 'ip',
              HealthCheckPath: tg.healthCheckPath,
              LoadBalancerArns: tg.loadBalancerArns,
            };
          }),
        };
      }
      case 'DescribeLoadBalancers': {
        const arns = members('LoadBalancerArns');
        if (arns.length > 20)
          throw Object.assign(new Error('At most 20 load balancers.'), { code: 'ValidationError' });
        return {
          LoadBalancers: arns.map((arn) => {
            const lb = this.loadBalancers.get(arn);
            if (!lb)
              throw Object.assign(new Error(`Load balancer '${arn}' not found`), {
                code: 'LoadBalancerNotFound',
              });
            return {
              LoadBalancerArn: lb.arn,
              DNSName: lb.dnsName,
              LoadBalancerName: lb.name,
              Scheme: lb.scheme,
              VpcId: this.vpcOfLoadBalancers(),
              Type: lb.type,
              State: { Code: 'active' },
            };
          }),
        };
      }
      case 'DescribeLoadBalancerAttributes': {
        const lb = this.loadBalancers.get(input.LoadBalancerArn)!;
        return {
          Attributes: [
            { Key: 'deletion_protection.enabled', Value: 'false' },
            { Key: 'idle_timeout.timeout_seconds', Value: String(lb.idleTimeout) },
          ],
        };
      }
      case 'DescribeListeners': {
        const lb = this.loadBalancers.get(input.LoadBalancerArn)!;
        const listeners = lb.listeners.map((l) => ({
          ListenerArn: l.arn,
          LoadBalancerArn: lb.arn,
          Port: l.port,
          Protocol: l.protocol,
          DefaultActions: l.defaultTargetGroup
            ? [{ Type: 'forward', TargetGroupArn: l.defaultTargetGroup, Order: 1 }]
            : [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' }, Order: 1 }],
        }));
        return this.page(listeners, input.Marker, this.pageSize, 'Listeners', 'NextMarker');
      }
      case 'DescribeRules': {
        const listener = [...this.loadBalancers.values()]
          .flatMap((lb) => lb.listeners)
          .find((l) => l.arn === input.ListenerArn)!;
        const rules = [
          ...listener.rules.map((r, i) => ({
            RuleArn: r.arn,
            Priority: String(i + 1),
            IsDefault: false,
            Conditions: [
              ...(r.hosts
                ? [{ Field: 'host-header', Values: r.hosts, HostHeaderConfig: { Values: r.hosts } }]
                : []),
              ...(r.paths
                ? [{ Field: 'path-pattern', Values: r.paths, PathPatternConfig: { Values: r.paths } }]
                : []),
            ],
            Actions: [{ Type: 'forward', TargetGroupArn: r.targetGroup, Order: 1 }],
          })),
          {
            RuleArn: `${listener.arn}/default`,
            Priority: 'default',
            IsDefault: true,
            Conditions: [],
            Actions: listener.defaultTargetGroup
              ? [{ Type: 'forward', TargetGroupArn: listener.defaultTargetGroup, Order: 1 }]
              : [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' }, Order: 1 }],
          },
        ];
        return this.page(rules, input.Marker, this.pageSize, 'Rules', 'NextMarker');
      }
      default:
        throw new Error(`fake Elastic Load Balancing does not implement ${operation}`);
    }
  }

  private vpcOfLoadBalancers(): string {
    return this.zones[0]?.vpc ?? 'vpc-1';
  }

  private route53(res: http.ServerResponse, operation: string, input: any): void {
    const lists: XmlLists = {
      HostedZoneSummaries: 'HostedZoneSummary',
      ResourceRecordSets: 'ResourceRecordSet',
      ResourceRecords: 'ResourceRecord',
    };
    const ns = 'https://route53.amazonaws.com/doc/2013-04-01/';
    if (operation === 'ListHostedZonesByVPC') {
      const zones = this.zones.filter((z) => z.vpc === input.vpcid);
      const start = Number(input.nexttoken ?? 0);
      const page = zones.slice(start, start + this.pageSize);
      const body = {
        HostedZoneSummaries: page.map((z) => ({
          HostedZoneId: z.id,
          Name: `${z.name}.`,
          Owner: z.owner ? { OwningService: z.owner } : { OwningAccount: ACCOUNT },
        })),
        MaxItems: String(this.pageSize),
        ...(start + this.pageSize < zones.length && { NextToken: String(start + this.pageSize) }),
      };
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<ListHostedZonesByVPCResponse xmlns="${ns}">${toXml(body, lists)}</ListHostedZonesByVPCResponse>`
      );
      return;
    }
    if (operation === 'ListResourceRecordSets') {
      const id = input.path.split('/')[3];
      const zone = this.zones.find((z) => z.id === id);
      if (!zone)
        throw Object.assign(new Error(`No hosted zone found with ID: ${id}`), { code: 'NoSuchHostedZone' });
      const records = [
        {
          name: `${zone.name}.`,
          type: 'SOA',
          values: ['ns-1.awsdns-1.org. hostmaster.example.com. 1 7200 900 1209600 86400'],
        },
        { name: `${zone.name}.`, type: 'NS', values: ['ns-1.awsdns-1.org.'] },
        ...zone.records,
      ].sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
      const start = input.name
        ? records.findIndex((r) => r.name === input.name && (!input.type || r.type === input.type))
        : 0;
      const page = records.slice(Math.max(0, start), Math.max(0, start) + this.pageSize);
      const after = records[Math.max(0, start) + this.pageSize];
      const body = {
        ResourceRecordSets: page.map((r) => ({
          Name: r.name,
          Type: r.type,
          ...(r.aliasTo
            ? {
                AliasTarget: {
                  HostedZoneId: 'Z35SXDOTRQ7X7K',
                  DNSName: r.aliasTo,
                  EvaluateTargetHealth: 'true',
                },
              }
            : { TTL: '300', ResourceRecords: (r.values ?? []).map((Value) => ({ Value })) }),
        })),
        IsTruncated: after ? 'true' : 'false',
        ...(after && { NextRecordName: after.name, NextRecordType: after.type }),
        MaxItems: String(this.pageSize),
      };
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<ListResourceRecordSetsResponse xmlns="${ns}">${toXml(body, lists)}</ListResourceRecordSetsResponse>`
      );
      return;
    }
    throw new Error(`fake Route 53 does not implement ${operation}`);
  }

  /** One page of `items` from `token` (an index), with the next token when more follow. */
  private page<T>(
    items: readonly T[],
    token: string | undefined,
    size: number,
    key: string,
    tokenKey: string
  ) {
    const start = Number(token ?? 0);
    const next = start + size < items.length ? String(start + size) : undefined;
    return { [key]: items.slice(start, start + size), ...(next && { [tokenKey]: next }) };
  }

  private cloudFormation(res: http.ServerResponse, operation: string, input: any): void {
    if (operation === 'GetTemplate') {
      const template = this.templates.get(input.StackName);
      if (template === undefined)
        throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
          code: 'ValidationError',
        });
      const body = JSON.stringify(template)
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;');
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<GetTemplateResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><GetTemplateResult>` +
          `<TemplateBody>${body}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>` +
          `</GetTemplateResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetTemplateResponse>`
      );
      return;
    }
    if (operation !== 'DescribeStacks')
      throw new Error(`fake CloudFormation does not implement ${operation}`);
    const outputs = this.stacks.get(input.StackName);
    if (!outputs)
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        code: 'ValidationError',
      });
    const members = Object.entries(outputs)
      .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
      .join('');
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
        `<StackName>${input.StackName}</StackName><StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${input.StackName}/1</StackId>` +
        `<CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
        `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`
    );
  }

  private xml(res: http.ServerResponse, operation: string, body: unknown, xmlns: string): void {
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<${operation}Response xmlns="${xmlns}"><${operation}Result>${toXml(body)}</${operation}Result>` +
        `<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></${operation}Response>`
    );
  }

  private json(res: http.ServerResponse, body: unknown): void {
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify(body));
  }

  private jsonError(res: http.ServerResponse, status: number, type: string, message: string): void {
    res.statusCode = status;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.setHeader('x-amzn-errortype', type);
    res.end(JSON.stringify({ __type: type, message }));
  }

  private xmlError(res: http.ServerResponse, status: number, code: string, message: string): void {
    res.statusCode = status;
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r1</RequestId></ErrorResponse>`
    );
  }
}

/** The Route 53 operation of a REST path. */
function route53Operation(path: string): string {
  if (path.endsWith('/hostedzonesbyvpc')) return 'ListHostedZonesByVPC';
  if (/\/hostedzone\/[^/]+\/rrset$/.test(path)) return 'ListResourceRecordSets';
  return `unknown ${path}`;
}
