import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^stepwise$': '<rootDir>/framework/index.ts',
    '^stepwise/testing$': '<rootDir>/framework/testing/index.ts',
    '^stepwise/tools$': '<rootDir>/tools/index.ts',
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 60_000,
};

export default config;
