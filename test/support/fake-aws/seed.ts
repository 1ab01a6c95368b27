import { legacyEndpoint } from '../../../lib/model/graph';
import { YELB } from '../../../lib/model/yelb';
import { LiveCluster, LiveService, LiveStackResource } from '../live-cluster';
import { recordRevision, syncInstances } from './ecs';
import { ACCOUNT, FakeService, FakeState, FakeTargetGroup, FakeZone, REGION, SeedOptions } from './state';

/** What the fake holds before a test: Yelb as the CDK app deploys it, or a cluster as a team runs it. */

/** The Yelb system as the CDK app deploys it, in the discovery phase unless told otherwise. */
export function seedYelb(state: FakeState, options: SeedOptions = {}): void {
  const topology = options.topology ?? YELB;
  const cluster = options.clusterName ?? topology.clusterName;
  state.clusters.set(cluster, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`);
  const ns = state.addNamespace(topology.serviceConnectNamespace);
  if (topology.logGroupName) state.logGroups.add(topology.logGroupName);
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
    const taskDefinition = state.registerTaskDefinition({
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
    state.services.set(name, {
      name,
      cluster,
      desiredCount: count,
      taskDefinition,
      deployments: [state.deployment('PRIMARY', 'COMPLETED', count, config, taskDefinition)],
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
    if (on && clientServer) ns.services.set(spec.portName!, state.cloudMapService(`srv-sc-${spec.portName}`));
  }
  if (options.phase !== null) {
    state.stacks.set(options.stack ?? 'Yelb', {
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
export function seedCluster(state: FakeState, live: LiveCluster): void {
  const cluster = live.cluster;
  state.clusters.set(cluster, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`);
  for (const group of live.logGroups ?? []) state.logGroups.add(group);
  if (live.defaultNamespace)
    state.clusterDefaults.set(cluster, state.addNamespace(live.defaultNamespace).Arn);
  for (const name of live.httpNamespaces ?? []) state.addNamespace(name);
  const zone: FakeZone | undefined = live.zone
    ? { id: `Z${state.zones.length + 1}PRIVATE`, name: live.zone, vpc: live.vpc, records: [] }
    : undefined;
  if (zone) state.zones.push(zone);
  // A zone Cloud Map manages for a DNS namespace is associated with the VPC too; discovery skips it.
  for (const lb of live.loadBalancers ?? []) {
    const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${lb.type === 'network' ? 'net' : 'app'}/${lb.name}/${state.next()}`;
    state.loadBalancers.set(arn, {
      arn,
      name: lb.name,
      dnsName: `${lb.scheme === 'internal' ? 'internal-' : ''}${lb.name}-${1000 + state.counter}.${REGION}.elb.amazonaws.com`,
      scheme: lb.scheme,
      type: lb.type ?? 'application',
      idleTimeout: lb.idleTimeout ?? 60,
      listeners: [],
    });
  }
  for (const svc of live.services) seedLiveService(state, live, svc, zone);
  for (const foreign of live.foreignNames ?? []) {
    const ns = state.dnsNamespace(foreign.namespace, live.vpc);
    const cm = state.cloudMapService(`srv-${foreign.name}-${state.next()}`);
    ns.services.set(foreign.name, cm);
    state.registerInstances(cm.id, [`i-${foreign.name}`], {
      ...(foreign.cluster && { ECS_CLUSTER_NAME: foreign.cluster, ECS_SERVICE_NAME: foreign.name }),
      AWS_INSTANCE_IPV4: '10.0.9.9',
    });
  }
}

/**
 * A service's tags: CloudFormation's own (stack name and ID, logical ID) and Copilot's, passed on
 * from the stack, for a service a stack made; none when ECS's tags were never opted in to; else
 * its team's.
 */
function serviceTags(live: LiveCluster, svc: LiveService): FakeService['tags'] {
  const stack = svc.stack;
  if (!stack) return [{ key: 'team', value: live.cluster }];
  if (stack.untagged) return [];
  return [
    { key: 'aws:cloudformation:stack-name', value: stack.name },
    {
      key: 'aws:cloudformation:stack-id',
      value: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack.name}/1`,
    },
    { key: 'aws:cloudformation:logical-id', value: stack.service },
    ...(stack.copilot
      ? [
          { key: 'copilot-application', value: stack.copilot.app },
          { key: 'copilot-environment', value: stack.copilot.env },
          { key: 'copilot-service', value: svc.name },
        ]
      : []),
  ];
}

