/**
 * The topology as data: the services, their ports, who calls whom, and how each one is found
 * before the migration. Everything else in this project (security-group rules, deployment
 * order, Service Connect configurations, `sc-update/`, the migration CLI's waves) is derived
 * from a {@link Topology}.
 *
 * One zod schema is the source of the types (below), of the validation of a topology file
 * (`topology-file.ts`, with JSON paths in its messages) and of the published JSON Schema
 * (`topology.schema.json`). What only a deployment by the CDK app needs (image, task size, data
 * volume, health check) is optional: a topology discovered from a live cluster is valid without
 * it for the migration CLI. This module imports nothing from the CDK or the SDK.
 */
import { z } from 'zod';
import type { DeepReadonly } from '../core/types';
import { PORT_NAME, endpointSchema, serviceConnectConfigSchema } from './service-connect';

/** An ECS service name: letters, digits, hyphens and underscores, up to 255. */
export const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** A short id: names the service's constructs, its `sc-update/` file and its proxy logs. */
export const SERVICE_ID = /^[a-z][a-z0-9]{0,31}$/;
export { PORT_NAME };
/** An environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A DNS name (lower case, no trailing dot), as callers use it. */
export const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

const port = z.number().int().min(1).max(65535).describe('a TCP port, 1 to 65535');
const seconds = z.number().int().min(0);
const dnsName = z.string().regex(DNS_NAME, 'a lower-case DNS name without a trailing dot');

/** How a caller learns the address of a service it calls. */
const serviceCall = z
  .object({
    service: z.string().describe('the name of the called service'),
    env: z
      .string()
      .regex(ENV_NAME, 'an environment variable name')
      .optional()
      .describe("the caller's environment variable that holds the address"),
    argument: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("the index of the caller's command argument that holds the address (found by discovery)"),
    format: z
      .enum(['host', 'url', 'text'])
      .describe(
        'host: the bare host name; url: http://host:port (the called service speaks HTTP); text: the name inside a longer value, such as a connection string (found by discovery, left as it is)'
      ),
    name: dnsName
      .optional()
      .describe(
        "the name the caller uses, when it is not the called service's old name (found by discovery): Service Connect gives a service one client alias, so this caller keeps using the old path and retire refuses the called service"
      ),
    evidence: z.string().optional().describe('where discovery found the call, for a person to check'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "how long the caller itself waits for an answer (its HTTP client's or proxy's timeout): the called service's Service Connect per-request timeout may not be shorter"
      ),
  })
  .strict();

/**
 * Why discovery found no old path for a name that callers reach through Service Connect: the
 * file keeps the name (the client alias), and rollback refuses the service.
 */
const oldPathNotFound = z
  .string()
  .min(1)
  .optional()
  .describe(
    "why discovery found no old path for this name, which callers reach through Service Connect only (its Cloud Map service or target group deleted, or detached longer ago than the deployment history ECS keeps): rollback refuses the service, as turning Service Connect off would leave its callers nowhere to go (the kind above is discovery's best reading of the name)"
  );

/**
 * What is live of a service's Service Connect configuration, as discovery read it from the
 * PRIMARY deployment: the ECS API's own shape (`services[]` with the discovery names and client
 * aliases ECS filled in), the namespace by name. The plan keeps it, field for field, when it
 * already serves every name the service's callers use (see `live-service-connect.ts`).
 */
const liveServiceConnect = serviceConnectConfigSchema
  .omit({ enabled: true, namespace: true, services: true })
  .extend({
    namespace: z.string().min(1).describe('the HTTP namespace it runs in, by name'),
    services: z
      .array(
        endpointSchema.extend({
          discoveryName: z
            .string()
            .regex(PORT_NAME)
            .describe("its Cloud Map service's name in the namespace (ECS's default: the port name)"),
        })
      )
      .describe('its endpoints, as ECS reports them (none for a client-only service)'),
  })
  .strict();

