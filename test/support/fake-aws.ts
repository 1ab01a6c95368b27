import * as http from 'http';
import { AddressInfo } from 'net';
import { LiveCluster } from './live-cluster';
import { cloudFormationApi } from './fake-aws/cloudformation';
import { cloudMapApi } from './fake-aws/cloud-map';
import { advance, ecsApi } from './fake-aws/ecs';
import { elbApi } from './fake-aws/elbv2';
import { logsApi } from './fake-aws/logs';
import { route53Api, route53Operation } from './fake-aws/route53';
import { seedCluster, seedYelb } from './fake-aws/seed';
import { ACCOUNT, FakeState, REGION, RecordedRequest, SeedOptions } from './fake-aws/state';
import { json, jsonError, xml, xmlError } from './fake-aws/wire';

export type { RecordedRequest, SeedOptions } from './fake-aws/state';

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
export class FakeAws extends FakeState {
  private server?: http.Server;

  /** Starts listening on 127.0.0.1 and returns the endpoint URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Stops listening and ends every connection, busy or idle: a CLI that failed may leave reads
   * of its other workers in flight, whose keep-alive connections would otherwise hold the close
   * until the server's keep-alive timeout (5 s a test).
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
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
    seedYelb(this, options);
  }

  /**
   * A cluster as a team runs it (see {@link LiveCluster}): task definitions as they are (ports
   * without names included), Cloud Map DNS services with the tasks' instances, load balancers
   * with listeners, rules and alias records in a private zone. No stack: it was not made by this
   * project's CDK app.
   */
  seedCluster(live: LiveCluster): void {
    seedCluster(this, live);
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

  /** A stack's outputs as set. */
  stackOutputsOf(stack: string): Record<string, string> {
    return { ...this.stacks.get(stack) };
  }

  /** Sets (or replaces) a stack's outputs. */
  setStackOutputs(stack: string, outputs: Record<string, string>): void {
    this.stacks.set(stack, outputs);
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
    for (const svc of this.services.values()) advance(this, svc);
    const answersXml = api === 'cloudformation' || api === 'elb' || api === 'route53';
    if (this.throttles.count > 0 && (!this.throttles.operation || this.throttles.operation === operation)) {
      this.throttles.count -= 1;
      return answersXml
        ? xmlError(res, 400, 'Throttling', 'Rate exceeded')
        : jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
    }
    if (this.denied.has(operation)) {
      const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/migrate/me is not authorized to perform: ${operation}`;
      return answersXml
        ? xmlError(res, 403, 'AccessDenied', message)
        : jsonError(res, 400, 'AccessDeniedException', message);
    }
    try {
      if (api === 'ecs') return json(res, ecsApi(this, operation, input));
      if (api === 'cloudmap') return json(res, cloudMapApi(this, operation, input));
      if (api === 'logs') return json(res, logsApi(this, operation, input));
      if (api === 'elb')
        return xml(
          res,
          operation,
          elbApi(this, operation, input),
          'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/'
        );
      if (api === 'route53') return route53Api(this, res, operation, input);
      return cloudFormationApi(this, res, operation, input);
    } catch (err) {
      const e = err as { code?: string; message: string };
      return answersXml
        ? xmlError(res, 400, e.code ?? 'ValidationError', e.message)
        : jsonError(res, 400, e.code ?? 'InvalidParameterException', e.message);
    }
  }
}
