import type { ServiceConnectConfiguration } from '@aws-sdk/client-ecs';
import * as fs from 'fs';
import * as path from 'path';
import { legacyEndpoint } from '../model/graph';
import { ServiceSpec, Topology, serviceId } from '../model/topology';
import { serviceConnectConfiguration } from '../service-connect';
import { Problems, oneOf } from '../core/validation';

/** The committed `sc-update/` directory. */
export const SC_UPDATE_DIR = path.join(__dirname, '..', '..', 'sc-update');

/** `svc-db.json`: the walkthrough's file name for a service. */
export function scFileName(svc: ServiceSpec): string {
  return `svc-${serviceId(svc)}.json`;
}

/**
 * The Service Connect configuration files as the model defines them, by file name: the
 * walkthrough's shape, with the namespace by name and without `awslogs-region`, which the
 * migration CLI fills in at run time so that the files never change on disk.
 */
export function expectedScFiles(topology: Topology): Map<string, ServiceConnectConfiguration> {
  const problems = new Problems();
  topology.services.forEach((svc, i) =>
    problems.check(
      (svc.logGroupName ?? topology.logGroupName) !== undefined,
      `services[${i}].logGroupName: missing, and no logGroupName at the top; allowed: the log group of ${svc.name}'s Service Connect proxy`
    )
  );
  problems.throwIfAny();
  return new Map(
    topology.services.map((svc) => [
      scFileName(svc),
      serviceConnectConfiguration(topology, svc, {
        namespace: topology.serviceConnectNamespace,
        logGroupName: svc.logGroupName ?? topology.logGroupName!,
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
export function renderScFile(config: ServiceConnectConfiguration): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** One service's configuration, read from its file and checked against the model. */
export interface ScUpdate {
  readonly service: ServiceSpec;
  readonly file: string;
  readonly config: ServiceConnectConfiguration;
}

/**
 * Reads the overrides `svc-*.json` in `dir` and checks each against the topology before anything
 * is sent: valid JSON, a known service, the topology's namespace, the service's port name, one
 * client alias for a client-server service and none for a client-only one, an awslogs log
 * configuration. A service without a file gets the configuration derived from the topology
 * (which is what `npm run sc-update` writes).
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
    const before = problems.list.length;
    checkConfig(config, svc, topology, label(file), problems);
    if (problems.list.length === before) {
      updates.push({ service: svc, file: label(file), config: config as ServiceConnectConfiguration });
    }
  }
  problems.throwIfAny();
  return topology.services.flatMap((svc) => updates.filter((u) => u.service === svc));
}

function checkConfig(
  config: unknown,
  svc: ServiceSpec,
  topology: Topology,
  file: string,
  problems: Problems
): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    problems.add(`${file}: must be a JSON object (a serviceConnectConfiguration)`);
    return;
  }
  const c = config as Record<string, unknown>;
  problems.check(c.enabled === true, `${file}: 'enabled' is ${JSON.stringify(c.enabled)}; allowed: true`);
  problems.check(
    c.namespace === topology.serviceConnectNamespace,
    `${file}: namespace ${JSON.stringify(c.namespace)} does not match the model's '${topology.serviceConnectNamespace}'`
  );
  const services = c.services ?? [];
  if (!Array.isArray(services)) {
    problems.add(`${file}: 'services' must be a list`);
  } else if (legacyEndpoint(topology, svc) === undefined) {
    problems.check(
      services.length === 0,
      `${file}: ${svc.name} is client-only in the model (nobody calls it); 'services' must be empty`
    );
  } else if (services.length !== 1) {
    problems.add(`${file}: ${svc.name} needs exactly one entry in 'services', found ${services.length}`);
  } else {
    const entry = services[0] as Record<string, unknown>;
    problems.check(
      entry.portName === svc.portName,
      `${file}: portName ${JSON.stringify(entry.portName)} is not the port name of ${svc.name} in the model ('${svc.portName}')`
    );
    const aliases = entry.clientAliases;
    problems.check(
      Array.isArray(aliases) &&
        aliases.length === 1 &&
        Number.isInteger((aliases[0] as Record<string, unknown>)?.port) &&
        typeof (aliases[0] as Record<string, unknown>)?.dnsName === 'string',
      `${file}: needs exactly one client alias with a port and a dnsName`
    );
  }
  const log = c.logConfiguration as Record<string, unknown> | undefined;
  problems.check(
    log?.logDriver === 'awslogs' &&
      typeof (log.options as Record<string, unknown>)?.['awslogs-group'] === 'string',
    `${file}: logConfiguration must use the awslogs driver with an awslogs-group`
  );
}
