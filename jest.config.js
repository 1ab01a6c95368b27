/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Many suites wait on local servers and child processes: use every core (Jest's default leaves one idle).
  maxWorkers: '100%',
  // Type check and lint run beside Jest (npm test): leave room for a busy machine.
  testTimeout: 20_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }],
  },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  // Every phase synthesized once for all test files (test/support/app.ts reads them).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
