import { z } from 'zod';
import { MigrationPhase, phaseOf } from '../model/phase';
import { DEFAULT_BAKE_MINUTES, DeploymentOptions, phaseRefusesStrategy } from '../model/deployment';
import { DeployableTopology, validateDeployable } from '../model/deployable';
import { PlanOptions } from '../model/plan';
import { Topology, systemName } from '../model/topology';
import { Problems, ValidationError } from '../core/validation';
import { StackNames, stackNames, stagedTopology } from '../contract/stage';
import { readTopologyFile } from '../model/topology-file';
import { checkDeployLimits } from './deploy-limits';
import {
  DEFAULT_LOAD_TEST_IMAGE,
  DEFAULT_LOG_RETENTION_DAYS,
  MAX_AZS,
  TOPOLOGY_KEY,
  allowedOf,
  contextKeys,
  contextPrefix,
  contextSchema,
  serviceKeys,
  unknownKeyProblem,
} from './context-schema';

export {
  DEFAULT_LOAD_TEST_IMAGE,
  LOG_RETENTION_DAYS,
  TOPOLOGY_KEY,
  contextKeys,
  contextPrefix,
  serviceContextKey,
} from './context-schema';

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

/**
 * The topology the app builds: the file that `-c topology=FILE` names (read and checked as the
 * migration CLI reads it), else `fallback` (Yelb, from bin/).
 *
 * @throws ValidationError naming the file, for a file that cannot be read or is not a topology
 */
export function resolveTopology(context: Readonly<Record<string, unknown>>, fallback: Topology): Topology {
  const file = context[TOPOLOGY_KEY];
  if (file === undefined) return fallback;
  const parsed = z.string().trim().min(1).safeParse(file);
  if (!parsed.success) {
    throw new ValidationError([
      `context key '${TOPOLOGY_KEY}' has value ${show(file)}; allowed: the path of a topology file (JSON, topology.schema.json)`,
    ]);
  }
  return readTopologyFile(parsed.data);
}

/** Minutes CloudFormation lets a gradual deployment take: it refuses templates whose settings exceed 33 hours. */
export const MAX_GRADUAL_MINUTES = 33 * 60;
/** ECS's first-step percentages when a linear or canary deployment sets none. */
const DEFAULT_STEP_PERCENT = { linear: 10, canary: 5 } as const;

/**
 * Parses and validates the app's context with its schema (`context-schema.ts`). `context` is
 * everything the CDK passes (cdk.json, `-c` flags); keys that belong to the CDK itself are
 * ignored. Refused, with one line per problem naming the key, the value and what is allowed: an
 * unparsable value, settings that contradict each other or the phase, an unknown key that looks
 * like one of ours.
 *
 * @throws ValidationError
 */
