import { DeploymentWait } from '../model/graph';
import { ServiceConnectConfig } from '../model/service-connect';
import { StackOwner } from '../model/topology';
import { cloudFormationServiceConnect } from './cfn-config';
import { DeployedValues, referencedIds } from './intrinsics';
import { ServiceSlice, StackService, locateServices } from './stack-services';
import { StepAllowance, checkStep } from './step-check';
import { StackTemplate, TemplateEdit } from './template';

/**
 * One stack's migration as templates: its current template, then one per wave in which its
 * services of that wave and the earlier ones have the Service Connect configuration `apply`
 * sends, their ports named, and `DependsOn` from each client to the services it calls in the
 * stack (servers first); a retire template that states `ServiceRegistries` and `LoadBalancers`
 * without the old path (an absent property would change nothing) and deletes nothing; and the
 * rollback, clients first: the old path attached again, then per wave in reverse `Enabled:
 * false` stated explicitly (deploying an earlier wave's template would leave Service Connect on:
 * there the property is absent). Every step is checked with the diff engine ({@link checkStep}).
 */

/** A wave of the migration: what `apply` sends each of its services. */
export interface ExportWave {
  readonly services: readonly { readonly name: string; readonly serviceConnect: ServiceConnectConfig }[];
  /** Cycles of calls among its services, which `apply` redeploys after the wave. */
  readonly cycles?: readonly (readonly string[])[];
}

/** Everything the export derives from the plan, the same for every stack. */
export interface ExportPlan {
  /** The waves, servers first, as `apply` runs them. */
  readonly waves: readonly ExportWave[];
  /** Each service's slice: its spec (owner included), its port mapping, why retire keeps its old path. */
  readonly slices: ReadonlyMap<string, ServiceSlice>;
  /** Who waits for whom in a deployment that turns Service Connect on, and in one that turns it off. */
  readonly order: {
    readonly serversFirst: readonly DeploymentWait[];
    readonly clientsFirst: readonly DeploymentWait[];
  };
}

/** A stack as the export reads it. */
export interface StackInput {
  readonly template: StackTemplate;
  readonly deployed: DeployedValues;
  readonly madeBy?: StackOwner['madeBy'];
}

/** One deployment of a stack: the template to deploy and what it changes, for people. */
export interface StackStep {
  readonly template: StackTemplate;
  /** One line per service it changes. */
  readonly changes: readonly string[];
}

/** A stack's templates, step by step. */
export interface StackExport {
  readonly stack: string;
  readonly madeBy?: StackOwner['madeBy'];
  /** The services it owns, by name. */
  readonly services: readonly string[];
  readonly current: StackTemplate;
  /** By wave number (1 is the first), only the waves with services of this stack. */
  readonly waves: ReadonlyMap<number, StackStep>;
  readonly retire?: StackStep;
  /** The old path attached again (when retire detaches something here). */
  readonly reattach?: StackStep;
  /** Service Connect off, by wave number, clients first. */
  readonly off: ReadonlyMap<number, StackStep>;
  /** What a person should know about this stack's steps. */
  readonly notes: readonly string[];
}

/**
 * The steps of `stack`, each checked. @returns the export, or the problems that refuse it (every
 * one, naming the stack, the resource and the field).
 */
export async function exportStack(
  stack: string,
  input: StackInput,
  plan: ExportPlan
): Promise<StackExport | { problems: string[] }> {
  const slices = [...plan.slices.values()].filter((s) => s.spec.owner?.stack === stack);
  const { services, problems } = locateServices(input.template, input.deployed, slices);
  if (problems.length > 0) return { problems };
  const steps = new StackSteps(stack, input.template, services, plan);
  const waves = steps.waves();
  const lastWave = [...waves.values()].pop()?.template ?? input.template;
  const retired = steps.retire(lastWave);
  const off = steps.rollback(lastWave, [...waves.keys()]);
  const found = await steps.problems();
  if (found.length > 0) return { problems: found };
  return {
    stack,
    ...(input.madeBy && { madeBy: input.madeBy }),
    services: services.map((s) => s.spec.name),
    current: input.template,
    waves,
    ...retired,
    off,
    notes: steps.notes,
  };
}

/** The steps of one stack, each checked with the diff engine as it is made. */
class StackSteps {
  readonly notes: string[] = [];
  private readonly byName: ReadonlyMap<string, StackService>;
  private readonly order: DependsOnOrder;
  private readonly checks: Promise<string[]>[] = [];

