import { runSpecs } from '../support/specs';

// The stack tests, in one Jest test file (see runSpecs).
runSpecs(__dirname, [
  'app-stacks',
  'dashboard',
  'data-volume',
  'image-mirror',
  'load-test-stack',
  'network-stack',
  'public-entry',
  'teardown',
  'yelb-stack',
]);
