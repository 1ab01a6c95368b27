import { runSpecs } from '../support/specs';

// The traffic tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
