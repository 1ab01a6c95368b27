import { MigrationPhase, phaseOf } from '../model/phase';
import {
  DEPLOYMENT_STRATEGIES,
  DeploymentOptions,
  DeploymentStrategyName,
  phaseRefusesStrategy,
} from '../model/deployment';
import { DeployableTopology, validateDeployable } from '../model/deployable';
import { PlanOptions } from '../model/plan';
import { ServiceSpec, Topology, serviceId, systemName } from '../model/topology';
import { pascalCase } from '../core/names';
import { Problems, ValidationError, oneOf } from '../core/validation';
import { STAGE, STAGE_ALLOWED, StackNames, stackNames, stagedTopology } from '../contract/stage';
import { readTopologyFile } from '../model/topology-file';
import { checkDeployLimits } from './deploy-limits';

/** Everything the CDK app needs, parsed and validated from context once, in `bin/`. */
export interface AppConfig {
  /** The copy of the app (`-c stage=NAME`), if any: in every name that must be unique per account and region. */
  readonly stage?: string;
  /** The stack names, with the stage (`stage`) if any. */
  readonly stackNames: StackNames;
  /** The migration phase selected by `serviceConnect` and `retireLegacy`. */
  readonly phase: MigrationPhase;
  /** The topology with the context's overrides (images, desired counts, names) applied. */
  readonly topology: DeployableTopology;
  /** NAT gateways in the network stack (1 or 2). */
  readonly natGateways: number;
  /**
   * Run the CDK's CloudFormation template validation at synth. Off by default: it triples the
   * synth time, and the test suite runs it over every phase.
   */
  readonly validateTemplates: boolean;
  /** E-mail address that receives the alarms, if any. */
  readonly alarmEmail?: string;
  /**
   * What happens to the database's file system when the stack is deleted (`dbStorageRemoval`).
   * Only meaningful with `dbStorage=efs`; the topology has no data volumes with `ephemeral`.
   */
  readonly dataRemoval: 'destroy' | 'retain';
  /** EFS automatic backups of the database's file system (`dbBackups`). */
  readonly dataBackups: boolean;
  /** Days CloudWatch keeps the application and Service Connect proxy logs (`logRetentionDays`). */
  readonly logRetentionDays: number;
  /** Days CloudWatch keeps the VPC flow logs (`flowLogRetentionDays`). */
  readonly flowLogRetentionDays: number;
  /** Copy the images that are not in ECR into ECR at deploy time, and run the copies (`mirrorImages`, default on). */
  readonly mirrorImages: boolean;
  /** HTTPS on the public load balancer (`certificateArn`, with `domainName` and `hostedZoneId`). */
  readonly https?: {
    readonly certificateArn: string;
    readonly domain?: { readonly name: string; readonly hostedZoneId: string };
  };
  /** The optional in-VPC load test (`loadTest=true`): the hey image to run, or undefined. */
  readonly loadTest?: { readonly image: string };
  /** How the services deploy (`deploymentStrategy`, `bakeTimeMinutes`, `deploymentStepPercent`, `deploymentStepBakeMinutes`). */
  readonly deployment: DeploymentOptions;
  /** Service Connect proxies' access logs, JSON, into the app's log group (`serviceConnectAccessLogs`, default on). */
  readonly serviceConnectAccessLogs: boolean;
  /** Service Connect TLS between the services, with this AWS Private CA (`serviceConnectTls`). */
  readonly serviceConnectTls?: { readonly certificateAuthorityArn: string };
}

/** The plan's options from the app's config: the phase and what the context chose. */
export function planOptionsOf(config: AppConfig): PlanOptions {
  return {
    phase: config.phase,
    accessLogs: config.serviceConnectAccessLogs,
    ...(config.serviceConnectTls && {
      tlsCertificateAuthorityArn: config.serviceConnectTls.certificateAuthorityArn,
    }),
    deployment: config.deployment,
  };
}

/** The default image of the in-VPC load test: hey, with hey as its entrypoint. */
export const DEFAULT_LOAD_TEST_IMAGE = 'williamyeh/hey:latest';

/** A context key of this app: its description for the README and errors, and its parser. */
interface ContextKey {
  readonly allowed: string;
  readonly parse: (raw: unknown) => unknown;
}

const MAX_AZS = 2;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/**
 * A week for both by default: enough to look back over a migration, and cheap for a sample. The
 * flow logs are security evidence: raise `flowLogRetentionDays` (90 or 365) where you keep it.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 7;
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

/**
 * Prefix of the per-service context keys, the system's name (`yelb`); any unknown key with it
 * is refused.
 */
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

