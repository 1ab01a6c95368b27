import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { MIGRATION_PHASES, MigrationPhase, keepsLegacyPath, usesServiceConnect } from '../model/phase';
import { layers } from '../model/layers';
import { cycleBackCalls, legacyEndpoint, serviceNamed } from '../model/graph';
import { Topology } from '../model/topology';
import { LEGACY_CONSTRUCT_ID } from '../contract/names';
import { PhaseTemplates } from './synth-phases';
import { CfnResourceJson, CfnTemplate, ResourceChange, replaces, resourceChanges } from './template-diff';

/** The steps a migration and its rollback take, one deployment each. */
export const MIGRATION_STEPS: readonly [MigrationPhase, MigrationPhase][] = [
  ['discovery', 'serviceConnect'],
  ['serviceConnect', 'retired'],
  ['retired', 'serviceConnect'],
  ['serviceConnect', 'discovery'],
];

/**
 * Resource types whose replacement or removal breaks the system or loses data: the services (a
 * fixed name makes a replacement fail half-way), the namespaces, the load balancers and their
 * target groups (users' traffic), and the database's storage. A changed logical ID (a construct
 * renamed or moved) is a removal plus an addition, and CloudFormation deletes the old resource.
 */
export const PROTECTED_TYPES: readonly string[] = [
  'AWS::ECS::Service',
  'AWS::ServiceDiscovery::HttpNamespace',
  'AWS::ServiceDiscovery::PrivateDnsNamespace',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::EFS::FileSystem',
  'AWS::EFS::AccessPoint',
];

/** What one stack goes through in a step. */
export interface StackPlan {
  readonly stack: string;
  readonly added: readonly ResourceChange[];
  readonly removed: readonly ResourceChange[];
  readonly updated: readonly ResourceChange[];
  /** Changed properties per ECS service, by service name. */
  readonly services: readonly { readonly service: string; readonly properties: readonly string[] }[];
  /** The order CloudFormation updates the ECS services in (DependsOn waves, by service name). */
  readonly serviceOrder: readonly (readonly string[])[];
}

/** One deployment from a phase to another. */
export interface StepPlan {
  readonly from: MigrationPhase;
  readonly to: MigrationPhase;
  readonly stacks: readonly StackPlan[];
  /** Every resource the step replaces or may replace. */
  readonly replacements: readonly (ResourceChange & { readonly stack: string })[];
  /**
   * Resources of {@link PROTECTED_TYPES} that the step deletes, replaces or may replace, other
   * than what the step is meant to remove (the old path when it is retired): the step must not
   * be deployed.
   */
  readonly blockers: readonly (ResourceChange & { readonly stack: string })[];
  /** Why the step is not safe as one deployment, and the steps to take instead. */
  readonly unsafe?: {
    readonly reason: string;
    readonly instead: readonly [MigrationPhase, MigrationPhase][];
  };
  /** What the step does to the calls of a cycle, which no order serves first ({@link cycleNotes}). */
  readonly notes?: readonly string[];
}

/**
 * What a step does to the calls inside a cycle that its chain leaves unordered (a member that
 * calls a later one, `cycleBackCalls`): with Service Connect turned on, the caller starts before
 * the callee's endpoint exists and keeps the old path; retiring redeploys it first; turning
 * Service Connect off drains the callee's endpoint before the caller is replaced.
 */
export function cycleNotes(topology: Topology, from: MigrationPhase, to: MigrationPhase): string[] {
  return cycleBackCalls(topology).flatMap(({ caller, callee }) => {
    const old = legacyEndpoint(topology, serviceNamed(topology, callee));
    const oldName = old ? `${old.host}:${old.port}` : 'its old name';
    if (!usesServiceConnect(from) && usesServiceConnect(to)) {
      return [
        `${caller} calls ${callee} in a cycle and starts first: it reaches ${callee} by ${oldName}, which this phase keeps, until the retired phase redeploys it`,
      ];
    }
    if (keepsLegacyPath(from) && !keepsLegacyPath(to)) {
      return [
        `${caller} calls ${callee} in a cycle: it is redeployed, with ${callee}'s alias, before ${callee}'s old path goes`,
      ];
    }
    if (usesServiceConnect(from) && !usesServiceConnect(to)) {
      return [
        `${caller} calls ${callee} in a cycle, and ${callee} leaves Service Connect first: ${caller}'s tasks that started after ${callee}'s endpoint existed fail their calls to it until ${caller}'s own update replaces them`,
      ];
    }
    return [];
  });
}

