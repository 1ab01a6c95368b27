/** `npm run migrate -- <command> [options]`: see lib/migrate/cli.ts, or `--help`. */
import { runAsProcess } from '../lib/cli/cli-io';
import { runMigrateCli } from '../lib/migrate/cli';

runAsProcess(runMigrateCli);
