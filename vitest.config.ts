import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'contract/**/*.test.ts',
      'server-helper/**/*.test.ts',
      'electron/**/*.test.ts',
      'lib/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
    ],
    exclude: ['node_modules/**', 'test/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: two test files at once keeps real servers (smbd, restic) from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
