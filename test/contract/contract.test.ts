import { runSpecs } from '../support/specs';

// What the CDK app and the CLIs share (names, stages, outputs), in one Jest test file (see runSpecs).
runSpecs(__dirname);
