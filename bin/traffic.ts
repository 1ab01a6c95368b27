/** `npm run traffic -- [options]`: see lib/traffic/cli.ts, or `--help`. */
import { runAsProcess } from '../lib/cli/cli-io';
import { runTrafficCli } from '../lib/traffic/cli';

runAsProcess(runTrafficCli);
