/**
 * `npm run example:rehearsal`: the example report in the README, made OFFLINE: the real
 * rehearsal (traffic, votes, gate, report) against a local server that answers Yelb's API, with
 * the deploys injected, yelb-db's restart in every step scripted as 4 s of 500s (a planned
 * outage, with ECS's task times to match) and a fault in the last step. It is not a result from
 * an AWS account. Writes test/rehearse/example/ (report.json, report.md, chart.svg, chart.png).
 */
import * as fs from 'fs';
import * as path from 'path';
import { processIo } from '../../lib/cli/cli-io';
import { runRehearseCli } from '../../lib/rehearse/cli';
import { fakeRehearsalAws, startYelbLike } from '../support/yelb-like';
import { YELB } from '../../lib/model/yelb';

const OUT = path.join(__dirname, 'example');

async function main(): Promise<number> {
  const yelb = await startYelbLike();
  const aws = fakeRehearsalAws(yelb, {
    // After the database's restart, the deploy goes on (the other services): 15 s, or 2 s when the
    // database is the last to go, on the way back to discovery.
    deployMs: (phase) => (phase === 'discovery' ? 2000 : 15_000),
    during: (phase) => {
      // Service Connect's proxy adds a little latency; going back to DNS, one read in 60
      // fails for a while (clients holding cached addresses of replaced tasks).
      yelb.delayMs = phase === 'discovery' ? 2 : 6;
      yelb.fault = phase === 'discovery' ? { every: 60, status: 502 } : undefined;
    },
    after: () => (yelb.fault = undefined),
    // The database restarts in every step: first in the migration, last on the way back.
    restart: (phase) => ({ service: 'yelb-db', seconds: 4, afterMs: phase === 'discovery' ? 12_000 : 3000 }),
  });
  fs.rmSync(OUT, { recursive: true, force: true });
  try {
    return await runRehearseCli(['--rollback', '--rate', '50', '--votes', '20', '--out', OUT], processIo(), {
      topology: YELB,
      aws: () => aws,
    });
  } finally {
    await yelb.close();
  }
}

main().then(
  (code) => {
    console.error(`example written to ${path.relative(process.cwd(), OUT)} (the rehearsal exited ${code})`);
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  }
);
