import { runSpecs } from '../support/specs';

// The plan tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
