import { FakeState } from './state';

/** Elastic Load Balancing v2 (query protocol): target groups, load balancers, listeners, rules. */

export function elbApi(state: FakeState, operation: string, input: any): unknown {
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
      const missing = arns.find((a) => !state.targetGroups.has(a));
      if (missing)
        throw Object.assign(new Error(`Target groups '${missing}' not found`), {
          code: 'TargetGroupNotFound',
        });
      return {
        TargetGroups: arns.map((arn) => {
          const tg = state.targetGroups.get(arn)!;
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
          const lb = state.loadBalancers.get(arn);
          if (!lb)
            throw Object.assign(new Error(`Load balancer '${arn}' not found`), {
              code: 'LoadBalancerNotFound',
            });
          return {
            LoadBalancerArn: lb.arn,
            DNSName: lb.dnsName,
            LoadBalancerName: lb.name,
            Scheme: lb.scheme,
            VpcId: state.vpcOfLoadBalancers(),
            Type: lb.type,
            State: { Code: 'active' },
          };
        }),
      };
    }
    case 'DescribeLoadBalancerAttributes': {
      const lb = state.loadBalancers.get(input.LoadBalancerArn)!;
      return {
        Attributes: [
          { Key: 'deletion_protection.enabled', Value: 'false' },
          { Key: 'idle_timeout.timeout_seconds', Value: String(lb.idleTimeout) },
        ],
      };
    }
    case 'DescribeListeners': {
      const lb = state.loadBalancers.get(input.LoadBalancerArn)!;
      const listeners = lb.listeners.map((l) => ({
        ListenerArn: l.arn,
        LoadBalancerArn: lb.arn,
        Port: l.port,
        Protocol: l.protocol,
        DefaultActions: l.defaultTargetGroup
          ? [{ Type: 'forward', TargetGroupArn: l.defaultTargetGroup, Order: 1 }]
          : [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' }, Order: 1 }],
      }));
      return state.page(listeners, input.Marker, state.pageSize, 'Listeners', 'NextMarker');
    }
    case 'DescribeRules': {
      const listener = [...state.loadBalancers.values()]
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
      return state.page(rules, input.Marker, state.pageSize, 'Rules', 'NextMarker');
    }
    default:
      throw new Error(`fake Elastic Load Balancing does not implement ${operation}`);
  }
}
