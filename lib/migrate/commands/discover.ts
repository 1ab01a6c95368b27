import * as fs from 'fs';
import * as path from 'path';
import { AwsClients } from '../../aws/clients';
import { CliIo, UsageError } from '../../cli/cli-io';
import { formatDuration } from '../../cli/duration';
import { renderFindings } from '../../discover/findings';
import { inferTopology } from '../../discover/infer';
import { readCluster } from '../../discover/read';
import { renderTopologyFile, schemaReference } from '../../model/topology-file';
import { countCalls } from '../../aws/call-counter';

/** The repository's root, where `topology.schema.json` is published. */
const ROOT = path.join(__dirname, '..', '..', '..');

/** What `discover` needs from the command line. */
export interface DiscoverOptions {
  readonly cluster: string;
  readonly region: string;
  readonly out: string;
  readonly namespace?: string;
  readonly json: boolean;
  readonly force: boolean;
}

/**
 * `discover`: reads the cluster (read-only), writes the topology file and prints the findings
 * (a report, or JSON with `--json`). Progress on stderr. Refuses to overwrite a file (hand edits
 * are the point of the file) unless `--force`.
 */
export async function discover(clients: AwsClients, options: DiscoverOptions, io: CliIo): Promise<number> {
  if (fs.existsSync(options.out) && !options.force)
    throw new UsageError(`${options.out} exists; pass --force to overwrite it, or --out another file`);
  if (!fs.existsSync(path.dirname(path.resolve(options.out))))
    throw new UsageError(`--out ${options.out}: the folder ${path.dirname(options.out)} does not exist`);

  const start = Date.now();
  const calls = countCalls(clients);
  const progress = (line: string) => io.stderr(`${line}\n`);
  progress(`discover: reading cluster ${options.cluster} in ${options.region} (read-only)`);
  const snapshot = await readCluster(clients, options.region, options.cluster, progress);
  const { topology, findings, unmatched } = inferTopology(snapshot, { namespace: options.namespace });
  fs.writeFileSync(options.out, renderTopologyFile(topology, schemaReference(options.out, ROOT)));
  const seconds = (Date.now() - start) / 1000;
  const summary = `${topology.services.length} service(s), ${topology.services.reduce((n, s) => n + s.calls.length, 0)} call(s) written to ${options.out}; ${calls.total()} API calls in ${formatDuration(seconds)}`;
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ file: options.out, services: topology.services.length, findings, unmatched, apiCalls: calls.byOperation(), seconds }, null, 2)}\n`
    );
    progress(summary);
  } else {
    io.stdout(`${renderFindings(findings, unmatched)}\n\n${summary}\n`);
    io.stdout(
      `next: review ${options.out} and the findings, then: npm run migrate -- plan --topology ${options.out} --namespace ${topology.serviceConnectNamespace}\n`
    );
  }
  return 0;
}
