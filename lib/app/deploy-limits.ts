import { Problems } from '../core/validation';
import { DeployableService, DeployableTopology, planDeployable } from '../model/deployable';
import { callersOf, calleesOf, legacyEndpoint } from '../model/graph';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { PlanOptions, defaultPlanOptions } from '../model/plan';
import { CFN_LIMITS, CFN_RESOURCE_LIMIT } from './cfn-limits';
import { LEGACY_ALB_PREFIX, dashboardName, internalAlbName } from '../contract/names';
import { mirrorProblems } from '../image-copy/reference';
import { servesHttpThroughServiceConnect } from '../model/deployment';
import { StackOptions, plannedResources } from './resources';

export type { StackOptions } from './resources';

/** A CloudWatch alarm on metric math takes at most this many metrics. */
export const MAX_ALARM_METRICS = 10;

/**
 * The quotas that CloudFormation, Elastic Load Balancing and Amazon EC2 would otherwise enforce
 * only at deploy time, checked on the model before anything is synthesized: a topology that the
 * app can write but AWS would refuse half-way through a deployment is refused at `cdk synth`,
 * one line per problem with its JSON path, the number, the quota and whose quota it is.
 * No CDK imports: it counts what the plan says the stack's constructs create (`resources.ts`,
 * which the tests hold to the synthesized templates, construct by construct).
 */

/** Quotas of other services than CloudFormation that the app's resources meet. */
export const AWS_QUOTAS = {
  /** Elastic Load Balancing: listeners per load balancer (one per service behind the internal one). */
  listenersPerLoadBalancer: 50,
  /** Elastic Load Balancing: a load balancer's name. */
  loadBalancerNameLength: 32,
  /** Amazon VPC: inbound (or outbound) rules per security group, default (adjustable). */
  rulesPerSecurityGroup: 60,
  /** Amazon ECS: a task definition family's name. */
  familyNameLength: 255,
  /** Amazon CloudWatch: an alarm's name, and a dashboard's. */
  cloudWatchNameLength: 255,
} as const;

/**
 * Resources of the system's stack in its biggest phase, as the plan says the constructs create
 * them ({@link plannedResources}): the phases with the old path have the internal load balancer,
 * the retired one the TLS key and role.
 */
export function resourceCount(topology: DeployableTopology, options: StackOptions): number {
  return Math.max(
    ...MIGRATION_PHASES.map(
      (phase) => plannedResources(planDeployable(topology, planOptionsFor(phase, options)), options).length
    )
  );
}

/** Plan options that create what `options` do in `phase` (TLS's resources: a placeholder CA). */
function planOptionsFor(phase: MigrationPhase, options: StackOptions): PlanOptions {
  return {
    ...defaultPlanOptions(phase),
    ...(options.tls &&
      phase === 'retired' && { tlsCertificateAuthorityArn: 'arn:aws:acm-pca:::certificate-authority/any' }),
  };
}

/**
 * Outputs of the system's stack: 12 of its own (the options of the Service Connect
 * configurations among them), a service name each, a file system ID per data volume.
 */
export function outputCount(topology: DeployableTopology): number {
  return 12 + topology.services.length + topology.services.filter((s) => s.dataVolume).length;
}

/**
 * Every quota the topology would exceed once deployed, one line each.
 *
 * @throws ValidationError
 */