/** The context key that names a topology file for the app to build instead of Yelb. */
export const TOPOLOGY_KEY = 'topology';

/**
 * The topology the app builds: the file that `-c topology=FILE` names (read and checked as the
 * migration CLI reads it), else `fallback` (Yelb, from bin/).
 *
 * @throws ValidationError naming the file, for a file that cannot be read or is not a topology
 */
export function resolveTopology(context: Readonly<Record<string, unknown>>, fallback: Topology): Topology {
  const file = context[TOPOLOGY_KEY];
  if (file === undefined) return fallback;
  if (typeof file !== 'string' || file.trim() === '') {
    throw new ValidationError([
      `context key '${TOPOLOGY_KEY}' has value ${show(file)}; allowed: the path of a topology file (JSON, topology.schema.json)`,
    ]);
  }
  return readTopologyFile(file);
}

/**
 * The context keys this app reads, with what each allows. Derived from the model, so a new
 * service brings its own `yelb<Id>Image` and `yelb<Id>DesiredCount`.
 */
export function contextKeys(base: Topology): Record<string, ContextKey> {
  const keys: Record<string, ContextKey> = {
    [TOPOLOGY_KEY]: {
      allowed: `the path of a topology file (JSON, topology.schema.json) to build instead of Yelb: its services, images and counts (default: Yelb)`,
      parse: (raw) => (typeof raw === 'string' && raw.trim() !== '' ? raw : undefined),
    },
    stage: {
      allowed: `${STAGE_ALLOWED}: a copy of the app beside others in the account (default: none)`,
      parse: (raw) => parsePattern(raw, STAGE),
    },
    serviceConnect: { allowed: `${oneOf(['true', 'false'])} (default false)`, parse: parseBoolean },
    retireLegacy: { allowed: `${oneOf(['true', 'false'])} (default false)`, parse: parseBoolean },
    validateTemplates: {
      allowed: `${oneOf(['true', 'false'])} (default false)`,
      parse: parseBoolean,
    },
    alarmEmail: {
      allowed: 'an e-mail address for the alarm notifications (default: none)',
      parse: (raw) => parsePattern(raw, EMAIL),
    },
    loadTest: {
      allowed: `${oneOf(['true', 'false'])}: add the ${stackNames(base).loadTest} stack, hey as a Fargate task (default false)`,
      parse: parseBoolean,
    },
    loadTestImage: {
      allowed: `a container image whose entrypoint is hey (default '${DEFAULT_LOAD_TEST_IMAGE}')`,
      parse: (raw) => parsePattern(raw, IMAGE),
    },
    dbStorage: {
      allowed: `${oneOf(['efs', 'ephemeral'])}: the data volumes (Yelb: the database's) on Amazon EFS, or in the task as in the walkthrough (default 'efs')`,
      parse: (raw) => parseChoice(raw, ['efs', 'ephemeral']),
    },
    dbStorageRemoval: {
      allowed: `${oneOf(['destroy', 'retain'])}: delete the data volumes' file systems with the stack, or keep them (default 'destroy')`,
      parse: (raw) => parseChoice(raw, ['destroy', 'retain']),
    },
    dbBackups: {
      allowed: `${oneOf(['true', 'false'])}: EFS automatic backups of the data volumes' file systems; their recovery points outlive the stack for 35 days (default true)`,
      parse: parseBoolean,
    },
    logRetentionDays: {
      allowed: `days CloudWatch keeps the application and proxy logs: ${oneOf(LOG_RETENTION_DAYS)} (default ${DEFAULT_LOG_RETENTION_DAYS})`,
      parse: parseRetention,
    },
    flowLogRetentionDays: {
      allowed: `days CloudWatch keeps the VPC flow logs: ${oneOf(LOG_RETENTION_DAYS)} (default ${DEFAULT_LOG_RETENTION_DAYS})`,
      parse: parseRetention,
    },
    mirrorImages: {
      allowed: `${oneOf(['true', 'false'])}: copy the images that are not in ECR (Docker Hub's) into ECR repositories of the app at deploy time, and run the copies; false pulls them from Docker Hub at every task start (default true)`,
      parse: parseBoolean,
    },
    certificateArn: {
      allowed:
        "an ACM certificate ARN in the stack's region, arn:aws:acm:<region>:<account>:certificate/<id>: HTTPS on the public load balancer (default: HTTP only)",
      parse: (raw) => parsePattern(raw, ACM_CERTIFICATE_ARN),
    },
    domainName: {
      allowed:
        "a lower-case DNS name such as yelb.example.com, with hostedZoneId and certificateArn: an alias record and the app's URL",
      parse: (raw) => parsePattern(raw, DOMAIN_NAME),
    },
    hostedZoneId: {
      allowed: 'a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, the zone of domainName',
      parse: (raw) => parsePattern(raw, HOSTED_ZONE_ID),
    },
    natGateways: {
      allowed: `an integer from 1 to ${MAX_AZS} (default ${MAX_AZS})`,
      parse: (raw) => parseInteger(raw, 1, MAX_AZS),
    },
    deploymentStrategy: {
      allowed: `${oneOf(DEPLOYMENT_STRATEGIES)}: how ECS deploys each service that it can shift traffic for through Service Connect, with retireLegacy=true only (default 'rolling')`,
      parse: (raw) => parseChoice(raw, DEPLOYMENT_STRATEGIES),
    },
    bakeTimeMinutes: {
      allowed:
        "an integer from 0 to 1440: minutes both revisions run after the traffic moved, with a deploymentStrategy other than rolling (default: ECS's)",
      parse: (raw) => parseInteger(raw, 0, 1440),
    },
    deploymentStepPercent: {
      allowed:
        "a percentage with one decimal: each step of a linear deployment (3.0 to 100.0) or the first step of a canary one (0.1 to 100.0) (default: ECS's, 10 and 5)",
      parse: parsePercent,
    },
    deploymentStepBakeMinutes: {
      allowed:
        "an integer from 0 to 1440: minutes between the steps of a linear or canary deployment (default: ECS's)",
      parse: (raw) => parseInteger(raw, 0, 1440),
    },
    serviceConnectAccessLogs: {
      allowed: `${oneOf(['true', 'false'])}: the Service Connect proxies' access logs (JSON, one line per request) into the app's log group (default true)`,
      parse: parseBoolean,
    },
    serviceConnectTls: {
      allowed:
        "an AWS Private CA ARN in the stack's region, arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>: TLS between the services through Service Connect (default: none)",
      parse: (raw) => parsePattern(raw, PCA_ARN),
    },
    clusterName: {
      allowed: `1-255 letters, digits, hyphens or underscores (default '${base.clusterName}')`,
      parse: (raw) => parsePattern(raw, CLUSTER_NAME),
    },
    logGroupName: {
      allowed: `a CloudWatch log group name (default '${base.logGroupName}')`,
      parse: (raw) => parsePattern(raw, LOG_GROUP_NAME),
    },
  };
  for (const svc of base.services) {
    keys[serviceContextKey(base, svc, 'Image')] = {
      allowed: `a container image reference such as 'repo/name:tag' (default '${svc.image}')`,
      parse: (raw) => parsePattern(raw, IMAGE),
    };
    keys[serviceContextKey(base, svc, 'DesiredCount')] = svc.singleton
      ? {
          allowed: `1 only: ${svc.name} keeps its state in its task, a second task would be a second copy of the data`,
          parse: (raw) => parseInteger(raw, 1, 1),
        }
      : {
          allowed: `a positive integer up to 100 (default ${svc.desiredCount})`,
          parse: (raw) => parseInteger(raw, 1, 100),
        };
  }
  return keys;
}