export function parseConfig(context: Readonly<Record<string, unknown>>, fallback: Topology): AppConfig {
  const base = resolveTopology(context, fallback);
  const problems = new Problems();
  // The problems with single keys in the order the context lists them, then those of their combinations.
  const byKey = new KeyedProblems(Object.keys(context));
  const values = parseKeys(contextSchema(base), context, byKey);
  const perService = serviceKeys(base).map(({ svc, image, desiredCount }) => ({
    svc,
    image: parseKey(image.key, image.schema, context, byKey),
    desiredCount: parseKey(desiredCount.key, desiredCount.schema, context, byKey),
  }));
  const known = Object.keys(contextKeys(base));
  for (const key of Object.keys(context).filter((k) => !known.includes(k))) {
    const problem = unknownKeyProblem(key, known, contextPrefix(base));
    if (problem) byKey.add(key, problem);
  }
  byKey.list().forEach((p) => problems.add(p));
  const serviceConnect = values.serviceConnect ?? false;
  const retireLegacy = values.retireLegacy ?? false;
  problems.check(
    !retireLegacy || serviceConnect,
    `context key 'retireLegacy' is true but 'serviceConnect' is not; allowed: retireLegacy=true only together with serviceConnect=true`
  );
  // retireLegacy without serviceConnect is refused above: the phase the keys check against is then retired.
  const phase = !retireLegacy || serviceConnect ? phaseOf({ serviceConnect, retireLegacy }) : 'retired';
  checkCombinations(values, phase, problems);
  const deployment = deploymentOf(values, phase, problems);
  problems.throwIfAny();

  const stage = values.stage;
  // The name stays the system's own with a stage (it names the stacks and families, which add the stage).
  const named = stagedTopology({ ...base, name: systemName(base) }, stage, {
    ...(values.clusterName !== undefined && { clusterName: values.clusterName }),
    ...(values.logGroupName !== undefined && { logGroupName: values.logGroupName }),
  });
  // On by default: tasks pulling from Docker Hub meet its anonymous limit (10 pulls per hour
  // per address) during a migration, which replaces every task.
  const mirrorImages = values.mirrorImages ?? true;
  const source = values.topology;
  const topology = labelled(source, () => {
    const deployable = validateDeployable({
      ...named,
      services: perService.map(({ svc, image, desiredCount }) => ({
        ...svc,
        image: image ?? svc.image,
        desiredCount: desiredCount ?? svc.desiredCount,
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
    deployment,
    serviceConnectAccessLogs: values.serviceConnectAccessLogs ?? true,
    ...(values.serviceConnectTls !== undefined && {
      serviceConnectTls: { certificateAuthorityArn: values.serviceConnectTls },
    }),
    topology,
    natGateways: values.natGateways ?? MAX_AZS,
    logRetentionDays: values.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    flowLogRetentionDays: values.flowLogRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    validateTemplates: values.validateTemplates ?? false,
    ...(values.alarmEmail !== undefined && { alarmEmail: values.alarmEmail }),
    dataRemoval: values.dbStorageRemoval ?? 'destroy',
    dataBackups: values.dbBackups ?? true,
    mirrorImages,
    ...(values.certificateArn !== undefined && {
      https: {
        certificateArn: values.certificateArn,
        ...(values.domainName !== undefined &&
          values.hostedZoneId !== undefined && {
            domain: { name: values.domainName, hostedZoneId: values.hostedZoneId },
          }),
      },
    }),
    ...(values.loadTest === true && {
      loadTest: { image: values.loadTestImage ?? DEFAULT_LOAD_TEST_IMAGE },
    }),
  };
}

/** The values of the context, parsed: the keys of `shape` that are set and valid. */
type ContextValues = Partial<{
  [K in keyof ReturnType<typeof contextSchema>]: z.output<ReturnType<typeof contextSchema>[K]>;
}>;

/** Problems of single keys, listed in the order of the keys. */
class KeyedProblems {
  private readonly found: { index: number; problem: string }[] = [];
  constructor(private readonly order: readonly string[]) {}

  add(key: string, problem: string): void {
    this.found.push({ index: this.order.indexOf(key), problem });
  }

  list(): string[] {
    return [...this.found].sort((a, b) => a.index - b.index).map((f) => f.problem);
  }
}

/** Each key of `shape` that `context` sets, parsed; a refused value is a problem naming the key. */
function parseKeys<S extends Record<string, z.ZodType>>(
  shape: S,
  context: Readonly<Record<string, unknown>>,
  problems: KeyedProblems
): Partial<{ [K in keyof S]: z.output<S[K]> }> {
  const parsed: Partial<{ [K in keyof S]: z.output<S[K]> }> = {};
  for (const key of Object.keys(shape) as (keyof S & string)[]) {
    const value = parseKey(key, shape[key], context, problems);
    if (value !== undefined) parsed[key] = value;
  }
  return parsed;
}

/** `context[key]` parsed by `schema`, undefined when not set or refused (a problem naming the key). */
function parseKey<S extends z.ZodType>(
  key: string,
  schema: S,
  context: Readonly<Record<string, unknown>>,
  problems: KeyedProblems
): z.output<S> | undefined {
  const raw = context[key];
  if (raw === undefined) return undefined;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  problems.add(key, `context key '${key}' has value ${show(raw)}; allowed: ${allowedOf(schema)}`);
  return undefined;
}

/** Settings that only mean something together, or in another phase. */
function checkCombinations(values: ContextValues, phase: MigrationPhase, problems: Problems): void {
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
  // TLS makes the proxy on each server's container port accept TLS 1.3 only: the old path's
  // clients and the internal load balancer's health checks reach that port in plain text.
  problems.check(
    values.serviceConnectTls === undefined || phase === 'retired',
    `context key 'serviceConnectTls' is set in the ${phase} phase; allowed: serviceConnectTls with retireLegacy=true only: with TLS each server's proxy accepts TLS only on its container port, where the old path's clients and the internal load balancer's health checks still connect in plain text. To roll back from the retired phase, deploy it without serviceConnectTls first`
  );
}

/** The deployment settings, with every refusal of the strategy's keys as a problem. */
function deploymentOf(values: ContextValues, phase: MigrationPhase, problems: Problems): DeploymentOptions {
  const strategy = values.deploymentStrategy ?? 'rolling';
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
  const stepPercent = values.deploymentStepPercent;
  problems.check(
    !(strategy === 'linear' && stepPercent !== undefined && stepPercent < 3),
    `context key 'deploymentStepPercent' is ${stepPercent} with deploymentStrategy=linear; allowed: 3.0 to 100.0 (ECS's range for a linear step)`
  );
  if ((strategy === 'linear' || strategy === 'canary') && values.deploymentStepBakeMinutes !== undefined) {
    const bake = values.bakeTimeMinutes ?? DEFAULT_BAKE_MINUTES;
    const step = values.deploymentStepBakeMinutes;
    // CloudFormation's estimate: bake + steps × step bake (linear), bake + canary bake (canary).
    const steps = strategy === 'linear' ? Math.ceil(100 / (stepPercent ?? DEFAULT_STEP_PERCENT.linear)) : 1;
    const total = bake + steps * step;
    problems.check(
      total <= MAX_GRADUAL_MINUTES,
      `context keys 'bakeTimeMinutes' (${bake}) and 'deploymentStepBakeMinutes' (${step}) make a ${strategy} deployment take ${total} minutes (${strategy === 'linear' ? `${bake} + ${steps} steps × ${step}` : `${bake} + ${step}`}); allowed: at most ${MAX_GRADUAL_MINUTES} (33 hours: CloudFormation refuses a longer one)`
    );
  }
  return {
    strategy,
    ...(values.bakeTimeMinutes !== undefined && { bakeMinutes: values.bakeTimeMinutes }),
    ...(stepPercent !== undefined && { stepPercent }),
    ...(values.deploymentStepBakeMinutes !== undefined && {
      stepBakeMinutes: values.deploymentStepBakeMinutes,
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

function show(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
}
