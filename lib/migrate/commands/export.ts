import * as fs from 'fs';
import * as path from 'path';
import { AwsClients } from '../../aws/clients';
import { CliIo, UsageError } from '../../cli/cli-io';
import { mapLimit } from '../../core/concurrency';
import { ValidationError } from '../../core/validation';
import { ExportPlan, StackInput } from '../../export/cloudformation';
import { exportFiles } from '../../export/export';
import { ExportContext, ExportFormat, listed } from '../../export/exported';
import { readStack } from '../../export/stacks';
import { ServiceSlice } from '../../export/stack-services';
import { deploymentOrder } from '../../model/graph';
import { planSystem } from '../../model/plan';
import { ServiceConnectConfig } from '../../model/service-connect';
import { ServiceSpec, Topology } from '../../model/topology';
import { PlanTarget, planApply } from '../plan';
import { runOptions } from '../target';

/** Stacks read at once. */
const STACK_READS = 5;

/** What `export` needs from the command line. */
export interface ExportOptions {
  readonly topologyFile: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly force: boolean;
  readonly region: string;
  readonly namespace?: string;
  readonly accessLogs?: boolean;
}

/**
 * `export`: the migration `apply` would run, written into the code that owns the services
 * (CloudFormation templates, CDK code, Terraform blocks), wave by wave, with a README that says
 * what to deploy in which order and how to see each step live. The configurations are the ones
 * `apply` sends (`planApply`, the same function, the same options): the old path is kept until
 * retire, so they are the serviceConnect phase's. Reads the owning stacks' templates
 * (CloudFormation only), changes nothing; writes nothing when any stack is refused.
 */
export async function exportCommand(
  clients: AwsClients,
  topology: Topology,
  options: ExportOptions,
  io: CliIo
): Promise<number> {
  checkOut(options);
  const run = runOptions(undefined, undefined, {
    ...(options.accessLogs !== undefined && { accessLogs: options.accessLogs }),
  });
  const target: PlanTarget = {
    cluster: topology.clusterName,
    region: options.region,
    namespace: options.namespace ?? topology.serviceConnectNamespace,
    options: run.options,
  };
  const context: ExportContext = {
    topologyFile: options.topologyFile,
    cluster: topology.clusterName,
    namespace: target.namespace,
    waves: planApply(topology, target).map((wave) => ({
      services: wave.updates.map((u) => ({
        name: u.service.name,
        // desiredConfiguration's value, typed as the SDK's input: the model's configuration.
        serviceConnect: u.input.serviceConnectConfiguration as ServiceConnectConfig,
      })),
      cycles: wave.cycles,
    })),
  };
  const plan = exportPlan(topology, target, context.waves);
  const stacks =
    options.format === 'cloudformation' ? await ownerStacks(clients, topology, options) : undefined;
  const files = await exportFiles(options.format, context, plan, stacks);
  for (const file of files) {
    const where = path.join(options.out, file.path);
    fs.mkdirSync(path.dirname(where), { recursive: true });
    fs.writeFileSync(where, file.text);
  }
  io.stderr(`${run.note}\n`);
  io.stdout(`${files.map((f) => path.join(options.out, f.path)).join('\n')}\n`);
  io.stdout(
    `next: read ${path.join(options.out, 'README.md')}: each step, what to deploy, and how to see it live\n`
  );
  return 0;
}

/** The plan's slice of each service: its port mapping, and why retire keeps its old path. */
function exportPlan(topology: Topology, target: PlanTarget, waves: ExportPlan['waves']): ExportPlan {
  const system = planSystem(topology, target.options);
  return {
    waves,
    slices: new Map(
      system.services.map((s): [string, ServiceSlice] => {
        const keeps = keepsOldPath(topology, s.spec);
        return [
          s.spec.name,
          {
            spec: s.spec,
            ...(s.portMapping && { portMapping: s.portMapping }),
            ...(keeps && { keepsOldPath: keeps }),
          },
        ];
      })
    ),
    order: {
      serversFirst: deploymentOrder(topology, 'serversFirst'),
      clientsFirst: deploymentOrder(topology, 'clientsFirst'),
    },
  };
}

/** Why retire keeps a service's old path: what `migrate retire` refuses without a live read. */
function keepsOldPath(topology: Topology, svc: ServiceSpec): string | undefined {
  const d = svc.legacyDiscovery;
  if (d.kind !== 'none' && d.calledFromOutside)
    return 'callers outside ECS may use its name (calledFromOutside): detach it by hand once you have checked them';
  const others = topology.services.flatMap((c) =>
    c.calls
      .filter((call) => call.service === svc.name && call.name)
      .map((call) => `${c.name} (as ${call.name})`)
  );
  return others.length > 0
    ? `${listed(others)} call it by a name Service Connect does not alias: change them to the alias first`
    : undefined;
}

/**
 * The stacks that own the topology's services, read. @throws ValidationError when none is named,
 * one was made by the CDK (its next `cdk deploy` would revert a template edit), or one cannot be read.
 */
async function ownerStacks(
  clients: AwsClients,
  topology: Topology,
  options: ExportOptions
): Promise<Map<string, StackInput>> {
  const names = [...new Set(topology.services.flatMap((s) => (s.owner ? [s.owner.stack] : [])))];
  if (names.length === 0)
    throw new ValidationError([
      `${options.topologyFile}: no service names the stack that owns it (owner); discover records it from the services' aws:cloudformation tags. For code that is not a CloudFormation template: --format cdk or --format terraform`,
    ]);
  const problems: string[] = [];
  const stacks = new Map<string, StackInput>();
  const cdk = (name: string) =>
    topology.services.some((s) => s.owner?.stack === name && s.owner.madeBy === 'cdk');
  // One stack a service, as Copilot makes them: read a few at a time, as discover does.
  const reads = await mapLimit(names, STACK_READS, (name) =>
    cdk(name) ? Promise.resolve(undefined) : readStack(clients, name, options.region)
  );
  for (const [i, name] of names.entries()) {
    const read = reads[i];
    if (cdk(name) || (typeof read === 'object' && read.madeBy === 'cdk')) {
      problems.push(
        `stack ${name} was made by the CDK: its next cdk deploy would put back a template that this export edits; use --format cdk (the code to put in the app)`
      );
    } else if (typeof read === 'string') problems.push(read);
    else if (read) stacks.set(name, read);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return stacks;
}

/** `--out DIR`: a folder that is new, or empty, or given with --force; its parent exists. */
function checkOut(options: ExportOptions): void {
  const parent = path.dirname(path.resolve(options.out));
  if (!fs.existsSync(parent))
    throw new UsageError(`--out ${options.out}: the folder ${parent} does not exist`);
  if (!fs.existsSync(options.out)) return;
  if (!fs.statSync(options.out).isDirectory())
    throw new UsageError(`--out ${options.out} is a file, not a folder`);
  if (fs.readdirSync(options.out).length > 0 && !options.force)
    throw new UsageError(
      `--out ${options.out} is not empty; pass --force to write into it, or --out another folder`
    );
}
