import * as http from 'http';
import { AddressInfo } from 'net';
import { legacyEndpoint } from '../../lib/model/graph';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

/**
 * A small stateful stand-in for ECS, Cloud Map and CloudFormation on 127.0.0.1, speaking
 * their wire protocols (JSON 1.1 for ECS and Cloud Map, the query protocol with XML answers
 * for CloudFormation), so that the real SDK clients can be driven end to end through
 * `AWS_ENDPOINT_URL_<SERVICE>`. Deployments become stable after a few polls; a service can
 * be told to fail its next deployment, requests can be throttled or their connections dropped.
 */

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** A request the fake received. */
export interface RecordedRequest {
  readonly api: 'ecs' | 'cloudmap' | 'cloudformation';
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
}

interface FakeService {
  name: string;
  desiredCount: number;
  deployments: FakeDeployment[];
  serviceRegistries: { registryArn: string }[];
  loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[];
  events: { id: string; createdAt: number; message: string }[];
  /** Requests until the PRIMARY deployment settles. */
  pollsLeft: number;
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
  services: Map<string, { id: string; drainPolls?: number }>;
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
  private readonly clusters = new Map<string, string>();
  private readonly services = new Map<string, FakeService>();
  private readonly namespaces: FakeNamespace[] = [];
  private readonly stacks = new Map<string, Record<string, string>>();
  private readonly templates = new Map<string, unknown>();
  private throttles: { count: number; operation?: string } = { count: 0 };
  private drops: { count: number; operation?: string } = { count: 0 };
  private neverDrain = false;
  /**
   * Instances of Cloud Map DNS services by service ID; deregistered ones by polls left; one that
   * `vanishes` is listed, then gone when it is deregistered (ECS deregistered it meanwhile).
   */
  private readonly instances = new Map<
    string,
    Map<string, { deregisterPolls?: number; vanishes?: boolean }>
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
      this.services.set(name, {
        name,
        desiredCount: count,
        deployments: [this.deployment('PRIMARY', 'COMPLETED', count, config)],
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
                  containerPort: spec.port,
                },
              ]
            : [],
        events: [
          { id: 'e0', createdAt: 1_700_000_000, message: `(service ${name}) has reached a steady state.` },
        ],
        pollsLeft: 0,
      });
      if (on && clientServer) ns.services.set(spec.portName, { id: `srv-sc-${spec.portName}` });
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

  /** Registers instances in a Cloud Map DNS service (`srv-…`), as ECS does for its tasks. */
  registerInstances(serviceId: string, instanceIds: readonly string[]): void {
    const registered = this.instances.get(serviceId) ?? new Map();
    for (const id of instanceIds) registered.set(id, {});
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

  addNamespace(name: string): FakeNamespace {
    const id = `ns-${name.replace(/\W/g, '')}`;
    const ns: FakeNamespace = {
      Id: id,
      Arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}`,
      Name: name,
      Type: 'HTTP',
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

  /** Names of the Cloud Map services in a namespace. */
  namespaceServiceNames(name = 'yelb.sc.internal'): string[] {
    return [...(this.namespaces.find((n) => n.Name === name)?.services.keys() ?? [])].sort();
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

  private deployment(
    status: 'PRIMARY' | 'ACTIVE',
    rollout: FakeDeployment['rolloutState'],
    count: number,
    config?: any
  ): FakeDeployment {
    this.counter += 1;
    return {
      id: `ecs-svc/${1000 + this.counter}`,
      status,
      rolloutState: rollout,
      runningCount: rollout === 'COMPLETED' ? count : 0,
      desiredCount: count,
      serviceConnectConfiguration: config,
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [api, operation, input] = target.startsWith('AmazonEC2ContainerServiceV20141113.')
        ? ['ecs' as const, target.split('.')[1], JSON.parse(body || '{}')]
        : target.startsWith('Route53AutoNaming_v20170314.')
          ? ['cloudmap' as const, target.split('.')[1], JSON.parse(body || '{}')]
          : [
              'cloudformation' as const,
              new URLSearchParams(body).get('Action') ?? '',
              Object.fromEntries(new URLSearchParams(body)),
            ];

      if (this.drops.count > 0 && (!this.drops.operation || this.drops.operation === operation)) {
        this.drops.count -= 1;
        req.socket.destroy();
        return;
      }
      this.requests.push({ api, operation, input });
      // Time passes with every request: deployments move on, as real ones do between polls.
      for (const svc of this.services.values()) this.advance(svc);
      if (this.throttles.count > 0 && (!this.throttles.operation || this.throttles.operation === operation)) {
        this.throttles.count -= 1;
        return api === 'cloudformation'
          ? this.xmlError(res, 400, 'Throttling', 'Rate exceeded')
          : this.jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
      }
      try {
        if (api === 'ecs') return this.json(res, this.ecs(operation, input));
        if (api === 'cloudmap') return this.json(res, this.cloudMap(operation, input));
        return this.cloudFormation(res, operation, input);
      } catch (err) {
        const e = err as { code?: string; message: string };
        return api === 'cloudformation'
          ? this.xmlError(res, 400, e.code ?? 'ValidationError', e.message)
          : this.jsonError(res, 400, e.code ?? 'InvalidParameterException', e.message);
      }
    });
  }

  private ecs(operation: string, input: any): unknown {
    switch (operation) {
      case 'DescribeClusters':
        return {
          clusters: input.clusters
            .filter((c: string) => this.clusters.has(c))
            .map((c: string) => ({ clusterName: c, clusterArn: this.clusters.get(c), status: 'ACTIVE' })),
          failures: input.clusters
            .filter((c: string) => !this.clusters.has(c))
            .map((c: string) => ({
              arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${c}`,
              reason: 'MISSING',
            })),
        };
      case 'DescribeServices': {
        // As ECS: at most 10 services per call.
        if (input.services.length > 10)
          throw Object.assign(new Error('services can have at most 10 items.'), {
            code: 'InvalidParameterException',
          });
        if (!this.clusters.has(input.cluster))
          throw Object.assign(new Error('Cluster not found.'), { code: 'ClusterNotFoundException' });
        const found = input.services.filter((s: string) => this.services.has(s));
        return {
          services: found.map((s: string) => this.render(this.services.get(s)!, input.cluster)),
          failures: input.services
            .filter((s: string) => !this.services.has(s))
            .map((s: string) => ({
              arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${s}`,
              reason: 'MISSING',
            })),
        };
      }
      case 'UpdateService': {
        const svc = this.services.get(input.service);
        if (!svc || !this.clusters.has(input.cluster))
          throw Object.assign(new Error('Service not found.'), { code: 'ServiceNotFoundException' });
        for (const d of svc.deployments) d.status = 'ACTIVE';
        const config = this.reported(input.serviceConnectConfiguration);
        svc.deployments.unshift(this.deployment('PRIMARY', 'IN_PROGRESS', svc.desiredCount, config));
        svc.pollsLeft = this.pollsToStable;
        return { service: this.render(svc, input.cluster) };
      }
      default:
        throw new Error(`fake ECS does not implement ${operation}`);
    }
  }

  /** The configuration as ECS reports it back: namespace as ARN, discoveryName filled in. */
  private reported(config: any): any {
    if (!config?.enabled) return { enabled: false };
    const ns = this.namespaces.find((n) => n.Name === config.namespace || n.Arn === config.namespace);
    if (!ns)
      throw Object.assign(new Error(`Namespace ${config.namespace} not found.`), {
        code: 'NamespaceNotFoundException',
      });
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
        previous?.serviceConnectConfiguration
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
    svc.events.unshift({
      id: `e${this.counter}`,
      createdAt: 1_700_000_200,
      message: `(service ${svc.name}) has reached a steady state (${how}).`,
    });
    const config = primary.serviceConnectConfiguration;
    for (const ns of this.namespaces) {
      const names =
        config?.enabled && config.namespace === ns.Arn
          ? (config.services ?? []).map((s: any) => s.discoveryName)
          : [];
      for (const name of names) ns.services.set(name, { id: `srv-sc-${name}` });
      if (
        svc.name &&
        !names.includes(svc.name) &&
        ns.services.has(svc.name) &&
        ns.services.get(svc.name)!.drainPolls === undefined
      ) {
        ns.services.get(svc.name)!.drainPolls = this.pollsToDrain;
      }
    }
  }

  private render(svc: FakeService, cluster: string): unknown {
    return {
      serviceName: svc.name,
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${svc.name}`,
      status: 'ACTIVE',
      desiredCount: svc.desiredCount,
      runningCount: svc.deployments.find((d) => d.status === 'PRIMARY')?.runningCount ?? 0,
      pendingCount: 0,
      serviceRegistries: svc.serviceRegistries,
      loadBalancers: svc.loadBalancers,
      deployments: svc.deployments.map((d) => ({ ...d, createdAt: 1_700_000_000, updatedAt: 1_700_000_000 })),
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
            Arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${s.id}`,
            Name: name,
            InstanceCount: 1,
          })),
        };
      }
      case 'ListInstances': {
        const registered = this.instances.get(input.ServiceId);
        if (!registered)
          throw Object.assign(new Error(`Service ${input.ServiceId} not found`), { code: 'ServiceNotFound' });
        for (const [id, instance] of registered) {
          if (instance.deregisterPolls === undefined || this.neverDrain) continue;
          instance.deregisterPolls -= 1;
          if (instance.deregisterPolls < 0) registered.delete(id);
        }
        return { Instances: [...registered.keys()].map((Id) => ({ Id, Attributes: {} })) };
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
