import { defineConfig } from 'vitest/config';

/** Shared vitest settings: resolve workspace packages to their TypeScript source. */
export const shared = defineConfig({
  resolve: { conditions: ['@vms/source'] },
  ssr: { resolve: { conditions: ['@vms/source'], externalConditions: ['@vms/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: [new URL('./packages/test-utils/src/setup.ts', import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
