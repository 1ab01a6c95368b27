import { runSpecs } from '../support/specs';

// The migrate tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
