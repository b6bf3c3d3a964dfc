import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // a temporary folder per run, removed at the end (test/support/global-tmp.ts)
    globalSetup: ['test/support/global-tmp.ts'],
    // ... and a folder per test file inside it, which must be empty when the file ends (test/support/file-tmp.ts)
    setupFiles: ['test/support/file-tmp.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', 'test/e2e/**', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        // Svelte components in jsdom (browser build of svelte)
        extends: true,
        plugins: [svelte(), svelteTesting()],
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
      {
        // real Chromium (Debian chromium, installed by .ci/run) against `scl-lab serve`; needs `npm run build` first
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
