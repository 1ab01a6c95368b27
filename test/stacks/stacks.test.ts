import { runSpecs } from '../support/specs';

// The stack tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
