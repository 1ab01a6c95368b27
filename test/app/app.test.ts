import { runSpecs } from '../support/specs';

// The app tests, in one Jest test file (see runSpecs).
runSpecs(__dirname);
