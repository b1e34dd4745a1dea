import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^stepwise-agents$': '<rootDir>/framework/index.ts',
    '^stepwise-agents/testing$': '<rootDir>/framework/testing/index.ts',
    '^stepwise-agents/tools$': '<rootDir>/tools/index.ts',
    '^stepwise-agents/lambda$': '<rootDir>/framework/lambda.ts',
    '^stepwise-agents/infra$': '<rootDir>/infra/index.ts',
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 60_000,
};

export default config;