/**
 * What a step changes of how ECS deploys a service, said as what it is: a change of deployment
 * strategy (`DeploymentConfiguration.Strategy`, ROLLING when absent) or of Service Connect TLS,
 * each an in-place update of the service unless the diff engine says it replaces it (a changed
 * `DeploymentController` would).
 */
export function guardRailNotes(from: CfnTemplate, to: CfnTemplate, plan: StackPlan): string[] {
  const notes: string[] = [];
  for (const [id, after] of Object.entries(to.Resources ?? {})) {
    const before = from.Resources?.[id];
    if (after.Type !== 'AWS::ECS::Service' || before?.Type !== 'AWS::ECS::Service') continue;
    const name = typeof after.Properties?.ServiceName === 'string' ? after.Properties.ServiceName : id;
    const change = plan.updated.find((c) => c.logicalId === id);
    const how = change && replaces(change) ? 'REPLACES the service' : 'an in-place update of the service';
    const [was, is] = [strategyIn(before), strategyIn(after)];
    if (was !== is) {
      notes.push(
        `${name}: deployment strategy ${was} → ${is}: ${how}; this deployment and the later ones run ${is.toLowerCase().replace('_', '/')}`
      );
    }
    notes.push(...trafficShiftNotes(name, before, after, plan));
    const [tlsWas, tlsIs] = [tlsIn(before), tlsIn(after)];
    if (tlsWas !== tlsIs) {
      notes.push(
        `${name}: Service Connect TLS ${tlsIs ? `on (${tlsIs})` : 'off'}: ${how}; a new deployment, whose tasks ${tlsIs ? 'encrypt' : 'stop encrypting'} the traffic between the proxies (clients change nothing)`
      );
    }
  }
  return notes;
}

/**
 * What a step does to a service's load balancer attachment with an alternate target group (the
 * public entry's), when its strategy stays rolling: attaching it is a rolling deployment, ECS's
 * first step before a gradual strategy; moving its production listener rule to another listener
 * (HTTPS turned on or off) creates the rule anew, with the template's weights, all on the primary
 * target group, where the traffic may no longer be. A gradual strategy in the same step is
 * {@link trafficShiftUnsafety}'s.
 */
function trafficShiftNotes(
  name: string,
  before: CfnResourceJson,
  after: CfnResourceJson,
  plan: StackPlan
): string[] {
  const [ruleWas, ruleIs] = [productionRuleOf(before), productionRuleOf(after)];
  if (strategyIn(before) !== 'ROLLING' || strategyIn(after) !== 'ROLLING' || ruleIs === undefined) return [];
  if (ruleWas === undefined) {
    return [
      `${name}: an alternate target group, a production listener rule and ECS's role attached to its load balancer (LoadBalancers[].AdvancedConfiguration): an in-place update, a rolling deployment; a gradual strategy can follow in a later deployment`,
    ];
  }
  if (!ruleMoves(ruleWas, ruleIs, plan)) return [];
  return [
    `${name}: its production listener rule moves to another listener (created anew, with all the traffic on the primary target group): after a blue/green, linear or canary deployment ECS may have left the traffic on the alternate target group, and this deployment would take it from there: check the rule's weights first (aws elbv2 describe-rules) and see docs/guard-rails.md`,
  ];
}

/**
 * The production listener rule of a service's load balancer attachment with an alternate target
 * group (`LoadBalancers[].AdvancedConfiguration.ProductionListenerRule`): the logical ID it refers
 * to, or the value as written; undefined without one.
 */
