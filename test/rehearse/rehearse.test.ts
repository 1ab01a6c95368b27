import { runSpecs } from '../support/specs';

// The rehearse tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
