import { runSpecs } from '../support/specs';

// The model tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
