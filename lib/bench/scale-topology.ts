import { ServiceSpec, Topology } from '../model/topology';
import { YELB } from '../model/yelb';

/**
 * A generated topology of `count` services in the shape of Yelb, made bigger: a public web
 * front end calling a few layers of HTTP services (alternately behind the internal load
 * balancer and in Cloud Map DNS), down to a layer of TCP stores. The front end calls the whole
 * first layer; every other service calls up to two services of the next layer, so that each
 * service has a caller.
 */
export function layeredTopology(count: number, layers = Math.min(4, Math.max(2, count - 1))): Topology {
  if (!Number.isInteger(count) || count < 3)
    throw new Error(`a layered topology needs at least 3 services, not ${count}`);
  const rest = count - 1;
  const sizes = Array.from(
    { length: layers },
    (_, i) => Math.floor(rest / layers) + (i < rest % layers ? 1 : 0)
  );
  const byLayer: ServiceSpec[][] = [];
  let index = 0;
  for (const [layer, size] of sizes.entries()) {
    const last = layer === layers - 1;
    byLayer.push(
      Array.from({ length: size }, () => {
        index += 1;
        const name = `svc-${index}`;
        return {
          name,
          id: `s${index}`,
          image: last ? 'public.ecr.aws/docker/library/redis:7.2' : 'public.ecr.aws/nginx/nginx:stable',
          port: last ? 6000 + index : 8000 + index,
          portName: name,
          ...(last ? {} : { appProtocol: 'http' as const }),
          desiredCount: last ? 1 : 2,
          cpu: 256,
          memoryMiB: 512,
          calls: [],
          legacyDiscovery:
            !last && index % 2 === 1
              ? { kind: 'internalAlb' as const, healthCheckPath: '/' }
              : { kind: 'cloudMapDns' as const },
          timeouts: last ? { idleSeconds: 3600 } : { perRequestSeconds: 15, idleSeconds: 60 },
        };
      })
    );
  }
  const front: ServiceSpec = {
    ...YELB.services[0],
    name: 'web',
    id: 'web',
    portName: 'web',
    calls: [],
  };
  const withCalls = (callers: ServiceSpec[], callees: ServiceSpec[], all = false): ServiceSpec[] =>
    callers.map((caller, i) => {
      const targets = all
        ? callees
        : callees.length === 0
          ? []
          : [...new Set([callees[(2 * i) % callees.length], callees[(2 * i + 1) % callees.length]])];
      return {
        ...caller,
        calls: targets
          .filter((callee) => callee.name !== caller.name)
          .map((callee) => ({
            service: callee.name,
            env: `${callee.name.toUpperCase().replace(/-/g, '_')}_ENDPOINT`,
            format: callee.appProtocol ? ('url' as const) : ('host' as const),
          })),
      };
    });
  const services = [
    ...withCalls([front], byLayer[0], true),
    ...byLayer.flatMap((layer, i) => withCalls(layer, byLayer[i + 1] ?? [])),
  ];
  return { ...YELB, clusterName: `scale-${count}`, services };
}
