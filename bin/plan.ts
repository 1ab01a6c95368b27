/** `npm run plan -- [--from PHASE --to PHASE] [-c key=value] [--json]`: see lib/plan/cli.ts. */
import { runPlanCli } from '../lib/plan/cli';

runPlanCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  }
);
