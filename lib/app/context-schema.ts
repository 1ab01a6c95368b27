import { z } from 'zod';
import { pascalCase } from '../core/names';
import { oneOf } from '../core/validation';
import { DEPLOYMENT_STRATEGIES } from '../model/deployment';
import { ServiceSpec, Topology, serviceId, systemName } from '../model/topology';
import { STAGE, STAGE_ALLOWED, stackNames } from '../contract/stage';

/**
 * The CDK app's context keys as one zod schema: each key's parser (the command line passes
 * strings, cdk.json JSON values) and, as its description, what it allows — the text of the error
 * when a value is refused and of the README's table. Derived from the topology, so that each
 * service brings its own `<name><Id>Image` and `<name><Id>DesiredCount`.
 */

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/**
 * A week for both by default: enough to look back over a migration, and cheap for a sample. The
 * flow logs are security evidence: raise `flowLogRetentionDays` (90 or 365) where you keep it.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 7;
/** The default image of the in-VPC load test: hey, with hey as its entrypoint. */
export const DEFAULT_LOAD_TEST_IMAGE = 'williamyeh/hey:latest';
/** Availability zones, and so the most NAT gateways. */
export const MAX_AZS = 2;
/** The context key that names a topology file for the app to build instead of Yelb. */
export const TOPOLOGY_KEY = 'topology';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// An ACM certificate: arn:<partition>:acm:<region>:<account>:certificate/<id>.
const ACM_CERTIFICATE_ARN = /^arn:aws(-[a-z]+)*:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
// An AWS Private CA: arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<id>.
const PCA_ARN =
  /^arn:aws(-[a-z]+)*:acm-pca:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate-authority\/[0-9a-f-]{36}$/;
const LOG_GROUP_NAME = /^[A-Za-z0-9_\-/.#]{1,512}$/;
// A Docker image reference: [registry/]repository[:tag][@digest], no spaces.
const IMAGE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const TRUE_FALSE = `${oneOf(['true', 'false'])}`;

/** `true`/`false`: a boolean (cdk.json) or the string the command line passes. */
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
/** An integer from `min` to `max`, from a number or its digits. */
const integer = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(min).max(max));
/** A string matching `pattern`. */
const matching = (pattern: RegExp) => z.string().regex(pattern);
/** A percentage from 0.1 to 100 with at most one decimal, as ECS takes a traffic step. */
const percent = z
  .union([z.number().transform(String), z.string()])
  .pipe(
    z
      .string()
      .regex(/^\d{1,3}(\.\d)?$/)
      .transform(Number)
  )
  .pipe(z.number().min(0.1).max(100));
const retention = integer(1, 3653).refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days));

/** The context keys every system has, with what each allows. */
function commonKeys(base: Topology) {
  return {
    [TOPOLOGY_KEY]: z
      .string()
      .trim()
      .min(1)
      .describe(
        'the path of a topology file (JSON, topology.schema.json) to build instead of Yelb: its services, images and counts (default: Yelb)'
      ),
    stage: matching(STAGE).describe(
      `${STAGE_ALLOWED}: a copy of the app beside others in the account (default: none)`
    ),
    serviceConnect: bool.describe(`${TRUE_FALSE} (default false)`),
    retireLegacy: bool.describe(`${TRUE_FALSE} (default false)`),
    validateTemplates: bool.describe(`${TRUE_FALSE} (default false)`),
    alarmEmail: matching(EMAIL).describe('an e-mail address for the alarm notifications (default: none)'),
    loadTest: bool.describe(
      `${TRUE_FALSE}: add the ${stackNames(base).loadTest} stack, hey as a Fargate task (default false)`
    ),
    loadTestImage: matching(IMAGE).describe(
      `a container image whose entrypoint is hey (default '${DEFAULT_LOAD_TEST_IMAGE}')`
    ),
    dbStorage: z
      .enum(['efs', 'ephemeral'])
      .describe(
        `${oneOf(['efs', 'ephemeral'])}: the data volumes (Yelb: the database's) on Amazon EFS, or in the task as in the walkthrough (default 'efs')`
      ),
    dbStorageRemoval: z
      .enum(['destroy', 'retain'])
      .describe(
        `${oneOf(['destroy', 'retain'])}: delete the data volumes' file systems with the stack, or keep them (default 'destroy')`
      ),
    dbBackups: bool.describe(
      `${TRUE_FALSE}: EFS automatic backups of the data volumes' file systems; their recovery points outlive the stack for 35 days (default true)`
    ),
    logRetentionDays: retention.describe(
      `days CloudWatch keeps the application and proxy logs: ${oneOf(LOG_RETENTION_DAYS)} (default ${DEFAULT_LOG_RETENTION_DAYS})`
    ),
    flowLogRetentionDays: retention.describe(
      `days CloudWatch keeps the VPC flow logs: ${oneOf(LOG_RETENTION_DAYS)} (default ${DEFAULT_LOG_RETENTION_DAYS})`
    ),
    mirrorImages: bool.describe(
      `${TRUE_FALSE}: copy the images that are not in ECR (Docker Hub's) into ECR repositories of the app at deploy time, and run the copies; false pulls them from Docker Hub at every task start (default true)`
    ),
    certificateArn: matching(ACM_CERTIFICATE_ARN).describe(
      "an ACM certificate ARN in the stack's region, arn:aws:acm:<region>:<account>:certificate/<id>: HTTPS on the public load balancer (default: HTTP only)"
    ),
    domainName: matching(DOMAIN_NAME).describe(
      "a lower-case DNS name such as yelb.example.com, with hostedZoneId and certificateArn: an alias record and the app's URL"
    ),
    hostedZoneId: matching(HOSTED_ZONE_ID).describe(
      'a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, the zone of domainName'
    ),
    natGateways: integer(1, MAX_AZS).describe(`an integer from 1 to ${MAX_AZS} (default ${MAX_AZS})`),
    deploymentStrategy: z
      .enum(DEPLOYMENT_STRATEGIES)
      .describe(
        `${oneOf(DEPLOYMENT_STRATEGIES)}: how ECS deploys each service that it can shift traffic for through Service Connect, with retireLegacy=true only (default 'rolling')`
      ),
    bakeTimeMinutes: integer(0, 1440).describe(
      'an integer from 0 to 1440: minutes both revisions run after the traffic moved, with a deploymentStrategy other than rolling (default 5)'
    ),
    deploymentStepPercent: percent.describe(
      "a percentage with one decimal: each step of a linear deployment (3.0 to 100.0) or the first step of a canary one (0.1 to 100.0) (default: ECS's, 10 and 5)"
    ),
    deploymentStepBakeMinutes: integer(0, 1440).describe(
      "an integer from 0 to 1440: minutes between the steps of a linear or canary deployment (default: ECS's)"
    ),
    serviceConnectAccessLogs: bool.describe(
      `${TRUE_FALSE}: the Service Connect proxies' access logs (JSON, one line per request) into the app's log group (default true)`
    ),
    serviceConnectTls: matching(PCA_ARN).describe(
      "an AWS Private CA ARN in the stack's region, arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>: TLS between the services through Service Connect, with retireLegacy=true only (default: none)"
    ),
    clusterName: matching(CLUSTER_NAME).describe(
      `1-255 letters, digits, hyphens or underscores (default '${base.clusterName}')`
    ),
    logGroupName: matching(LOG_GROUP_NAME).describe(
      `a CloudWatch log group name (default '${base.logGroupName}')`
    ),
  };
}