export function checkDeployLimits(topology: DeployableTopology, options: StackOptions): void {
  const problems = new Problems();
  const resources = resourceCount(topology, options);
  problems.check(
    resources <= CFN_RESOURCE_LIMIT,
    `services: ${topology.services.length} services make about ${resources} resources in one stack; allowed: at most ${CFN_RESOURCE_LIMIT} (CloudFormation's quota of resources per stack): remove services, or set mirrorImages=false (2 per image)`
  );
  const outputs = outputCount(topology);
  problems.check(
    outputs <= CFN_LIMITS.outputs,
    `services: ${topology.services.length} services make ${outputs} outputs; allowed: at most ${CFN_LIMITS.outputs} (CloudFormation's quota of outputs per stack)`
  );

  const behindAlb = topology.services.flatMap((s, i) =>
    s.legacyDiscovery.kind === 'internalAlb' ? [i] : []
  );
  problems.check(
    behindAlb.length <= AWS_QUOTAS.listenersPerLoadBalancer,
    `services[*].legacyDiscovery: ${behindAlb.length} services are behind the internal load balancer, one listener each; allowed: at most ${AWS_QUOTAS.listenersPerLoadBalancer} (Elastic Load Balancing's quota of listeners per load balancer)`
  );
  const albName = `${LEGACY_ALB_PREFIX}${topology.clusterName}`;
  problems.check(
    behindAlb.length === 0 || albName.length <= AWS_QUOTAS.loadBalancerNameLength,
    `clusterName: '${topology.clusterName}' (with the stage, if any) is ${topology.clusterName.length} characters; allowed: at most ${AWS_QUOTAS.loadBalancerNameLength - LEGACY_ALB_PREFIX.length} while a service is behind the internal load balancer, whose name '${albName}' may have ${AWS_QUOTAS.loadBalancerNameLength} (Elastic Load Balancing); cut to '${internalAlbName(topology.clusterName)}', it could be another copy's`
  );
  // Inbound rules: one per caller (Service Connect's proxies connect task to task), one from
  // each load balancer in front of the service. The internal load balancer's own group: one per
  // caller and port behind it.
  const rules = AWS_QUOTAS.rulesPerSecurityGroup;
  topology.services.forEach((svc, i) => {
    const inbound =
      callersOf(topology, svc).length +
      (svc.legacyDiscovery.kind === 'internalAlb' ? 1 : 0) +
      (svc.publicEntry ? 1 : 0);
    problems.check(
      inbound <= rules,
      `services[${i}]: '${svc.name}' needs ${inbound} inbound security-group rules (its callers and load balancers); allowed: at most ${rules} (Amazon VPC's default quota of rules per security group; raise it first)`
    );
    // Inline egress rules: one per port it reaches (the container's, the load balancer's).
    const reached = calleesOf(topology, svc).flatMap((c) => [c.port, legacyEndpoint(topology, c)?.port]);
    const outbound = new Set(reached).size + (svc.dataVolume ? 1 : 0);
    problems.check(
      outbound <= rules,
      `services[${i}].calls: '${svc.name}' needs ${outbound} outbound security-group rules (one per port it calls); allowed: at most ${rules} (Amazon VPC's default quota of rules per security group)`
    );
    const family = options.stage ? `${svc.name}-${options.stage}` : svc.name;
    problems.check(
      family.length <= AWS_QUOTAS.familyNameLength,
      `services[${i}].name: the task definition family '${family}' is ${family.length} characters; allowed: at most ${AWS_QUOTAS.familyNameLength} (Amazon ECS)`
    );
  });
  // The system's mirror names its repositories after the cluster (lib/stacks/system-stack.ts).
  const deployable: readonly DeployableService[] = topology.services;
  deployable.forEach((svc, i) => {
    if (!options.mirrorImages) return;
    for (const problem of mirrorProblems(topology.clusterName, svc.image)) {
      problems.add(`services[${i}].image: ${problem} (Amazon ECR); or set mirrorImages=false`);
    }
  });
  topology.services.forEach((svc, i) => {
    if (!servesHttpThroughServiceConnect(topology, svc)) return;
    const metrics = callersOf(topology, svc).length;
    problems.check(
      metrics <= MAX_ALARM_METRICS,
      `services[${i}]: '${svc.name}' has ${metrics} callers; its Service Connect deployment alarms add one metric per caller, and a CloudWatch alarm takes at most ${MAX_ALARM_METRICS}`
    );
  });
  // The deployment alarms and the dashboard are named after the cluster (and the server).
  const cloudWatch = AWS_QUOTAS.cloudWatchNameLength;
  for (const alarm of planDeployable(topology, defaultPlanOptions('discovery')).alarms) {
    problems.check(
      alarm.name.length <= cloudWatch,
      `clusterName: the deployment alarm '${alarm.name}' would be ${alarm.name.length} characters; allowed: at most ${cloudWatch} (Amazon CloudWatch): a shorter clusterName${alarm.server ? ` or service name ('${alarm.server}')` : ''}`
    );
  }
  const dashboard = dashboardName(topology.clusterName);
  problems.check(
    dashboard.length <= cloudWatch,
    `clusterName: the dashboard '${dashboard.slice(0, 40)}…' would be ${dashboard.length} characters; allowed: at most ${cloudWatch} (Amazon CloudWatch)`
  );
  const albRules = behindAlb.reduce((sum, i) => sum + callersOf(topology, topology.services[i]).length, 0);
  problems.check(
    albRules <= rules,
    `services[*].calls: the internal load balancer's security group needs ${albRules} inbound rules (a caller and port each); allowed: at most ${rules} (Amazon VPC's default quota of rules per security group)`
  );
  problems.throwIfAny();
}
