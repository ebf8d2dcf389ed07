// SPDX-License-Identifier: MIT
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import doorbell from './build/eslint/layers.js';

const NODE_GLOBALS = ['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate'];
const DOM_GLOBALS = ['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage', 'HTMLElement', 'fetch', 'WebSocket', 'requestAnimationFrame'];
const restrict = (names, why) => names.map((name) => ({ name, message: `${name} is not available here: ${why}` }));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'coverage/**', '.cache/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    plugins: { doorbell },
    rules: {
      'doorbell/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', ...restrict([...NODE_GLOBALS, ...DOM_GLOBALS], 'common/ is pure TypeScript (no DOM, no Node)')] },
  },
  {
    files: ['native/**/*.ts', 'lab/**/*.ts', 'electron/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', ...restrict(DOM_GLOBALS.filter((g) => g !== 'fetch' && g !== 'WebSocket'), 'this layer runs in Node, not a browser')] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    languageOptions: {
      globals: Object.fromEntries(['window', 'document', 'navigator', 'location', 'WebSocket', 'console', 'setTimeout', 'clearTimeout',
        'setInterval', 'clearInterval', 'requestAnimationFrame', 'cancelAnimationFrame', 'URL', 'URLSearchParams', 'performance',
        'HTMLElement', 'HTMLCanvasElement', 'ResizeObserver', 'PerformanceObserver', 'PerformanceEntry', 'getComputedStyle', 'Blob', 'KeyboardEvent', 'MouseEvent', 'Event'].map((g) => [g, 'readonly'])),
    },
    rules: {
      'no-restricted-globals': ['error', ...restrict(NODE_GLOBALS, 'the renderer is a sandboxed browser page')],
      'no-restricted-properties': ['error', { object: 'window', property: 'doorbell', message: 'Only renderer/src/api/ touches the bridge; use the api module.' }],
    },
  },
  {
    files: ['renderer/src/api/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Raw IPC lives in exactly two files: the typed handler binding and the preload.
    files: ['**/*.ts', '**/*.vue'],
    // electron/main/index.ts only hands ipcMain to the binding in ipc/handle.ts.
    ignores: ['electron/main/ipc/**', 'electron/preload/**', 'electron/main/index.ts', 'test/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "ImportSpecifier[imported.name='ipcMain']", message: 'Use electron/main/ipc/handle.ts.' },
        { selector: "ImportSpecifier[imported.name='ipcRenderer']", message: 'Only the preload talks to ipcRenderer.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.mjs', 'bin/**/*.mjs', 'build/**/*.{js,mjs,cjs}', 'scripts/**/*.{js,mjs}', '*.js', '*.ts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', performance: 'readonly', fetch: 'readonly', queueMicrotask: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
  },
);
