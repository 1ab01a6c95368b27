/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Many suites wait on local servers, child processes and timers: more workers than the 2 cores, so
  // that a waiting suite does not hold a core (measured: 38 s instead of 50 s for Jest alone).
  maxWorkers: 4,
  // Type check and lint run beside Jest (npm test): leave room for a busy machine.
  testTimeout: 20_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }],
  },
  // The CDK's cleanup of synth output folders, and ours of the folders tests make.
  setupFilesAfterEnv: ['<rootDir>/test/support/after-env.ts'],
  // Every phase synthesized once for all test files (test/support/app.ts reads them).
  // Heaviest first on a fresh clone, the files that group specs included (see the file).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