/** How a service is found by its callers before the migration to Service Connect. */
const legacyDiscovery = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('cloudMapDns').describe('A records of the tasks in a Cloud Map private DNS namespace'),
      namespace: dnsName
        .optional()
        .describe("the DNS namespace (default: the topology's cloudMapDnsNamespace)"),
      serviceName: z
        .string()
        .optional()
        .describe("the Cloud Map service's name (default: the service's name)"),
      registryArn: z.string().optional().describe("the Cloud Map service's ARN, as discovered"),
      calledFromOutside: z
        .boolean()
        .optional()
        .describe(
          'callers outside ECS (Lambda, EC2) may use this name: retiring it is refused unless forced'
        ),
      oldPathNotFound,
    })
    .strict(),
  z
    .object({
      kind: z.literal('internalAlb').describe('an internal load balancer, reached by an alias record'),
      healthCheckPath: z.string().optional().describe("the target group's health-check path"),
      dnsName: dnsName
        .optional()
        .describe("the name callers use (default: <service>.<topology's internalZoneName>)"),
      port: port.optional().describe("the listener's port callers use (default: the service's port)"),
      targetGroupArn: z
        .string()
        .optional()
        .describe('the target group the service registers in, as discovered'),
      loadBalancerName: z.string().optional(),
      idleTimeoutSeconds: seconds.optional().describe("the load balancer's idle timeout"),
      calledFromOutside: z.boolean().optional(),
      oldPathNotFound,
    })
    .strict(),
  z.object({ kind: z.literal('none').describe('nobody inside the system calls this service') }).strict(),
]);

const urlPath = z.string().regex(/^\/[^\s#]*$/, 'a path from /, without spaces or #');

/** One HTTP request of a data check, through the public entry. */
const dataCheckRequest = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).describe('the HTTP method'),
    path: urlPath.describe(`the path, query included; {token} is replaced by the run's own value`),
    body: z.string().optional().describe(`the request body; {token} is replaced by the run's own value`),
    contentType: z.string().optional().describe("the body's Content-Type (default: application/json)"),
  })
  .strict();

/**
 * How a rehearsal checks that no data is lost while it migrates: Yelb's votes, or a write and a
 * read that the file describes (the read, made before and after every step, must keep returning
 * what was written).
 */
const dataCheck = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('yelbVotes') })
      .strict()
      .describe(
        "Yelb's votes: cast through /api/<restaurant>, read back from /api/getvotes, counted exactly"
      ),
    z
      .object({
        kind: z.literal('http'),
        write: dataCheckRequest.describe('what to send once, before the first step'),
        read: z
          .object({
            path: urlPath.describe(`the path that reads the data back; {token} is replaced`),
            expect: z
              .string()
              .min(1)
              .describe(`text the read's body must contain after the write, every time; {token} is replaced`),
          })
          .strict(),
      })
      .strict()
      .describe('a write, then a read that must return what was written before and after every step'),
  ])
  .describe("a rehearsal's check that no data is lost (default: none, said so in the report)");

/** Where a service keeps data that must survive its task, and as whom it writes it. */
const dataVolume = z
  .object({
    path: z.string().describe('the mount path in the container'),
    uid: z.number().int().min(0).describe('the POSIX user that owns the files (the image database user)'),
    gid: z.number().int().min(0),
    directory: z
      .string()
      .describe(
        'the directory inside path that the image initialises on its first start and keeps its data in'
      ),
    directoryEnvironment: z
      .string()
      .regex(ENV_NAME)
      .optional()
      .describe('the environment variable that points the image at directory (PGDATA)'),
    command: z
      .array(z.string())
      .min(1)
      .describe("the image's own ENTRYPOINT and CMD, run under the volume's single-writer lock"),
  })
  .strict();

/** A resource of a CloudFormation stack: the stack and the resource's logical ID in its template. */
const stackResource = z
  .object({
    stack: z.string().min(1).describe('the stack'),
    logicalId: z.string().min(1).describe("the resource's logical ID in the stack's template"),
  })
  .strict();

/**
 * The CloudFormation stack that owns a service (found by discovery): its next deployment puts
 * back what its template says, so the migration goes into the template (`migrate export`), and
 * apply, retire and rollback refuse the service unless `--allow-drift`.
 */
