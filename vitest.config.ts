// SPDX-License-Identifier: MIT
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/{common,native,lab,electron,build}/**/*.test.ts'],
          exclude: ['**/*.host.test.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 20000,
        },
      },
      {
        // Tests that change this machine's real IRQ affinities: run on their own, one file at a
        // time, so no other test reads an affinity another is moving (each restores what it moved).
        extends: true,
        test: {
          name: 'host',
          include: ['test/**/*.host.test.ts'],
          environment: 'node',
          testTimeout: 30000,
        },
      },
      {
        extends: true,
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 20000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 60000,
          hookTimeout: 90000,
          fileParallelism: false,
        },
      },
    ],
  },
});
