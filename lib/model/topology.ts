/**
 * The topology as data: the services, their ports, who calls whom, and how each one is found
 * before the migration. Everything else in this project (security-group rules, deployment
 * order, Service Connect configurations, `sc-update/`, the migration CLI's waves) is derived
 * from a {@link Topology}. This module imports nothing from the CDK.
 */

/** Application protocol of a port. `undefined` in {@link ServiceSpec.appProtocol} means plain TCP. */
export type AppProtocol = 'http' | 'http2' | 'grpc';

/** How a service is found by its callers before the migration to Service Connect. */
export type LegacyDiscovery =
  /** An A record per task in the Cloud Map private DNS namespace (`<name>.<cloudMapDns>`). */
  | { readonly kind: 'cloudMapDns' }
  /**
   * An internal Application Load Balancer in front of the tasks, with an alias record
   * `<name>.<internalZone>` in a Route 53 private hosted zone.
   */
  | { readonly kind: 'internalAlb'; readonly healthCheckPath: string }
  /** Nobody inside the system calls this service (for example the web front end). */
  | { readonly kind: 'none' };

/** How a caller learns the address of a service it calls. */
export interface ServiceCall {
  /** Name of the called service ({@link ServiceSpec.name}). */
  readonly service: string;
  /** Environment variable of the caller's container that holds the address. */
  readonly env: string;
  /**
   * `host`: the bare host name (`yelb-db.yelb.cloudmap.internal`);
   * `url`: `http://host:port` (the called service must speak HTTP).
   */
  readonly format: 'host' | 'url';
}

/** One ECS service of the topology. */
export interface ServiceSpec {
  /** ECS service name, container name and Cloud Map service name, e.g. `yelb-db`. */
  readonly name: string;
  /**
   * Short id, e.g. `db`: names the construct (`Db`), the `sc-update/svc-db.json` file and the
   * proxy log stream prefix (`db-envoy`). Lower-case letters and digits.
   */
  readonly id: string;
  /** Default container image; overridable from context. */
  readonly image: string;
  /** Container port the service listens on. */
  readonly port: number;
  /** Name of the container's port mapping; Service Connect refers to it as `portName`. */
  readonly portName: string;
  /** Application protocol of the port; leave out for plain TCP (Postgres, Redis). */
  readonly appProtocol?: AppProtocol;
  /** Default number of tasks; overridable from context unless {@link singleton}. */
  readonly desiredCount: number;
  /**
   * The service keeps state in its task (a database, a cache), so exactly one task may run:
   * a second one would be a second, diverging copy of the data.
   */
  readonly singleton?: boolean;
  /** Task CPU units (256 = 0.25 vCPU). */
  readonly cpu: number;
  /** Task memory in MiB. */
  readonly memoryMiB: number;
  /** Environment that does not depend on other services. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Services this one calls, and how it learns their address. */
  readonly calls: readonly ServiceCall[];
  /** How callers find this service before the migration. */
  readonly legacyDiscovery: LegacyDiscovery;
  /** The service is the public entry point behind the internet-facing load balancer. */
  readonly publicEntry?: { readonly port: number; readonly healthCheckPath: string };
  /**
   * The directory where the service keeps data that must outlive its task (a database). The
   * app puts it on Amazon EFS unless told to keep the walkthrough's ephemeral storage.
   */
  readonly dataVolume?: DataVolume;
  /**
   * A container health check, for images that ship a tool to run one: a task that fails it is
   * replaced instead of being sent traffic.
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Service Connect timeouts for this service's endpoint (seconds). Only meaningful for a
   * service that others call; `perRequestSeconds` only for HTTP-family protocols.
   */
  readonly timeouts?: { readonly idleSeconds?: number; readonly perRequestSeconds?: number };
}

/** Where a service keeps data that must survive its task, and as whom it writes it. */
export interface DataVolume {
  /** Mount path in the container. */
  readonly path: string;
  /** POSIX user and group that own the files (the image's database user). */
  readonly uid: number;
  readonly gid: number;
  /**
   * The directory the image initialises on its first start and keeps its data in, inside
   * {@link path} (a subdirectory, as the postgres image recommends for mounted volumes). A first
   * start cut off before the service was ready is detected, and the directory initialised again.
   */
  readonly directory: string;
  /** The environment variable that points the image at {@link directory} (`PGDATA`), if it needs one. */
  readonly directoryEnvironment?: string;
  /**
   * The image's own entrypoint and command (its `ENTRYPOINT` and `CMD`). With the volume on
   * shared storage the container runs them under an exclusive lock on a file in the volume,
   * so that a second task waits until the first has exited: never two writers on one directory.
   * A service with a data volume needs a {@link ServiceSpec.healthCheck}: it says when a first
   * start is complete.
   */
  readonly command: readonly string[];
}

/** A container health check: a shell command that exits 0 when the service can serve. */
export interface HealthCheck {
  readonly command: string;
  /** Seconds after start during which failures do not count (first start, migrations). */
  readonly startPeriodSeconds: number;
}

/** The whole system: names of the shared pieces and the services. */
export interface Topology {
  /** Default ECS cluster name. */
  readonly clusterName: string;
  /** Default CloudWatch log group for application and proxy logs. */
  readonly logGroupName: string;
  /** Cloud Map private DNS namespace for `cloudMapDns` discovery. */
  readonly cloudMapDnsNamespace: string;
  /** Route 53 private hosted zone for `internalAlb` discovery. */
  readonly internalZoneName: string;
  /** Cloud Map HTTP namespace that Service Connect uses. */
  readonly serviceConnectNamespace: string;
  /**
   * A small image with `true` on its path, for the container that holds a task back from
   * RUNNING until its app container is healthy (so Service Connect routes to it only then).
   */
  readonly readinessGateImage: string;
  readonly services: readonly ServiceSpec[];
}