const stackOwner = stackResource
  .extend({
    madeBy: z
      .enum(['cdk', 'copilot'])
      .optional()
      .describe(
        'the tool that made the stack: the CDK (its template has CDKMetadata or aws:cdk:path metadata) or Copilot; left out for a template written by hand'
      ),
    taskDefinition: stackResource
      .optional()
      .describe("the stack and logical ID of the service's task definition"),
    registry: stackResource.optional().describe('of its Cloud Map DNS service (the old path)'),
    targetGroup: stackResource
      .optional()
      .describe("of its internal load balancer's target group (the old path)"),
    record: stackResource.optional().describe('of the alias record its callers use (the old path)'),
  })
  .strict();

/** One ECS service of the topology. */
export const serviceSpecSchema = z
  .object({
    name: z
      .string()
      .regex(SERVICE_NAME, 'an ECS service name')
      .describe('ECS service name and container name'),
    id: z
      .string()
      .regex(SERVICE_ID, 'lower-case letters and digits, from a letter, at most 32')
      .optional()
      .describe(
        'short id for constructs, sc-update/svc-<id>.json and the proxy log prefix (default: from the name)'
      ),
    container: z
      .string()
      .min(1)
      .optional()
      .describe('the container that serves the port (default: the container named like the service)'),
    port: port
      .optional()
      .describe(
        'the container port the service is called on (a service that listens on none is client-only)'
      ),
    portName: z
      .string()
      .regex(PORT_NAME, 'lower-case letters, digits, hyphens and underscores, at most 64')
      .optional()
      .describe(
        "the port mapping's name, which Service Connect refers to (migrate apply names a port that has none)"
      ),
    discoveryName: z
      .string()
      .regex(PORT_NAME, 'lower-case letters, digits, hyphens and underscores, at most 64')
      .optional()
      .describe(
        'the name of the Cloud Map service that Service Connect registers the endpoint under, unique in the namespace (default: portName)'
      ),
    logGroupName: z
      .string()
      .min(1)
      .optional()
      .describe(
        "the log group of this service's Service Connect proxy (default: the topology's); its task execution role must be allowed to write there"
      ),
    appProtocol: z
      .enum(['http', 'http2', 'grpc'])
      .optional()
      .describe('the application protocol of the port; leave out for plain TCP'),
    calls: z.array(serviceCall).describe('the services this one calls, and how it learns their address'),
    legacyDiscovery: legacyDiscovery.describe('how callers find this service before the migration'),
    publicEntry: z
      .object({
        port,
        healthCheckPath: urlPath.describe("the public target group's health-check path"),
        trafficPath: urlPath
          .optional()
          .describe(
            "the path a rehearsal's and `npm run traffic`'s requests go to (default: healthCheckPath)"
          ),
        dataCheck: dataCheck.optional(),
      })
      .strict()
      .optional()
      .describe('the service is the public entry, behind the internet-facing load balancer'),
    serviceConnect: liveServiceConnect
      .optional()
      .describe(
        "what is live of its Service Connect configuration (discover records it): the plan keeps it as it is where it already serves every name the service's callers use, so that a migrated cluster discovered again needs no change; left out, or where it serves them not, the plan's configuration replaces it"
      ),
    timeouts: z
      .object({ idleSeconds: seconds.optional(), perRequestSeconds: seconds.optional() })
      .strict()
      .optional()
      .describe("Service Connect timeouts of this service's endpoint, in seconds"),
    image: z.string().optional().describe('container image (the CDK app needs it)'),
    desiredCount: z.number().int().min(1).optional().describe('number of tasks (the CDK app needs it)'),
    singleton: z
      .boolean()
      .optional()
      .describe('keeps its state in its task: exactly one task may run (a database, a cache)'),
    cpu: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('task CPU units, 256 = 0.25 vCPU (the CDK app needs it)'),
    memoryMiB: z.number().int().positive().optional().describe('task memory in MiB (the CDK app needs it)'),
    environment: z
      .record(z.string(), z.string())
      .optional()
      .describe('environment that does not depend on other services'),
    dataVolume: dataVolume.optional(),
    healthCheck: z
      .object({ command: z.string(), startPeriodSeconds: seconds })
      .strict()
      .optional()
      .describe('a container health check: a shell command that exits 0 when the service can serve'),
    owner: stackOwner
      .optional()
      .describe(
        'the CloudFormation stack that owns the ECS service (found by discover): migrate export writes the migration into its template'
      ),
  })
  .strict();