export function productionRuleOf(service: CfnResourceJson | undefined): string | undefined {
  const attachments = service?.Properties?.LoadBalancers as
    { AdvancedConfiguration?: { ProductionListenerRule?: unknown } }[] | undefined;
  const rule = attachments?.find((a) => a.AdvancedConfiguration)?.AdvancedConfiguration
    ?.ProductionListenerRule;
  if (rule === undefined) return undefined;
  const ref = (rule as { Ref?: unknown }).Ref;
  return typeof ref === 'string' ? ref : JSON.stringify(rule);
}

/** Whether the rule is another one after the step, or the same one replaced. */
function ruleMoves(ruleWas: string, ruleIs: string, plan: StackPlan): boolean {
  return ruleWas !== ruleIs || plan.updated.some((c) => c.logicalId === ruleIs && replaces(c));
}

function strategyIn(service: CfnResourceJson): string {
  const config = service.Properties?.DeploymentConfiguration as { Strategy?: string } | undefined;
  return config?.Strategy ?? 'ROLLING';
}

/** The Private CA a service's Service Connect endpoints use, or '' without TLS. */
function tlsIn(service: CfnResourceJson): string {
  const config = service.Properties?.ServiceConnectConfiguration as
    { Services?: { Tls?: { IssuerCertificateAuthority?: { AwsPcaAuthorityArn?: unknown } } }[] } | undefined;
  const arn = config?.Services?.find((s) => s.Tls)?.Tls?.IssuerCertificateAuthority?.AwsPcaAuthorityArn;
  return arn === undefined ? '' : JSON.stringify(arn).replace(/^"|"$/g, '');
}

/** Plans a step from the two phases' templates, with the CDK's diff engine. */
export function planStep(
  from: MigrationPhase,
  to: MigrationPhase,
  fromTemplates: PhaseTemplates,
  toTemplates: PhaseTemplates
): StepPlan {
  const stacks = Object.keys(toTemplates).map((stack) => {
    const changes = resourceChanges(fromTemplates[stack] ?? {}, toTemplates[stack]);
    const names = serviceNames({ ...fromTemplates[stack]?.Resources, ...toTemplates[stack].Resources });
    return {
      stack,
      added: changes.filter((c) => c.impact === ResourceImpact.WILL_CREATE),
      removed: changes.filter(
        (c) => c.impact === ResourceImpact.WILL_DESTROY || c.impact === ResourceImpact.WILL_ORPHAN
      ),
      updated: changes.filter((c) => c.impact === ResourceImpact.WILL_UPDATE || replaces(c)),
      services: changes
        .filter((c) => c.type === 'AWS::ECS::Service' && c.properties.length + c.otherChanges.length > 0)
        .map((c) => ({
          service: names.get(c.logicalId) ?? c.logicalId,
          properties: [...c.properties, ...c.otherChanges],
        })),
      serviceOrder: serviceWaves(toTemplates[stack]),
    };
  });
  const guardRails = Object.keys(toTemplates).flatMap((stack) =>
    guardRailNotes(
      fromTemplates[stack] ?? {},
      toTemplates[stack],
      stacks.find((p) => p.stack === stack)!
    )
  );
  return {
    from,
    to,
    stacks,
    replacements: replacementsOf(stacks),
    blockers: blockersOf(from, to, stacks),
    unsafe:
      unsafety(from, to, fromTemplates, toTemplates, stacks) ??
      trafficShiftUnsafety(from, to, fromTemplates, toTemplates, stacks),
    ...(guardRails.length > 0 && { notes: guardRails }),
  };
}

function replacementsOf(stacks: readonly StackPlan[]): StepPlan['replacements'] {
  return stacks.flatMap((s) => s.updated.filter(replaces).map((c) => ({ ...c, stack: s.stack })));
}

/**
 * The changes that block a step: a resource of {@link PROTECTED_TYPES} that CloudFormation will
 * or may replace, or will delete, unless deleting it is what the step is for.
 */
