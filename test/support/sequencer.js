// The order Jest starts the test files in, on a machine without Jest's timing cache (a fresh
// clone, CI): Jest's own falls back to file size, which would start the files that group many
// specs (test/support/specs.ts, a few lines each) last, and the run would end waiting for them.
// Here a file weighs what it runs: its own size plus, for a grouping file, that of the specs
// beside it. With a timing cache (a second run), Jest's own order, which uses it, is kept.
const fs = require('fs');
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;

const weight = (file) => {
  const own = fs.statSync(file).size;
  if (!fs.readFileSync(file, 'utf8').includes('runSpecs(')) return own;
  const dir = path.dirname(file);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts'))
    .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, own);
};

class WeightSequencer extends Sequencer {
  sort(tests) {
    if (tests.some((test) => this.time(test) !== undefined)) return super.sort(tests);
    return [...tests].sort((a, b) => weight(b.path) - weight(a.path));
  }
}

module.exports = WeightSequencer;
