/**
 * `npm run sc-update [-- --topology FILE --out DIR]`: writes the per-service Service Connect
 * configurations (`svc-<id>.json`, the walkthrough's files) derived from a topology: Yelb's into
 * `sc-update/` by default, any topology file's into the folder named. The migration CLI derives
 * the same configurations itself; a file in its --sc-dir overrides one service's.
 */
import { parseArgs } from 'util';
import { reportBadInput, processIo } from '../lib/cli/cli-io';
import { SC_UPDATE_DIR, writeScFiles } from '../lib/migrate/sc-files';
import { readTopologyFile } from '../lib/model/topology-file';
import { YELB } from '../lib/model/yelb';

const io = processIo();
try {
  const { values } = parseArgs({ options: { topology: { type: 'string' }, out: { type: 'string' } } });
  if (values.topology && !values.out)
    throw new Error('--topology needs --out DIR: sc-update/ holds the files of Yelb');
  const topology = values.topology ? readTopologyFile(values.topology) : YELB;
  for (const line of writeScFiles(topology, values.out ?? SC_UPDATE_DIR)) io.stdout(`${line}\n`);
} catch (err) {
  process.exitCode = reportBadInput(err, io) ?? (io.stderr(`error: ${(err as Error).message}\n`), 2);
}
