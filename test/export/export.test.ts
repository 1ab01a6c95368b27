import { runSpecs } from '../support/specs';

// The export tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