export function blockersOf(
  from: MigrationPhase,
  to: MigrationPhase,
  stacks: readonly StackPlan[]
): StepPlan['blockers'] {
  const deletions = stacks.flatMap((s) =>
    s.removed
      .filter((c) => c.impact === ResourceImpact.WILL_DESTROY && !retiresOldPath(from, to, c))
      .map((c) => ({ ...c, stack: s.stack }))
  );
  return [...replacementsOf(stacks), ...deletions].filter((c) => PROTECTED_TYPES.includes(c.type));
}

/**
 * Whether removing `change` is what the step is for: the old path's resources (under the
 * {@link LEGACY_CONSTRUCT_ID} construct) when the step goes to a phase without it.
 */
function retiresOldPath(from: MigrationPhase, to: MigrationPhase, change: ResourceChange): boolean {
  return keepsLegacyPath(from) && !keepsLegacyPath(to) && change.logicalId.startsWith(LEGACY_CONSTRUCT_ID);
}

/** Plans every step, from templates synthesized once per phase. */
export function planSteps(
  steps: readonly [MigrationPhase, MigrationPhase][],
  templates: ReadonlyMap<MigrationPhase, PhaseTemplates>
): StepPlan[] {
  return steps.map(([from, to]) => planStep(from, to, templates.get(from)!, templates.get(to)!));
}

/** Whether a plan may be deployed: nothing that must not be replaced is, and each step is safe. */
export function planIsSafe(plans: readonly StepPlan[]): boolean {
  return plans.every((p) => p.blockers.length === 0 && !p.unsafe);
}

/**
 * A step that recreates the old path and turns Service Connect off in one deployment is not
 * safe: clients leave Service Connect for an internal load balancer whose targets are not
 * registered yet (the servers are updated after their clients in that order). The way round is
 * the phase that has both paths.
 */
function unsafety(
  from: MigrationPhase,
  to: MigrationPhase,
  fromTemplates: PhaseTemplates,
  toTemplates: PhaseTemplates,
  stacks: readonly StackPlan[]
): StepPlan['unsafe'] {
  const recreatesOldPath = stacks.some((s) =>
    s.added.some((c) =>
      [
        'AWS::ElasticLoadBalancingV2::Listener',
        'AWS::Route53::RecordSet',
        'AWS::ServiceDiscovery::Service',
      ].includes(c.type)
    )
  );
  const turnedOff = Object.keys(toTemplates).flatMap((stack) =>
    Object.entries(toTemplates[stack].Resources ?? {})
      .filter(
        ([id, r]) =>
          r.Type === 'AWS::ECS::Service' &&
          serviceConnectOn(fromTemplates[stack]?.Resources?.[id]) &&
          !serviceConnectOn(r)
      )
      .map(([id]) => id)
  );
  if (!recreatesOldPath || turnedOff.length === 0) return undefined;
  const via = MIGRATION_PHASES.find(
    (p) => keepsLegacyPath(p) && usesServiceConnect(p) && p !== from && p !== to
  );
  return {
    reason:
      'recreates the old path (internal load balancer, hosted zone, Cloud Map DNS) and turns Service Connect off in one deployment: ' +
      'clients would switch to load balancer targets that are not registered yet',
    instead: via
      ? [
          [from, via],
          [via, to],
        ]
      : [],
  };
}

/**
 * A step that changes a gradual strategy (blue/green, linear, canary) together with what ECS
 * needs settled first is not safe as one deployment:
 *
 * - turning a strategy on in the deployment that attaches the alternate target group: ECS moves
 *   a service behind a load balancer to a gradual strategy once a rolling deployment has attached
 *   its `advancedConfiguration` (the ECS guide's steps from rolling to blue/green);
 * - turning a strategy off in the deployment that changes the phase: ECS switches a service to
 *   rolling only when no deployment is in progress, keeping its load balancer configuration, so
 *   the switch goes alone, in the phase deployed, before the phase changes;
 * - moving the production listener rule (HTTPS turned on or off) while the service deploys
 *   gradually: the new rule starts with all the traffic on the primary target group, and the
 *   old one, until CloudFormation deletes it after the deployment, sends the old listener's users
 *   to the tasks the deployment stops.
 */
