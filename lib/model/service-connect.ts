/**
 * A service's Service Connect configuration in the ECS API's shape (`UpdateService`'s
 * `serviceConnectConfiguration`, `AWS::ECS::Service.ServiceConnectConfiguration`, the
 * walkthrough's `sc-update/*.json`), rendered from what the plan decided ({@link ServiceConnectPlan})
 * and where it points ({@link ServiceConnectRefs}). The CDK app, the migration CLI and the
 * `sc-update/` files all render it with {@link renderServiceConnect}: they send the same thing by
 * construction. No SDK or CDK here: the types mirror the API's, and the SDK's and the CDK's
 * types accept them.
 */
import { z } from 'zod';
import type { LiveServiceConnect } from './topology';

/** A port mapping name, as ECS and Service Connect take it. */
export const PORT_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/;

const port = z.number().int().min(1).max(65535);

/** One client alias of an endpoint: the name and port callers use. */
const clientAliasSchema = z
  .object({
    port,
    dnsName: z
      .string()
      .min(1)
      .max(127)
      .describe("the name callers use (Service Connect's limit: 127 characters)"),
    testTrafficRules: z
      .object({
        header: z
          .object({ name: z.string().min(1), value: z.object({ exact: z.string() }).strict().optional() })
          .strict(),
      })
      .strict()
      .optional()
      .describe('the header that sends a request to the green revision of a gradual deployment'),
  })
  .strict();

