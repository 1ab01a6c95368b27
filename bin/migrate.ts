/** `npm run migrate -- <command> [options]`: see lib/migrate/cli.ts, or `--help`. Yelb unless --topology. */
import { runAsProcess } from '../lib/cli/cli-io';
import { runMigrateCli } from '../lib/migrate/cli';
import { YELB } from '../lib/model/yelb';

runAsProcess((argv, io) => runMigrateCli(argv, io, { topology: YELB }));