  constructor(
    private readonly stack: string,
    private readonly current: StackTemplate,
    private readonly services: readonly StackService[],
    private readonly plan: ExportPlan
  ) {
    this.byName = new Map(services.map((s) => [s.spec.name, s]));
    this.order = new DependsOnOrder(current, this.byName, this.notes);
  }

  /** One template per wave with services here: theirs on, ports named, clients after servers. */
  waves(): Map<number, StackStep> {
    const waves = new Map<number, StackStep>();
    const on = new Set<string>();
    let template = this.current;
    this.plan.waves.forEach((wave, i) => {
      const here = wave.services.filter((s) => this.byName.has(s.name));
      if (here.length === 0) return;
      here.forEach((s) => on.add(s.name));
      const services = here.map((s) => this.byName.get(s.name)!);
      const edits = here.flatMap((s, k) => [
        setServiceConnect(services[k], s.serviceConnect),
        ...services[k].portEdits,
      ]);
      const next = template.edit([...edits, ...this.order.edits(this.plan.order.serversFirst, on)]);
      this.check(`wave ${i + 1}`, template, next, allowance(services, ['ServiceConnectConfiguration']));
      waves.set(i + 1, {
        template: next,
        changes: here.map((s, k) => onChange(services[k], s.serviceConnect)),
      });
      template = next;
    });
    return waves;
  }

  /** Retire (the old path detached) and its undoing (the last wave's template again), when anything here is detached. */
  retire(lastWave: StackTemplate): Pick<StackExport, 'retire' | 'reattach'> {
    for (const s of this.services.filter((s) => s.keepsOldPath))
      this.notes.push(`retire keeps the old path of ${s.spec.name}: ${s.keepsOldPath}`);
    const detached = this.services.filter((s) => s.detach);
    if (detached.length === 0) return {};
    const retired = lastWave.edit(detached.map((s) => s.detach!.edit));
    const properties = ['ServiceRegistries', 'LoadBalancers'];
    this.check('retire', lastWave, retired, allowance(detached, properties));
    this.check('rollback: old path attached again', retired, lastWave, allowance(detached, properties));
    return {
      retire: { template: retired, changes: detached.map(detachChange) },
      reattach: {
        template: lastWave,
        changes: detached.map((s) => `${s.spec.name} (${s.logicalId}): its old path attached again`),
      },
    };
  }

  /** Per wave, last first: its services off, stated; servers after their clients. */
  rollback(lastWave: StackTemplate, waves: readonly number[]): Map<number, StackStep> {
    const off = new Map<number, StackStep>();
    let template = lastWave;
    for (const wave of [...waves].reverse()) {
      const here = this.plan.waves[wave - 1].services
        .filter((s) => this.byName.has(s.name))
        .map((s) => this.byName.get(s.name)!);
      const edits = here.map((s) => setServiceConnect(s, { enabled: false }));
      const next = template.edit([
        ...edits,
        ...this.order.edits(this.plan.order.clientsFirst, new Set(this.byName.keys())),
      ]);
      this.check(`rollback of wave ${wave}`, template, next, {
        ...allowance(here, ['ServiceConnectConfiguration']),
        anyDependsOn: true,
      });
      off.set(wave, {
        template: next,
        changes: here.map((s) => `${s.spec.name} (${s.logicalId}): Service Connect off (Enabled: false)`),
      });
      template = next;
    }
    return off;
  }

  /** What the checks of every step found. */
  async problems(): Promise<string[]> {
    return (await Promise.all(this.checks)).flat();
  }

  private check(label: string, from: StackTemplate, to: StackTemplate, allowed: StepAllowance): void {
    this.checks.push(
      checkStep(`stack ${this.stack}, ${label}`, from, to, allowed).then((found) => {
        for (const id of found.replacedTaskDefinitions)
          this.notes.push(
            `${label}: CloudFormation replaces the task definition ${id}: a new revision with the port's name, which the service rolls onto (expected and safe)`
          );
        for (const { service, taskDefinition } of found.alsoRedeployed)
          this.notes.push(
            `${label}: ${service} runs ${taskDefinition} too, so this step redeploys it onto the new revision (its port named, nothing else changed)`
          );
        return [...found.problems];
      })
    );
  }
}

