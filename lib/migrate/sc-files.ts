import * as fs from 'fs';
import * as path from 'path';
import { parseWith } from '../core/schema';
import { Problems, ValidationError, oneOf } from '../core/validation';
import { legacyEndpoint } from '../model/graph';
import { PlanOptions, defaultPlanOptions, planSystem } from '../model/plan';
import {
  ServiceConnectConfig,
  renderServiceConnect,
  serviceConnectConfigSchema,
} from '../model/service-connect';
import { ServiceSpec, Topology, serviceId } from '../model/topology';

/** The committed `sc-update/` directory. */
export const SC_UPDATE_DIR = path.join(__dirname, '..', '..', 'sc-update');

/** `svc-db.json`: the walkthrough's file name for a service. */
export function scFileName(svc: ServiceSpec): string {
  return `svc-${serviceId(svc)}.json`;
}

/**
 * The Service Connect configuration files as the plan renders them, by file name: the
 * walkthrough's shape, with the namespace by name and without `awslogs-region`, which the
 * migration CLI fills in at run time so that the files never change on disk. With the app's
 * default options (access logs on) unless told otherwise.
 */
export function expectedScFiles(
  topology: Topology,
  options: PlanOptions = defaultPlanOptions('serviceConnect')
): Map<string, ServiceConnectConfig> {
  const problems = new Problems();
  topology.services.forEach((svc, i) =>
    problems.check(
      (svc.logGroupName ?? topology.logGroupName) !== undefined,
      `services[${i}].logGroupName: missing, and no logGroupName at the top; allowed: the log group of ${svc.name}'s Service Connect proxy`
    )
  );
  problems.throwIfAny();
  const plan = planSystem(topology, options);
  return new Map(
    plan.services.map((service) => [
      scFileName(service.spec),
      renderServiceConnect(service.serviceConnect!, {
        namespace: topology.serviceConnectNamespace,
        logGroupName: topology.logGroupName ?? '',
      }),
    ])
  );
}

/**
 * Writes the files of `topology` into `dir` (created if missing): each file rewritten only when
 * its text changes, and `svc-*.json` files of services the topology no longer has removed.
 * Returns one line per file: created, updated, unchanged or removed.
 */
export function writeScFiles(topology: Topology, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const expected = expectedScFiles(topology);
  const lines: string[] = [];
  const shown = (file: string) => path.join(path.relative(process.cwd(), dir) || '.', file);
  for (const [file, config] of expected) {
    const target = path.join(dir, file);
    const text = renderScFile(config);
    const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (old !== text) fs.writeFileSync(target, text);
    lines.push(
      `${old === text ? 'unchanged' : old === undefined ? 'created  ' : 'updated  '} ${shown(file)}`
    );
  }
  for (const file of fs.readdirSync(dir).filter((f) => /^svc-.*\.json$/.test(f) && !expected.has(f))) {
    fs.rmSync(path.join(dir, file));
    lines.push(`removed   ${shown(file)} (no such service in the topology)`);
  }
  return lines;
}

/** A file's text: two-space JSON with a final newline. */
export function renderScFile(config: ServiceConnectConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** One service's configuration, read from its file and checked against the model. */
export interface ScUpdate {
  readonly service: ServiceSpec;
  readonly file: string;
  readonly config: ServiceConnectConfig;
}

/**
 * Reads the overrides `svc-*.json` in `dir` and checks each before anything is sent: valid JSON
 * of the file's schema (`serviceConnectConfigSchema`: every field's type, no unknown key, each
 * problem with its JSON path), then against the topology: a known service, the topology's
 * namespace, the service's port name, one client alias for a client-server service and none for
 * a client-only one, an awslogs log configuration with its group. A service without a file gets
 * the configuration its plan renders (which is what `npm run sc-update` writes).
 *
 * @throws ValidationError with one line per problem.
 */
export function loadScUpdates(dir: string, topology: Topology): ScUpdate[] {
  const problems = new Problems();
  const label = (file: string) => path.join(path.basename(dir), file);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^svc-.*\.json$/.test(f)) : [];
  const byId = new Map(topology.services.map((s) => [serviceId(s), s]));
  const updates: ScUpdate[] = [];

  for (const file of files.sort()) {
    const id = file.slice('svc-'.length, -'.json'.length);
    const svc = byId.get(id);
    if (!svc) {
      problems.add(
        `${label(file)}: no service with id '${id}' in the model (known: ${oneOf(topology.services.map(serviceId))})`
      );
      continue;
    }
    let config: unknown;
    try {
      config = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      problems.add(`${label(file)}: not valid JSON (${(err as Error).message})`);
      continue;
    }
    let parsed: ServiceConnectConfig;
    try {
      parsed = parseWith(serviceConnectConfigSchema, config, label(file));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      err.problems.forEach((p) => problems.add(p));
      continue;
    }
    const before = problems.list.length;
    checkConfig(parsed, svc, topology, label(file), problems);
    if (problems.list.length === before) updates.push({ service: svc, file: label(file), config: parsed });
  }
  problems.throwIfAny();
  return topology.services.flatMap((svc) => updates.filter((u) => u.service === svc));
}

function checkConfig(
  config: ServiceConnectConfig,
  svc: ServiceSpec,
  topology: Topology,
  file: string,
  problems: Problems
): void {
  problems.check(config.enabled, `${file}: 'enabled' is false; allowed: true`);
  problems.check(
    config.namespace === topology.serviceConnectNamespace,
    `${file}: namespace ${JSON.stringify(config.namespace)} does not match the model's '${topology.serviceConnectNamespace}'`
  );
  const services = config.services ?? [];
  if (legacyEndpoint(topology, svc) === undefined) {
    problems.check(
      services.length === 0,
      `${file}: ${svc.name} is client-only in the model (nobody calls it); 'services' must be empty`
    );
  } else if (services.length !== 1) {
    problems.add(`${file}: ${svc.name} needs exactly one entry in 'services', found ${services.length}`);
  } else {
    const entry = services[0];
    problems.check(
      entry.portName === svc.portName,
      `${file}: portName ${JSON.stringify(entry.portName)} is not the port name of ${svc.name} in the model ('${svc.portName}')`
    );
    problems.check(
      entry.clientAliases.length === 1,
      `${file}: needs exactly one client alias with a port and a dnsName, found ${entry.clientAliases.length}`
    );
  }
  problems.check(
    config.logConfiguration?.options['awslogs-group'] !== undefined,
    `${file}: logConfiguration must use the awslogs driver with an awslogs-group`
  );
}
