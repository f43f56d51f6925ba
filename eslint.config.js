import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/lint/layers.js';

/*
 * The dependency rules of DESIGN.md §2, as errors. The per-folder tsconfigs enforce the same
 * boundaries through `lib` and `types`; the layers rule (scripts/lint/layers.js) resolves every
 * relative import and checks both ends against the table, including http -> domains -> db inside
 * server/ and test scaffolding; no-restricted-imports below keeps packages out of folders.
 */
const NODE_BUILTINS = { group: ['node:*'], message: 'no Node built-ins here' };

const rules = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { patterns, paths }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.tsbuild/**', 'dist/**', 'out/**', 'bench/results/**', 'renderer/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Which of our folders each folder may import: scripts/lint/layers.js, on resolved paths.
    files: ['**/*.{ts,tsx}'],
    plugins: { layers },
    rules: { 'layers/layers': 'error' },
  },
  {
    files: ['contract/**/*.ts'],
    ignores: ['contract/**/*.test.ts'],
    rules: rules([NODE_BUILTINS], [{ name: 'electron', message: 'contract/ is runtime-neutral' }]),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: rules([NODE_BUILTINS], [{ name: 'electron', message: 'renderer/ has no Electron access' }]),
  },
  {
    files: ['main/core/**/*.ts'],
    rules: rules([], [{ name: 'electron', message: 'main/core is plain Node' }, { name: 'electron-updater', message: 'main/core is plain Node' }]),
  },
  {
    files: ['main/host/**/*.ts'],
    rules: rules([], [{ name: 'electron', message: 'main/host runs without Electron' }]),
  },
  {
    files: ['server/**/*.ts'],
    rules: rules([], [{ name: 'electron', message: 'the server never loads Electron' }]),
  },
  {
    // One configuration module per process, read at start-up and checked with zod: the server's,
    // the station's and the launcher's (with the tools in scripts/). Tests, test scaffolding,
    // e2e/ and bench/ set up their own environments.
    files: ['**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', 'e2e/**', 'bench/**', 'server/config.ts', 'main/core/config.ts', 'scripts/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read settings through the configuration module of this process: server/config.ts, main/core/config.ts or scripts/config.ts' },
      ],
    },
  },
);
