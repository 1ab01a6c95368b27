import { runSpecs } from '../support/specs';

// The benchmarks' helpers, in one Jest test file (see runSpecs).
runSpecs(__dirname);