function seedLiveService(
  state: FakeState,
  live: LiveCluster,
  svc: LiveService,
  zone: FakeZone | undefined
): void {
  const count = svc.desiredCount ?? 1;
  // As CloudFormation made it: its own aws: tags beside the team's.
  const cfnTags = [
    { key: 'aws:cloudformation:stack-name', value: svc.stack?.name ?? live.cluster },
    { key: 'team', value: live.cluster },
  ];
  const { arn: taskDefinition } = state.registerTaskDefinition(
    {
      family: svc.family ?? svc.name,
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
  const stack = svc.stack;
  const inStack = (resource: LiveStackResource | undefined, physicalId: string, type: string) => {
    if (!stack || !resource) return;
    const [name, logicalId] =
      typeof resource === 'string' ? [stack.name, resource] : [resource.stack, resource.logicalId];
    state.addStackResource(name, logicalId, physicalId, type);
  };
  inStack(stack?.taskDefinition, taskDefinition, 'AWS::ECS::TaskDefinition');
  const registries: FakeService['serviceRegistries'] = [];
  if (svc.cloudMap) {
    const ns = state.dnsNamespace(svc.cloudMap.namespace, live.vpc);
    const cm = state.cloudMapService(`srv-${svc.name}-${state.next()}`);
    ns.services.set(svc.cloudMap.name, cm);
    registries.push({ registryArn: state.cloudMapArn(cm.id) });
    inStack(stack?.registry, cm.id, 'AWS::ServiceDiscovery::Service');
  }
  const loadBalancers: FakeService['loadBalancers'] = [];
  for (const route of [svc.internal, svc.public && { ...svc.public, protocol: 'HTTP' as const }]) {
    if (!route) continue;
    const lb = [...state.loadBalancers.values()].find((l) => l.name === route.lb);
    if (!lb) throw new Error(`fake: no load balancer '${route.lb}' in the cluster's description`);
    const protocol =
      'protocol' in route && route.protocol ? route.protocol : lb.type === 'network' ? 'TCP' : 'HTTP';
    const tgName = `${svc.name}-${route.listenerPort}`.slice(0, 32);
    const tg: FakeTargetGroup = {
      arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${tgName}/${state.next()}`,
      name: tgName,
      protocol,
      port: served.port,
      ...(protocol !== 'TCP' && { healthCheckPath: route.healthCheckPath ?? '/' }),
      loadBalancerArns: [lb.arn],
    };
    state.targetGroups.set(tg.arn, tg);
    if (route === svc.internal)
      inStack(stack?.targetGroup, tg.arn, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    let listener = lb.listeners.find((l) => l.port === route.listenerPort);
    if (!listener) {
      listener = {
        arn: `${lb.arn.replace(':loadbalancer/', ':listener/')}/${state.next()}`,
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
        arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${state.next()}`,
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
        zone.records.push({
          name: `${alias}.`,
          type: 'A',
          aliasTo: `dualstack.${lb.dnsName}.`,
          ...('latency' in route && route.latency && { latencyRegion: REGION }),
        });
      inStack(stack?.record, alias, 'AWS::Route53::RecordSet');
    }
    loadBalancers.push({
      targetGroupArn: tg.arn,
      containerName: served.container,
      containerPort: served.port,
    });
  }
  const serviceArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${live.cluster}/${svc.name}`;
  inStack(stack?.service, serviceArn, 'AWS::ECS::Service');
  state.services.set(svc.name, {
    name: svc.name,
    cluster: live.cluster,
    desiredCount: count,
    taskDefinition,
    deployments: [state.deployment('PRIMARY', 'COMPLETED', count, undefined, taskDefinition)],
    serviceRegistries: registries,
    loadBalancers,
    deploymentController: svc.deploymentController,
    tags: serviceTags(live, svc),
    events: [
      { id: 'e0', createdAt: 1_700_000_000, message: `(service ${svc.name}) has reached a steady state.` },
    ],
    pollsLeft: 0,
  });
  // CreateService deployed it: ECS keeps that deployment and its revision (what it was attached to).
  recordRevision(state, state.services.get(svc.name)!);
  syncInstances(state, state.services.get(svc.name)!);
}
