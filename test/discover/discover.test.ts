import { runSpecs } from '../support/specs';

// The discovery tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
