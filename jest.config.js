/** Jest runs the TypeScript sources directly (ESM, transpile-only); `npm run typecheck` type-checks. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/scripts/jest-global-setup.mjs',
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
};