/** The per-service keys of `base`: an image and a desired count per service. */
export function serviceKeys(base: Topology) {
  return base.services.map((svc) => ({
    svc,
    image: {
      key: serviceContextKey(base, svc, 'Image'),
      schema: matching(IMAGE).describe(
        `a container image reference such as 'repo/name:tag' (default '${svc.image}')`
      ),
    },
    desiredCount: {
      key: serviceContextKey(base, svc, 'DesiredCount'),
      schema: svc.singleton
        ? integer(1, 1).describe(
            `1 only: ${svc.name} keeps its state in its task, a second task would be a second copy of the data`
          )
        : integer(1, 100).describe(`a positive integer up to 100 (default ${svc.desiredCount})`),
    },
  }));
}

/** The keys every system's app reads (see {@link serviceKeys} for the per-service ones). */
export function contextSchema(base: Topology) {
  return commonKeys(base);
}

/** The keys of the app's context and what each allows (the README's table, the tests). */
export function contextKeys(base: Topology): Record<string, { readonly allowed: string }> {
  const schemas: [string, z.ZodType][] = [
    ...Object.entries(commonKeys(base)),
    ...serviceKeys(base).flatMap(({ image, desiredCount }): [string, z.ZodType][] => [
      [image.key, image.schema],
      [desiredCount.key, desiredCount.schema],
    ]),
  ];
  return Object.fromEntries(schemas.map(([key, schema]) => [key, { allowed: allowedOf(schema) }]));
}

/** What a key allows: its schema's description. */
export function allowedOf(schema: z.ZodType): string {
  return schema.description ?? '';
}

/** Prefix of the per-service context keys, the system's name (`yelb`); any unknown key with it is refused. */
export function contextPrefix(topology: Pick<Topology, 'name' | 'clusterName'>): string {
  return systemName(topology);
}

/** `yelbUiImage`, `yelbAppserverDesiredCount`: the per-service context key for `setting`. */
export function serviceContextKey(
  topology: Pick<Topology, 'name' | 'clusterName'>,
  svc: ServiceSpec,
  setting: 'Image' | 'DesiredCount'
): string {
  return `${contextPrefix(topology)}${pascalCase(serviceId(svc))}${setting}`;
}

/** The shape of a per-service key of any system: `yelbUiImage`, `shopCartDesiredCount`. */
const PER_SERVICE_KEY = /^[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*(Image|DesiredCount)$/;

/**
 * Why `key`, which is not one of `known`, is refused, or undefined when it is someone else's (the
 * CDK's feature flags). Refused: our keys in another letter case, a key with the system's prefix
 * or the shape of another system's per-service key (the image the user meant would silently not
 * be the one deployed), a near miss of one of ours (a typo within two edits).
 */
export function unknownKeyProblem(key: string, known: readonly string[], prefix: string): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters)
    return `context key '${key}' is not known; did you mean '${sameLetters}'? (keys are case-sensitive)`;
  if (key.toLowerCase().startsWith(prefix) || PER_SERVICE_KEY.test(key)) {
    const ours = known.filter((k) => k.startsWith(prefix));
    return `context key '${key}' is not known; the '${prefix}' keys are ${oneOf(ours)}`;
  }
  // Keys two or more letters longer or shorter cannot be within two edits (the CDK's feature
  // flags, which are most of the context, are skipped without computing anything).
  const nearest = known.find(
    (k) =>
      key.length >= 5 &&
      Math.abs(k.length - key.length) <= 2 &&
      editDistance(k.toLowerCase(), key.toLowerCase()) <= 2
  );
  return nearest ? `context key '${key}' is not known; did you mean '${nearest}'?` : undefined;
}

/** Levenshtein distance: the edits that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      );
    }
    previous = current;
  }
  return previous[b.length];
}
