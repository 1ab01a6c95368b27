/** `npm run traffic -- [options]`: see lib/traffic/cli.ts, or `--help`. */
import { runAsProcess } from '../lib/cli/cli-io';
import { runTrafficCli } from '../lib/traffic/cli';
import { YELB } from '../lib/model/yelb';

runAsProcess((argv, io) => runTrafficCli(argv, io, { topology: YELB }));