/** One endpoint of a client-server service (`services[]`). */
export const endpointSchema = z
  .object({
    portName: z.string().regex(PORT_NAME, "a port mapping's name"),
    discoveryName: z.string().regex(PORT_NAME).optional(),
    clientAliases: z.array(clientAliasSchema),
    ingressPortOverride: port.optional(),
    timeout: z
      .object({
        idleTimeoutSeconds: z.number().int().min(0).optional(),
        perRequestTimeoutSeconds: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    tls: z
      .object({
        issuerCertificateAuthority: z.object({ awsPcaAuthorityArn: z.string().min(1) }).strict(),
        kmsKey: z.string().min(1).optional(),
        roleArn: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A Service Connect configuration as ECS and CloudFormation take it (`UpdateService`'s
 * `serviceConnectConfiguration`): the schema of the `sc-update/svc-*.json` files, which the
 * walkthrough applies with `aws ecs update-service --service-connect-configuration file://…`
 * (so the files carry no `$schema` key; the schema is published as docs/sc-update.schema.json).
 */
export const serviceConnectConfigSchema = z
  .object({
    enabled: z.boolean(),
    namespace: z.string().min(1).optional().describe('the namespace: its name, or its ARN'),
    services: z
      .array(endpointSchema)
      .optional()
      .describe("the service's endpoints: none (or an empty list) for a client-only service"),
    logConfiguration: z
      .object({ logDriver: z.literal('awslogs'), options: z.record(z.string(), z.string()) })
      .strict()
      .optional()
      .describe("the proxy's logs: awslogs, with an awslogs-group"),
    accessLogConfiguration: z
      .object({ format: z.enum(['TEXT', 'JSON']), includeQueryParameters: z.enum(['ENABLED', 'DISABLED']) })
      .strict()
      .optional(),
  })
  .strict();

/** A Service Connect configuration as ECS and CloudFormation take it. */
export type ServiceConnectConfig = z.infer<typeof serviceConnectConfigSchema>;
/** One endpoint of a client-server service. */
export type ServiceConnectEndpointConfig = NonNullable<ServiceConnectConfig['services']>[number];
/** One client alias of an endpoint. */
export type ServiceConnectClientAlias = ServiceConnectEndpointConfig['clientAliases'][number];

/** Service Connect off: what every phase without it states (an absent property is "no change"). */
export const SERVICE_CONNECT_OFF: ServiceConnectConfig = { enabled: false };

/** What the plan decided for one endpoint of a service. */
export interface ServiceConnectEndpointPlan {
  readonly portName: string;
  readonly discoveryName?: string;
  /** The name and port its callers use: its old name, so no caller changes its configuration. */
  readonly alias: { readonly host: string; readonly port: number };
  readonly idleTimeoutSeconds?: number;
  readonly perRequestTimeoutSeconds?: number;
  /** The Private CA that issues its certificate, when its traffic is encrypted. */
  readonly tlsCertificateAuthorityArn?: string;
  /** Why it is not encrypted although TLS was asked for. */
  readonly noTlsReason?: string;
  /** Test traffic to the green revision by this header (a gradual deployment). */
  readonly testTrafficHeader?: string;
}

/** What the plan decided for a service's Service Connect configuration (in a phase that has it). */
export interface ServiceConnectPlan {
  /** Its endpoint; none for a client-only service (nobody calls it). */
  readonly endpoint?: ServiceConnectEndpointPlan;
  /** The proxy's log stream prefix: `db-envoy`. */
  readonly logStreamPrefix: string;
  /** The proxy's log group when it is not the system's (a discovered service's own). */
  readonly logGroupName?: string;
  /** JSON access logs (one line per request, query strings left out). */
  readonly accessLogs: boolean;
  /**
   * The live configuration the plan keeps (the topology file records it): rendered back field for
   * field, the other fields of this plan say what it holds (`live-service-connect.ts`).
   */
  readonly adopted?: LiveServiceConnect;
}

/**
 * Where a configuration points, resolved by the view that renders it: names and a region (the
 * migration CLI), names alone (`sc-update/`), or CloudFormation references (the CDK app's tokens).
 */
export interface ServiceConnectRefs {
  /** The namespace: its name or ARN. */
  readonly namespace: string;
  /** The system's log group for the proxies' logs (a service's own, if any, comes first). */
  readonly logGroupName: string;
  /** The log group's region; left out of `sc-update/`. */
  readonly region?: string;
  /** The key and the ECS infrastructure role of TLS, when an endpoint is encrypted. */
  readonly tls?: { readonly kmsKeyArn: string; readonly roleArn: string };
}

/**
 * The configuration of a service from its plan: client-server with one endpoint aliased by its
 * old name, or client-only with no endpoint; the proxy's logs (awslogs: group, stream prefix,
 * region) and, when asked for, its JSON access logs. A live configuration the plan keeps
 * (`adopted`) is rendered as it is, in the namespace `refs` names.
 *
 * @throws Error when an endpoint is encrypted and `refs` has no TLS key and role.
 */
export function renderServiceConnect(
  plan: ServiceConnectPlan,
  refs: ServiceConnectRefs
): ServiceConnectConfig {
  // Parsed, not copied: a fresh object of the API's type, checked as an sc-update/ file is.
  if (plan.adopted)
    return serviceConnectConfigSchema.parse({ enabled: true, ...plan.adopted, namespace: refs.namespace });
  const options: Record<string, string> = {
    'awslogs-group': plan.logGroupName ?? refs.logGroupName,
    'awslogs-stream-prefix': plan.logStreamPrefix,
  };
  if (refs.region !== undefined) options['awslogs-region'] = refs.region;
  return {
    enabled: true,
    namespace: refs.namespace,
    services: plan.endpoint ? [renderEndpoint(plan.endpoint, refs)] : [],
    logConfiguration: { logDriver: 'awslogs', options },
    ...(plan.accessLogs && {
      accessLogConfiguration: { format: 'JSON', includeQueryParameters: 'DISABLED' },
    }),
  };
}

function renderEndpoint(
  endpoint: ServiceConnectEndpointPlan,
  refs: ServiceConnectRefs
): ServiceConnectEndpointConfig {
  const alias: ServiceConnectClientAlias = { port: endpoint.alias.port, dnsName: endpoint.alias.host };
  if (endpoint.testTrafficHeader) alias.testTrafficRules = { header: { name: endpoint.testTrafficHeader } };
  const timeout = {
    ...(endpoint.idleTimeoutSeconds !== undefined && { idleTimeoutSeconds: endpoint.idleTimeoutSeconds }),
    ...(endpoint.perRequestTimeoutSeconds !== undefined && {
      perRequestTimeoutSeconds: endpoint.perRequestTimeoutSeconds,
    }),
  };
  const ca = endpoint.tlsCertificateAuthorityArn;
  if (ca && !refs.tls)
    throw new Error(`${endpoint.portName}: TLS needs its KMS key and ECS infrastructure role`);
  return {
    portName: endpoint.portName,
    ...(endpoint.discoveryName !== undefined && { discoveryName: endpoint.discoveryName }),
    clientAliases: [alias],
    ...(Object.keys(timeout).length > 0 && { timeout }),
    ...(ca &&
      refs.tls && {
        tls: {
          issuerCertificateAuthority: { awsPcaAuthorityArn: ca },
          kmsKey: refs.tls.kmsKeyArn,
          roleArn: refs.tls.roleArn,
        },
      }),
  };
}

/**
 * The discovery name of a Service Connect service entry: its `discoveryName`, or, as ECS fills
 * it in when the configuration sets none, its port name. ECS names the entry's Cloud Map service
 * with it, and labels the Service Connect metrics with it (`DiscoveryName` on the server's side,
 * `TargetDiscoveryName` on its callers').
 */
export function discoveryName(entry: { discoveryName?: string; portName?: string }): string {
  return entry.discoveryName ?? entry.portName!;
}
