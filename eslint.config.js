// Lint: typescript-eslint's recommended rules, plus the house rule that protocol packages stay pure
// (bytes in, values out: no Node-only APIs, no sockets, no timers, no logging).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// access/src/query-params.ts is pure too: the RTMP package reads stream names with it (`@flvcast/access/query`).
const pureSources = ['packages/amf0/src/**/*.ts', 'packages/flv/src/**/*.ts', 'packages/mpegts/src/**/*.ts', 'packages/rtmp/src/**/*.ts', 'packages/access/src/query-params.ts'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The option descriptors are pure too: values in, values and problems out.
    files: [...pureSources, 'packages/options/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'crypto', 'events', 'stream'], message: 'protocol packages are pure: no Node-only APIs' }],
          // The root of @flvcast/access uses node:crypto and node:net; its `/query` subpath is pure.
          paths: [{ name: '@flvcast/access', message: 'protocol packages are pure: import @flvcast/access/query' }],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'console'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
