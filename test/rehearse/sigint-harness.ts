/**
 * The rehearse CLI as a process of its own, for the Ctrl-C test: its real SIGINT handling,
 * against a local Yelb-like server. The first deploy (discovery) is quick; the step's deploy
 * (serviceConnect) lasts, as a real one does, until Ctrl-C. Prints "deploying <phase>" on stderr
 * when a deploy starts; exits with the CLI's code, as bin/rehearse.ts does.
 */
import { processIo } from '../../lib/cli/cli-io';
import { runRehearseCli } from '../../lib/rehearse/cli';
import { fromSharedTemplates } from '../support/app';
import { fakeRehearsalAws, startYelbLike } from '../support/yelb-like';
import { YELB } from '../../lib/model/yelb';

async function main(): Promise<number> {
  const yelb = await startYelbLike();
  const aws = fakeRehearsalAws(yelb, {
    deployMs: (phase) => (phase === 'discovery' ? 50 : 60_000),
    during: (phase) => process.stderr.write(`deploying ${phase}\n`),
  });
  return runRehearseCli(process.argv.slice(2), processIo(), {
    topology: YELB,
    aws: () => aws,
    synthesize: fromSharedTemplates,
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