/** The whole system: the names of the shared pieces, and the services. */
export const topologySchema = z
  .object({
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    name: z
      .string()
      .regex(SERVICE_ID, 'lower-case letters and digits, from a letter, at most 32')
      .optional()
      .describe(
        "a short name for the system (default: from the cluster): the CDK app's stack names (Yelb, YelbNetwork) and context keys (yelbUiImage) derive from it"
      ),
    title: z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe("how the stacks' descriptions name the system (default: its name)"),
    clusterName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/)
      .describe('the ECS cluster'),
    logGroupName: z.string().optional().describe("the log group of the Service Connect proxies' logs"),
    cloudMapDnsNamespace: dnsName
      .optional()
      .describe('the Cloud Map private DNS namespace of cloudMapDns services'),
    internalZoneName: dnsName.optional().describe('the private hosted zone of internalAlb services'),
    serviceConnectNamespace: z.string().min(1).describe('the Cloud Map HTTP namespace Service Connect uses'),
    readinessGateImage: z.string().optional().describe("a small image with 'true' on its path (the CDK app)"),
    deploymentAlarms: z
      .object({
        errorsPerMinute: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('5xx per minute that make a deployment roll back (default 10)'),
        p99Seconds: z
          .number()
          .positive()
          .optional()
          .describe('p99 response time, in seconds, that makes a deployment roll back (default 2)'),
      })
      .strict()
      .optional()
      .describe("the CDK app's deployment alarms: what this system's normal traffic stays under"),
    services: z.array(serviceSpecSchema).min(1),
  })
  .strict();

/** One service of the topology. */
export type ServiceSpec = DeepReadonly<z.infer<typeof serviceSpecSchema>>;
/** The whole system. */
export type Topology = DeepReadonly<z.infer<typeof topologySchema>>;
/** How a caller learns the address of a service it calls. */
export type ServiceCall = ServiceSpec['calls'][number];
/** How a service is found by its callers before the migration. */
export type LegacyDiscovery = ServiceSpec['legacyDiscovery'];
/** What is live of a service's Service Connect configuration, as discovery read it. */
export type LiveServiceConnect = NonNullable<ServiceSpec['serviceConnect']>;
/** Application protocol of a port. */
export type AppProtocol = NonNullable<ServiceSpec['appProtocol']>;
/** A rehearsal's check that no data is lost. */
export type DataCheck = NonNullable<NonNullable<ServiceSpec['publicEntry']>['dataCheck']>;
/** Where a service keeps data that must survive its task. */
export type DataVolume = NonNullable<ServiceSpec['dataVolume']>;
/** A container health check. */
export type HealthCheck = NonNullable<ServiceSpec['healthCheck']>;
/** The CloudFormation stack that owns a service, and the stacks of its other resources. */
export type StackOwner = NonNullable<ServiceSpec['owner']>;
/** A resource of a CloudFormation stack. */
export type StackResource = NonNullable<StackOwner['taskDefinition']>;

/** The name Service Connect registers a service's endpoint under: its discoveryName, else its port name. */
export function endpointName(svc: Pick<ServiceSpec, 'discoveryName' | 'portName'>): string | undefined {
  return svc.discoveryName ?? svc.portName;
}

/** A service's id: given, or derived from its name (`yelb-db` → `yelbdb`). */
export function serviceId(svc: Pick<ServiceSpec, 'id' | 'name'>): string {
  if (svc.id) return svc.id;
  const id = svc.name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (/^[a-z]/.test(id) ? id : `s${id}`).slice(0, 32);
}

/** The system's short name: given, or derived from its cluster (`yelb-cluster` → `yelbcluster`). */
export function systemName(topology: Pick<Topology, 'name' | 'clusterName'>): string {
  return topology.name ?? serviceId({ name: topology.clusterName });
}

/** Where traffic goes through the public entry: its trafficPath, else its health-check path. */
export function trafficPathOf(topology: Topology): string {
  const entry = topology.services.find((s) => s.publicEntry)?.publicEntry;
  return entry?.trafficPath ?? entry?.healthCheckPath ?? '/';
}
