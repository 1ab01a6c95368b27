import * as fs from 'fs';
import * as path from 'path';
import { runMigrateCli } from '../../lib/migrate/cli';
import { serverFirstWaves } from '../../lib/model/graph';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { CliRun, runCli } from '../support/cli';

/** What the export's specs share: running the CLI, reading what `apply --dry-run` sends, listing a folder. */

/** Runs `npm run migrate -- …` in-process with `env`. */
export function migrate(env: Record<string, string>, ...argv: string[]): Promise<CliRun> {
  return runCli((args, io) => runMigrateCli(args, io, { topology: YELB }), argv, env);
}

/**
 * What `apply --dry-run --topology file` sends, wave by wave (the topology's server-first waves):
 * each wave's services and their Service Connect configurations.
 */
export async function dryRunWaves(
  env: Record<string, string>,
  file: string
): Promise<Record<string, unknown>[]> {
  const run = await migrate(env, 'apply', '--dry-run', '--topology', file, '--region', 'us-east-1');
  expect(run.code).toBe(0);
  const sent = Object.fromEntries(
    run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).input)
      .map((input) => [input.service, input.serviceConnectConfiguration])
  );
  return serverFirstWaves(readTopologyFile(file)).map((wave) =>
    Object.fromEntries(wave.map((s) => [s.name, sent[s.name]]))
  );
}

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const file = path.join(at, entry.name);
      if (entry.isDirectory()) walk(file);
      else found.push(path.relative(dir, file));
    }
  };
  walk(dir);
  return found.sort();
}
