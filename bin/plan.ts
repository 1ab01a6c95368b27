/** `npm run plan -- [--from PHASE --to PHASE] [-c key=value] [--json]`: see lib/plan/cli.ts. */
import { runAsProcess } from '../lib/cli/cli-io';
import { runPlanCli } from '../lib/plan/cli';
import { YELB } from '../lib/model/yelb';

runAsProcess((argv, io) => runPlanCli(argv, io, { topology: YELB }));