/**
 * Parses and validates the app's context. `context` is everything the CDK passes (cdk.json,
 * `-c` flags); keys that belong to the CDK itself are ignored. Refused, with one line per
 * problem naming the key, the value and what is allowed: an unparsable value,
 * `retireLegacy` without `serviceConnect`, an unknown key that looks like one of ours.
 *
 * @throws ValidationError
 */
export function parseConfig(context: Readonly<Record<string, unknown>>, fallback: Topology): AppConfig {
  const base = resolveTopology(context, fallback);
  const source = context[TOPOLOGY_KEY] as string | undefined;
  const keys = contextKeys(base);
  const prefix = contextPrefix(base);
  const problems = new Problems();
  const values: Record<string, unknown> = {};

  for (const [key, raw] of Object.entries(context)) {
    const known = keys[key];
    if (known) {
      const value = known.parse(raw);
      if (value === undefined) {
        problems.add(`context key '${key}' has value ${show(raw)}; allowed: ${known.allowed}`);
      } else {
        values[key] = value;
      }
      continue;
    }
    const sameLetters = Object.keys(keys).find((k) => k.toLowerCase() === key.toLowerCase());
    if (sameLetters) {
      problems.add(
        `context key '${key}' is not known; did you mean '${sameLetters}'? (keys are case-sensitive)`
      );
    } else if (key.toLowerCase().startsWith(prefix) || PER_SERVICE_KEY.test(key)) {
      // Also another system's per-service key (yelbUiImage with -c topology=shop.json): never
      // ignored, or the image the user meant would silently not be the one deployed.
      const ours = Object.keys(keys).filter((k) => k.startsWith(prefix));
      problems.add(`context key '${key}' is not known; the '${prefix}' keys are ${oneOf(ours)}`);
    } else {
      // A near miss of one of ours (a typo such as dbStorag) rather than a key of the CDK's.
      // Keys two or more letters longer or shorter cannot be within two edits (the CDK's feature
      // flags, which are most of the context, are skipped without computing anything).
      const nearest = Object.keys(keys).find(
        (k) =>
          key.length >= 5 &&
          Math.abs(k.length - key.length) <= 2 &&
          editDistance(k.toLowerCase(), key.toLowerCase()) <= 2
      );
      if (nearest) problems.add(`context key '${key}' is not known; did you mean '${nearest}'?`);
    }
  }

  const serviceConnect = (values.serviceConnect as boolean | undefined) ?? false;
  const retireLegacy = (values.retireLegacy as boolean | undefined) ?? false;
  problems.check(
    !retireLegacy || serviceConnect,
    `context key 'retireLegacy' is true but 'serviceConnect' is not; allowed: retireLegacy=true only together with serviceConnect=true`
  );
  problems.check(
    !(values.dbStorage === 'ephemeral' && values.dbStorageRemoval !== undefined),
    `context key 'dbStorageRemoval' is set but dbStorage is 'ephemeral'; allowed: dbStorageRemoval only with dbStorage=efs (the default)`
  );
  problems.check(
    !(values.dbStorage === 'ephemeral' && values.dbBackups !== undefined),
    `context key 'dbBackups' is set but dbStorage is 'ephemeral'; allowed: dbBackups only with dbStorage=efs (the default)`
  );
  problems.check(
    values.domainName === undefined ||
      (values.hostedZoneId !== undefined && values.certificateArn !== undefined),
    `context key 'domainName' is set without ${values.hostedZoneId === undefined ? "'hostedZoneId'" : "'certificateArn'"}; allowed: domainName together with hostedZoneId (its zone) and certificateArn (a certificate for it)`
  );
  problems.check(
    values.hostedZoneId === undefined || values.domainName !== undefined,
    `context key 'hostedZoneId' is set without 'domainName'; allowed: hostedZoneId only together with domainName`
  );
  problems.check(
    !(values.loadTestImage !== undefined && values.loadTest !== true),
    `context key 'loadTestImage' is set but loadTest is not true; allowed: loadTestImage only with loadTest=true`
  );
  const strategy = (values.deploymentStrategy as DeploymentStrategyName | undefined) ?? 'rolling';
  // retireLegacy without serviceConnect is refused above: no phase to check the strategy against.
  const phase = !retireLegacy || serviceConnect ? phaseOf({ serviceConnect, retireLegacy }) : 'retired';
  const refused = phaseRefusesStrategy(strategy, phase);
  if (refused) problems.add(`context key 'deploymentStrategy' is '${strategy}', but ${refused}`);
  for (const key of ['bakeTimeMinutes', 'deploymentStepPercent', 'deploymentStepBakeMinutes'] as const) {
    problems.check(
      values[key] === undefined || strategy !== 'rolling',
      `context key '${key}' is set but deploymentStrategy is 'rolling'; allowed: ${key} only with deploymentStrategy=${key === 'bakeTimeMinutes' ? 'blueGreen, linear or canary' : 'linear or canary'}`
    );
  }
  for (const key of ['deploymentStepPercent', 'deploymentStepBakeMinutes'] as const) {
    problems.check(
      values[key] === undefined || strategy === 'rolling' || strategy === 'linear' || strategy === 'canary',
      `context key '${key}' is set but deploymentStrategy is '${strategy}'; allowed: ${key} only with deploymentStrategy=linear or canary`
    );
  }
  const stepPercent = values.deploymentStepPercent as number | undefined;
  problems.check(
    !(strategy === 'linear' && stepPercent !== undefined && stepPercent < 3),
    `context key 'deploymentStepPercent' is ${stepPercent} with deploymentStrategy=linear; allowed: 3.0 to 100.0 (ECS's range for a linear step)`
  );
  problems.throwIfAny();

  const stage = values.stage as string | undefined;
  // The name stays the system's own with a stage (it names the stacks and families, which add the stage).
  const named = stagedTopology({ ...base, name: systemName(base) }, stage, {
    ...(values.clusterName !== undefined && { clusterName: values.clusterName as string }),
    ...(values.logGroupName !== undefined && { logGroupName: values.logGroupName as string }),
  });
  // On by default: tasks pulling from Docker Hub meet its anonymous limit (10 pulls per hour
  // per address) during a migration, which replaces every task.
  const mirrorImages = (values.mirrorImages as boolean | undefined) ?? true;
  const topology = labelled(source, () => {
    const deployable = validateDeployable({
      ...named,
      services: base.services.map((svc) => ({
        ...svc,
        image: (values[serviceContextKey(base, svc, 'Image')] as string | undefined) ?? svc.image,
        desiredCount:
          (values[serviceContextKey(base, svc, 'DesiredCount')] as number | undefined) ?? svc.desiredCount,
        // dbStorage=ephemeral: the walkthrough's behaviour, data inside the task.
        dataVolume: values.dbStorage === 'ephemeral' ? undefined : svc.dataVolume,
      })),
    });
    checkDeployLimits(deployable, {
      mirrorImages,
      https: values.certificateArn !== undefined,
      domain: values.domainName !== undefined,
      alarmEmail: values.alarmEmail !== undefined,
      ...(stage !== undefined && { stage }),
      tls: values.serviceConnectTls !== undefined,
    });
    return deployable;
  });

  return {
    ...(stage !== undefined && { stage }),
    stackNames: stackNames(base, stage),
    phase,
    deployment: {
      strategy,
      ...(values.bakeTimeMinutes !== undefined && { bakeMinutes: values.bakeTimeMinutes as number }),
      ...(stepPercent !== undefined && { stepPercent }),
      ...(values.deploymentStepBakeMinutes !== undefined && {
        stepBakeMinutes: values.deploymentStepBakeMinutes as number,
      }),
    },
    serviceConnectAccessLogs: (values.serviceConnectAccessLogs as boolean | undefined) ?? true,
    ...(values.serviceConnectTls !== undefined && {
      serviceConnectTls: { certificateAuthorityArn: values.serviceConnectTls as string },
    }),
    topology,
    natGateways: (values.natGateways as number | undefined) ?? MAX_AZS,
    logRetentionDays: (values.logRetentionDays as number | undefined) ?? DEFAULT_LOG_RETENTION_DAYS,
    flowLogRetentionDays: (values.flowLogRetentionDays as number | undefined) ?? DEFAULT_LOG_RETENTION_DAYS,
    validateTemplates: (values.validateTemplates as boolean | undefined) ?? false,
    alarmEmail: values.alarmEmail as string | undefined,
    dataRemoval: (values.dbStorageRemoval as 'destroy' | 'retain' | undefined) ?? 'destroy',
    dataBackups: (values.dbBackups as boolean | undefined) ?? true,
    mirrorImages,
    ...(values.certificateArn !== undefined && {
      https: {
        certificateArn: values.certificateArn as string,
        ...(values.domainName !== undefined && {
          domain: { name: values.domainName as string, hostedZoneId: values.hostedZoneId as string },
        }),
      },
    }),
    ...(values.loadTest === true && {
      loadTest: { image: (values.loadTestImage as string | undefined) ?? DEFAULT_LOAD_TEST_IMAGE },
    }),
  };
}

/** `check()`, its problems prefixed with the topology file's name when the topology is one. */
function labelled<T>(source: string | undefined, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ValidationError) || source === undefined) throw err;
    throw new ValidationError(err.problems.map((p) => `${source}: ${p}`));
  }
}

/** `true`/`false`, as a boolean (cdk.json) or as the string the command line passes. */
function parseBoolean(raw: unknown): boolean | undefined {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  return undefined;
}

/** A percentage from 0.1 to 100 with at most one decimal, as ECS takes a traffic step. */
function parsePercent(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^\d{1,3}(\.\d)?$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 0.1 && value <= 100 ? value : undefined;
}

function parseRetention(raw: unknown): number | undefined {
  const days = parseInteger(raw, 1, 3653);
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days ?? -1) ? days : undefined;
}

function parseInteger(raw: unknown, min: number, max: number): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
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

function parseChoice<T extends string>(raw: unknown, choices: readonly T[]): T | undefined {
  return choices.find((c) => c === raw);
}

function parsePattern(raw: unknown, pattern: RegExp): string | undefined {
  return typeof raw === 'string' && pattern.test(raw) ? raw : undefined;
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
}