function trafficShiftUnsafety(
  from: MigrationPhase,
  to: MigrationPhase,
  fromTemplates: PhaseTemplates,
  toTemplates: PhaseTemplates,
  stacks: readonly StackPlan[]
): StepPlan['unsafe'] {
  const pairs = Object.keys(toTemplates).flatMap((stack) =>
    Object.entries(toTemplates[stack].Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::ECS::Service')
      .flatMap(([id, after]) => {
        const before = fromTemplates[stack]?.Resources?.[id];
        if (before?.Type !== 'AWS::ECS::Service') return [];
        const name = typeof after.Properties?.ServiceName === 'string' ? after.Properties.ServiceName : id;
        return [{ name, before, after, plan: stacks.find((p) => p.stack === stack)! }];
      })
  );
  const gradual = (r: CfnResourceJson) => strategyIn(r) !== 'ROLLING';
  const names = (list: typeof pairs) =>
    list
      .map((p) => {
        const [was, is] = [strategyIn(p.before), strategyIn(p.after)];
        return `${p.name} (${was === is ? is : `${was} → ${is}`})`;
      })
      .join(', ');
  const attachedAndOn = pairs.filter(
    (p) =>
      gradual(p.after) && productionRuleOf(p.before) === undefined && productionRuleOf(p.after) !== undefined
  );
  if (attachedAndOn.length > 0) {
    return {
      reason: `turns a gradual strategy on for ${names(attachedAndOn)} in the deployment that attaches its alternate target group: ECS moves a service behind a load balancer to blue/green, linear or canary once a rolling deployment has attached it. Deploy without deploymentStrategy first, then with it`,
      instead: [],
    };
  }
  const turnedOff = pairs.filter((p) => gradual(p.before) && !gradual(p.after));
  if (from !== to && turnedOff.length > 0) {
    return {
      reason: `turns the gradual strategy of ${names(turnedOff)} off in the deployment that changes the phase: ECS switches a service to rolling only with no deployment in progress, keeping its load balancer configuration. Deploy the ${from} phase without deploymentStrategy first (rolling), then the ${to} phase`,
      instead: [
        [from, from],
        [from, to],
      ],
    };
  }
  const moved = pairs.filter((p) => {
    const [ruleWas, ruleIs] = [productionRuleOf(p.before), productionRuleOf(p.after)];
    return (gradual(p.before) || gradual(p.after)) && ruleWas && ruleIs && ruleMoves(ruleWas, ruleIs, p.plan);
  });
  if (moved.length > 0) {
    return {
      reason: `moves the production listener rule of ${names(moved)} to another listener (HTTPS turned on or off) while it deploys gradually: the new rule starts with all the traffic on the primary target group, and the old one sends its listener's users to the tasks the deployment stops until CloudFormation deletes it. Deploy without deploymentStrategy first (rolling), move the rule, then turn the strategy on again (docs/guard-rails.md)`,
      instead: [],
    };
  }
  return undefined;
}

function serviceConnectOn(resource: CfnResourceJson | undefined): boolean {
  return (
    (resource?.Properties?.ServiceConnectConfiguration as { Enabled?: boolean } | undefined)?.Enabled === true
  );
}

/** ECS service names (the ServiceName property) by logical ID. */
function serviceNames(resources: CfnTemplate['Resources']): Map<string, string> {
  return new Map(
    Object.entries(resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::ECS::Service')
      .map(([id, r]) => [id, typeof r.Properties?.ServiceName === 'string' ? r.Properties.ServiceName : id])
  );
}

/**
 * The waves in which CloudFormation updates a template's ECS services: each wave's services
 * depend (DependsOn, transitively through other services) only on earlier waves.
 */
export function serviceWaves(template: CfnTemplate): string[][] {
  const resources = template.Resources ?? {};
  const names = serviceNames(resources);
  const waves = layers(
    [...names.keys()],
    (id) => id,
    (id) => [resources[id].DependsOn ?? []].flat()
  );
  return waves.map((wave) => wave.map((id) => names.get(id)!).sort());
}
