/** `npm run rehearse -- [options]`: see lib/rehearse/cli.ts, or `--help`. */
import { processIo } from '../lib/cli/cli-io';
import { runRehearseCli } from '../lib/rehearse/cli';
import { YELB } from '../lib/model/yelb';

// The exit is explicit: after Ctrl-C during a deploy, the toolkit's deploy is still waiting on
// CloudFormation, which carries on without it.
runRehearseCli(process.argv.slice(2), processIo(), { topology: YELB }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
