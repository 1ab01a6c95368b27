import { ACCOUNT, FakeService, FakeState, REGION } from './state';

/** ECS (JSON 1.1): clusters, services and their deployments, task definitions. */

export function ecsApi(state: FakeState, operation: string, input: any): unknown {
  switch (operation) {
    case 'DescribeClusters':
      return {
        clusters: input.clusters
          .filter((c: string) => state.clusters.has(c))
          .map((c: string) => ({
            clusterName: c,
            clusterArn: state.clusters.get(c),
            status: 'ACTIVE',
            ...(state.clusterDefaults.has(c) && {
              serviceConnectDefaults: { namespace: state.clusterDefaults.get(c) },
            }),
          })),
        failures: input.clusters
          .filter((c: string) => !state.clusters.has(c))
          .map((c: string) => ({
            arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${c}`,
            reason: 'MISSING',
          })),
      };
    case 'ListServices': {
      if (!state.clusters.has(input.cluster))
        throw Object.assign(new Error('Cluster not found.'), { code: 'ClusterNotFoundException' });
      const arns = [...state.services.values()]
        .filter((s) => s.cluster === input.cluster)
        .map((s) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${s.name}`);
      return state.page(
        arns,
        input.nextToken,
        Math.min(input.maxResults ?? 10, state.pageSize),
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
      if (!state.clusters.has(input.cluster))
        throw Object.assign(new Error('Cluster not found.'), { code: 'ClusterNotFoundException' });
      const found = input.services.filter((s: string) => state.serviceNamed(s));
      return {
        services: found.map((s: string) =>
          render(state, state.serviceNamed(s)!, input.cluster, input.include?.includes('TAGS'))
        ),
        failures: input.services
          .filter((s: string) => !state.serviceNamed(s))
          .map((s: string) => ({
            arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${input.cluster}/${s}`,
            reason: 'MISSING',
          })),
      };
    }
    case 'DescribeTaskDefinition': {
      const td = state.taskDefinitionNamed(input.taskDefinition);
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
      return { taskDefinition: state.registerTaskDefinition(definition, tags ?? []).definition, tags };
    }
    case 'UpdateService': {
      const svc = state.serviceNamed(input.service);
      if (!svc || !state.clusters.has(input.cluster))
        throw Object.assign(new Error('Service not found.'), { code: 'ServiceNotFoundException' });
      const current = svc.deployments.find((d) => d.status === 'PRIMARY');
      const taskDefinition = input.taskDefinition
        ? state.taskDefinitionNamed(input.taskDefinition)
        : undefined;
      if (input.taskDefinition && !taskDefinition)
        throw Object.assign(new Error('TaskDefinition not found.'), { code: 'ClientException' });
      const tdArn = taskDefinition?.arn ?? current?.taskDefinition ?? svc.taskDefinition;
      // Left out, the Service Connect configuration stays as it is (as ECS does).
      const config =
        input.serviceConnectConfiguration === undefined
          ? current?.serviceConnectConfiguration
          : reported(state, input.serviceConnectConfiguration, svc, tdArn);
      // As ECS: a part of the deployment configuration left out stays as it is.
      if (input.deploymentConfiguration)
        svc.deploymentConfiguration = { ...svc.deploymentConfiguration, ...input.deploymentConfiguration };
      if (input.serviceRegistries) svc.serviceRegistries = input.serviceRegistries;
      if (input.loadBalancers) svc.loadBalancers = input.loadBalancers;
      svc.taskDefinition = tdArn;
      for (const d of svc.deployments) d.status = 'ACTIVE';
      svc.deployments.unshift(state.deployment('PRIMARY', 'IN_PROGRESS', svc.desiredCount, config, tdArn));
      const gradual = ['BLUE_GREEN', 'LINEAR', 'CANARY'].includes(svc.deploymentConfiguration?.strategy);
      svc.pollsLeft = state.pollsToStable + (gradual ? state.gradualPolls : 0);
      recordRevision(state, svc);
      return { service: render(state, svc, input.cluster) };
    }
    case 'ListServiceDeployments': {
      const svc = state.serviceNamed(input.service);
      if (!svc) throw Object.assign(new Error('Service not found.'), { code: 'ServiceNotFoundException' });
      const briefs = (svc.serviceDeployments ?? []).map((d) => ({ ...d, status: 'SUCCESSFUL' }));
      return state.page(
        briefs,
        input.nextToken,
        Math.min(input.maxResults ?? 20, state.pageSize),
        'serviceDeployments',
        'nextToken'
      );
    }
    case 'DescribeServiceRevisions': {
      if (input.serviceRevisionArns.length > 20)
        throw Object.assign(new Error('serviceRevisionArns can have at most 20 items.'), {
          code: 'InvalidParameterException',
        });
      return {
        serviceRevisions: input.serviceRevisionArns
          .map((arn: string) => state.serviceRevisions.get(arn))
          .filter(Boolean),
      };
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
function reported(state: FakeState, config: any, svc?: FakeService, taskDefinitionArn?: string): any {
  if (!config?.enabled) return { enabled: false };
  const ns = state.namespaces.find((n) => n.Name === config.namespace || n.Arn === config.namespace);
  if (!ns)
    throw Object.assign(new Error(`Namespace ${config.namespace} not found.`), {
      code: 'NamespaceNotFoundException',
    });
  const td = taskDefinitionArn ? state.taskDefinitions.get(taskDefinitionArn) : undefined;
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
    for (const other of state.services.values()) {
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
    logConfiguration: config.logConfiguration ? { ...config.logConfiguration, secretOptions: [] } : undefined,
  };
}

/** ECS records what a deployment deploys as a service revision, and the deployment with it. */
export function recordRevision(state: FakeState, svc: FakeService): void {
  const id = state.next();
  const serviceRevisionArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${svc.cluster}/${svc.name}/${id}`;
  state.serviceRevisions.set(serviceRevisionArn, {
    serviceRevisionArn,
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${svc.cluster}/${svc.name}`,
    taskDefinition: svc.taskDefinition,
    loadBalancers: structuredClone(svc.loadBalancers),
    serviceRegistries: structuredClone(svc.serviceRegistries),
    createdAt: state.now(),
  });
  svc.serviceDeployments = [
    ...(svc.serviceDeployments ?? []),
    {
      serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${svc.cluster}/${svc.name}/${id}`,
      targetServiceRevisionArn: serviceRevisionArn,
      createdAt: state.now(),
    },
  ];
}

/** One DescribeServices poll passes for a service. */
export function advance(state: FakeState, svc: FakeService): void {
  if (svc.rollbackPollsLeft !== undefined) {
    svc.rollbackPollsLeft -= 1;
    if (svc.rollbackPollsLeft <= 0) settle(state, svc, 'rolled back');
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
    const rollback = state.deployment(
      'PRIMARY',
      'IN_PROGRESS',
      svc.desiredCount,
      previous?.serviceConnectConfiguration,
      previous?.taskDefinition
    );
    svc.deployments.unshift(rollback);
    svc.events.unshift({
      id: `e${state.counter}`,
      createdAt: 1_700_000_100,
      message: `(service ${svc.name}) deployment ${primary.id} deployment failed: tasks failed to start.`,
    });
    svc.rollbackPollsLeft = how === 'instant' ? 0 : 2;
    if (how === 'instant') settle(state, svc, 'rolled back');
    return;
  }
  settle(state, svc, 'completed');
}

/** The PRIMARY deployment completes; the others go; Cloud Map follows its configuration. */
function settle(state: FakeState, svc: FakeService, how: string): void {
  svc.rollbackPollsLeft = undefined;
  const primary = svc.deployments.find((d) => d.status === 'PRIMARY')!;
  primary.rolloutState = 'COMPLETED';
  primary.runningCount = svc.desiredCount;
  svc.deployments = [primary];
  svc.taskDefinition = primary.taskDefinition ?? svc.taskDefinition;
  svc.events.unshift({
    id: `e${state.counter}`,
    createdAt: 1_700_000_200,
    message: `(service ${svc.name}) has reached a steady state (${how}).`,
  });
  const config = primary.serviceConnectConfiguration;
  svc.endpoints ??= new Map();
  for (const ns of state.namespaces) {
    const names: string[] =
      config?.enabled && config.namespace === ns.Arn
        ? (config.services ?? []).map((s: any) => s.discoveryName)
        : [];
    const had = svc.endpoints.get(ns.Arn) ?? new Set<string>();
    for (const name of names) {
      const existing = ns.services.get(name);
      if (!existing || existing.drainPolls !== undefined)
        ns.services.set(name, state.cloudMapService(`srv-sc-${name}`));
      had.add(name);
    }
    // Endpoints this service no longer has: ECS removes their Cloud Map services.
    for (const name of [...had].filter((n) => !names.includes(n))) {
      const s = ns.services.get(name);
      if (s && s.drainPolls === undefined) s.drainPolls = state.pollsToDrain;
      had.delete(name);
    }
    // Seeded endpoints (seedYelb) are named after the service.
    if (
      !names.includes(svc.name) &&
      ns.services.get(svc.name)?.drainPolls === undefined &&
      ns.Type === 'HTTP'
    )
      if (ns.services.has(svc.name)) ns.services.get(svc.name)!.drainPolls = state.pollsToDrain;
    svc.endpoints.set(ns.Arn, had);
  }
  syncInstances(state, svc);
}

/** The tasks' instances in the Cloud Map DNS services the service is registered in, and only there. */
export function syncInstances(state: FakeState, svc: FakeService): void {
  const attached = new Set(svc.serviceRegistries.map((r) => r.registryArn.split('/').pop()!));
  for (const ns of state.namespaces.filter((n) => n.Type === 'DNS_PRIVATE')) {
    for (const cm of ns.services.values()) {
      const registered = state.instances.get(cm.id) ?? new Map();
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
      state.instances.set(cm.id, registered);
    }
  }
}

function render(state: FakeState, svc: FakeService, cluster: string, tags = false): unknown {
  return {
    ...(tags && svc.tags && svc.tags.length > 0 && { tags: svc.tags }),
    serviceName: svc.name,
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${svc.name}`,
    clusterArn: state.clusters.get(cluster),
    status: 'ACTIVE',
    launchType: 'FARGATE',
    deploymentController: { type: svc.deploymentController ?? 'ECS' },
    deploymentConfiguration: { strategy: 'ROLLING', ...svc.deploymentConfiguration },
    desiredCount: svc.desiredCount,
    runningCount: svc.deployments.find((d) => d.status === 'PRIMARY')?.runningCount ?? 0,
    pendingCount: 0,
    taskDefinition: svc.deployments.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? svc.taskDefinition,
    serviceRegistries: svc.serviceRegistries,
    loadBalancers: svc.loadBalancers,
    deployments: svc.deployments.map((d) => ({
      ...d,
      updatedAt: d.createdAt,
      ...(d.serviceConnectConfiguration?.enabled && {
        serviceConnectResources: serviceConnectResources(state, d.serviceConnectConfiguration),
      }),
    })),
    events: svc.events.slice(0, 10),
  };
}

/** As ECS reports a deployment's endpoints: each discovery name with its Cloud Map service's ARN. */
function serviceConnectResources(state: FakeState, config: any): unknown[] {
  const ns = state.namespaces.find((n) => n.Arn === config.namespace);
  return (config.services ?? []).map((s: any) => ({
    discoveryName: s.discoveryName,
    discoveryArn: state.cloudMapArn(ns?.services.get(s.discoveryName)?.id ?? `srv-sc-${s.discoveryName}`),
  }));
}
