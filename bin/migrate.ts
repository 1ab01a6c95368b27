/** `npm run migrate -- <command> [options]`: see lib/migrate/cli.ts, or `--help`. */
import { runMigrateCli } from '../lib/migrate/cli';

runMigrateCli(process.argv.slice(2), {
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
