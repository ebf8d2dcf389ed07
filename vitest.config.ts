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
          environment: 'node',
          testTimeout: 20000,
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
    ],
  },
});
