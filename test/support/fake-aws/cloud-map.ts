import { ACCOUNT, FakeCloudMapService, FakeNamespace, FakeState } from './state';

/** AWS Cloud Map (JSON 1.1): namespaces, services, instances, operations. */

export function cloudMapApi(state: FakeState, operation: string, input: any): unknown {
  switch (operation) {
    case 'ListNamespaces': {
      const nameFilter = input.Filters?.find((f: any) => f.Name === 'NAME');
      return {
        Namespaces: state.namespaces
          .filter((n) => !nameFilter || nameFilter.Values.includes(n.Name))
          .map((n) => ({ Id: n.Id, Arn: n.Arn, Name: n.Name, Type: n.Type })),
      };
    }
    case 'GetNamespace': {
      const ns = state.namespaces.find((n) => n.Id === input.Id);
      if (!ns)
        throw Object.assign(new Error(`Namespace ${input.Id} not found`), { code: 'NamespaceNotFound' });
      return {
        Namespace: {
          Id: ns.Id,
          Arn: ns.Arn,
          Name: ns.Name,
          Type: ns.Type,
          Properties:
            ns.Type === 'HTTP'
              ? { HttpProperties: { HttpName: ns.Name } }
              : { DnsProperties: { HostedZoneId: ns.hostedZoneId }, HttpProperties: { HttpName: ns.Name } },
        },
      };
    }
    case 'CreateHttpNamespace': {
      if (state.namespaces.some((n) => n.Name === input.Name))
        throw Object.assign(new Error(`Namespace ${input.Name} already exists`), {
          code: 'NamespaceAlreadyExists',
        });
      const ns = state.addNamespace(input.Name);
      const id = `op-${ns.Id}`;
      state.operations.set(id, { namespaceId: ns.Id, polls: 1 });
      return { OperationId: id };
    }
    case 'GetOperation': {
      const op = state.operations.get(input.OperationId);
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
      for (const ns of state.namespaces) {
        for (const [name, s] of ns.services) {
          if (s.id !== input.Id) continue;
          return {
            Service: {
              Id: s.id,
              Arn: state.cloudMapArn(s.id),
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
      const ns = state.namespaces.find((n) => n.Id === id);
      // A namespace that is gone: the code treats it as empty (the one error it accepts).
      if (id !== undefined && !ns)
        throw Object.assign(new Error(`Namespace ${id} not found`), { code: 'NamespaceNotFound' });
      const listed = ns ? [ns] : state.namespaces;
      // Draining goes on between listings, not between the pages of one.
      if (!input.NextToken) for (const n of listed) drainPoll(state, n);
      const summaries = listed.flatMap((n) =>
        [...n.services].map(([name, s]) => serviceSummary(state, n, name, s))
      );
      return state.page(
        summaries,
        input.NextToken,
        Math.min(input.MaxResults ?? 100, state.pageSize),
        'Services',
        'NextToken'
      );
    }
    case 'ListInstances': {
      const registered = state.instances.get(input.ServiceId);
      if (!registered) {
        const known = state.namespaces.some((n) =>
          [...n.services.values()].some((s) => s.id === input.ServiceId)
        );
        if (known) return { Instances: [] };
        throw Object.assign(new Error(`Service ${input.ServiceId} not found`), { code: 'ServiceNotFound' });
      }
      for (const [id, instance] of registered) {
        if (instance.deregisterPolls === undefined || state.neverDrain) continue;
        instance.deregisterPolls -= 1;
        if (instance.deregisterPolls < 0) registered.delete(id);
      }
      return {
        Instances: [...registered].map(([Id, instance]) => ({ Id, Attributes: instance.attributes ?? {} })),
      };
    }
    case 'DeregisterInstance': {
      const instance = state.instances.get(input.ServiceId)?.get(input.InstanceId);
      if (instance?.vanishes) state.instances.get(input.ServiceId)!.delete(input.InstanceId);
      if (!instance || instance.vanishes)
        throw Object.assign(new Error(`Instance ${input.InstanceId} not found`), {
          code: 'InstanceNotFound',
        });
      // Asynchronous in Cloud Map: gone after a few reads.
      instance.deregisterPolls ??= state.pollsToDrain;
      return { OperationId: `op-${input.InstanceId}` };
    }
    default:
      throw new Error(`fake Cloud Map does not implement ${operation}`);
  }
}

/** One poll of a namespace's draining services: each is gone after its polls. */
function drainPoll(state: FakeState, ns: FakeNamespace): void {
  for (const [name, s] of ns.services) {
    if (s.drainPolls === undefined || state.neverDrain) continue;
    s.drainPolls -= 1;
    if (s.drainPolls < 0) ns.services.delete(name);
  }
}

/**
 * A Cloud Map service as ListServices summarizes it (ServiceSummary): no NamespaceId of its own,
 * the DNS configuration for a DNS namespace's service, ECS's custom health check, the instance count.
 */
function serviceSummary(state: FakeState, ns: FakeNamespace, name: string, s: FakeCloudMapService): object {
  return {
    Id: s.id,
    Arn: state.cloudMapArn(s.id),
    ResourceOwner: ACCOUNT,
    Name: name,
    Type: ns.Type === 'HTTP' ? 'HTTP' : 'DNS_HTTP',
    // A Service Connect endpoint: one instance while it serves, none once ECS drains it.
    InstanceCount:
      ns.Type === 'HTTP' ? (s.drainPolls === undefined ? 1 : 0) : (state.instances.get(s.id)?.size ?? 0),
    ...(ns.Type === 'DNS_PRIVATE' && {
      DnsConfig: { NamespaceId: ns.Id, RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] },
      HealthCheckCustomConfig: { FailureThreshold: 1 },
    }),
    CreateDate: s.createDate,
    CreatedByAccount: ACCOUNT,
  };
}