function setServiceConnect(service: StackService, config: ServiceConnectConfig): TemplateEdit {
  return {
    kind: 'set',
    path: ['Resources', service.logicalId, 'Properties', 'ServiceConnectConfiguration'],
    value: cloudFormationServiceConnect(config),
  };
}

function allowance(services: readonly StackService[], properties: readonly string[]): StepAllowance {
  return {
    services: new Map(services.map((s) => [s.logicalId, properties])),
    taskDefinitions: new Set(services.flatMap((s) => (s.taskDefinitionId ? [s.taskDefinitionId] : []))),
    anyDependsOn: false,
  };
}

function onChange(service: StackService, config: ServiceConnectConfig): string {
  const aliases = (config.services ?? []).flatMap((e) =>
    e.clientAliases.map((a) => `${a.dnsName}:${a.port}`)
  );
  const sc =
    aliases.length > 0
      ? `Service Connect on, client alias ${aliases.join(', ')}`
      : 'Service Connect on (client only)';
  const port = service.portChange
    ? `; task definition ${service.taskDefinitionId}: ${service.portChange}`
    : '';
  return `${service.spec.name} (${service.logicalId}): ${sc}${port}`;
}

function detachChange(service: StackService): string {
  const what =
    service.detach!.property === 'ServiceRegistries'
      ? 'Cloud Map registry'
      : "internal load balancer's target group";
  return `${service.spec.name} (${service.logicalId}): ${what} detached (${service.detach!.property} stated without it); nothing is deleted`;
}

/**
 * The `DependsOn` of the stack's services, step after step: each service's own (as its template
 * says it) plus the waits of the step's direction whose both ends are in the stack. A wait that
 * would close a cycle with the template's own dependencies (CloudFormation refuses a circular
 * template) is left out and said in a note: the steps' order, one wave a deployment, still holds.
 * A service whose list comes back to its own gets it as it was written (or none).
 */
class DependsOnOrder {
  private readonly original = new Map<string, unknown>();
  private readonly edges = new Map<string, Set<string>>();
  private readonly current = new Map<string, readonly string[]>();

  constructor(
    template: StackTemplate,
    private readonly services: ReadonlyMap<string, StackService>,
    private readonly notes: string[]
  ) {
    for (const [id, resource] of Object.entries(template.json().Resources ?? {})) {
      if (resource === null || typeof resource !== 'object') continue;
      this.original.set(id, resource.DependsOn);
      this.current.set(id, dependsOnList(resource.DependsOn));
      this.edges.set(
        id,
        new Set([...dependsOnList(resource.DependsOn), ...referencedIds(resource.Properties)])
      );
    }
  }

  /** The edits that give the services in `of` the waits of `waits`, and the others their own list. */
  edits(waits: readonly DeploymentWait[], of: ReadonlySet<string>): TemplateEdit[] {
    const edges = new Map([...this.edges].map(([id, to]) => [id, new Set(to)]));
    const edits: TemplateEdit[] = [];
    for (const [name, service] of this.services) {
      const id = service.logicalId;
      const own = dependsOnList(this.original.get(id));
      const added = of.has(name)
        ? waits
            .filter((w) => w.service === name && this.services.has(w.after))
            .map((w) => this.services.get(w.after)!.logicalId)
            .filter((after) => !own.includes(after) && this.acyclic(edges, service, after))
        : [];
      added.forEach((after) => edges.get(id)?.add(after));
      const wanted = [...own, ...added];
      if (same(wanted, this.current.get(id) ?? [])) continue;
      this.current.set(id, wanted);
      const path = ['Resources', id, 'DependsOn'];
      const original = this.original.get(id);
      edits.push(
        added.length > 0
          ? { kind: 'set', path, value: wanted }
          : original === undefined
            ? { kind: 'delete', path }
            : { kind: 'set', path, value: original }
      );
    }
    return edits;
  }

  /** Whether `service` may wait for `after`: `after` does not already depend on it, through `edges`. */
  private acyclic(
    edges: ReadonlyMap<string, ReadonlySet<string>>,
    service: StackService,
    after: string
  ): boolean {
    const seen = new Set<string>();
    const pending = [after];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (id === service.logicalId) {
        const note = `${service.spec.name} does not wait for ${after} (DependsOn): the template's own dependencies run the other way; the steps' order (one wave a deployment) still holds`;
        if (!this.notes.includes(note)) this.notes.push(note);
        return false;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      pending.push(...(edges.get(id) ?? []));
    }
    return true;
  }
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function dependsOnList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
