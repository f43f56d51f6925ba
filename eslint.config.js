import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The dependency rules of DESIGN.md §2, as errors. The per-folder tsconfigs enforce the same
 * boundaries through `lib` and `types`; this catches what types cannot (e.g. importing a
 * sibling folder's sources).
 */
const NODE_BUILTINS = { group: ['node:*'], message: 'no Node built-ins here' };
const ours = (folders, message) => ({ group: folders.flatMap((f) => [`**/${f}/**`, `**/${f}`]), message });

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
    files: ['contract/**/*.ts'],
    ignores: ['contract/**/*.test.ts'],
    rules: rules(
      [NODE_BUILTINS, ours(['main', 'renderer', 'server', 'migrations', 'e2e', 'bench', 'scripts'], 'contract/ imports nothing of ours')],
      [{ name: 'electron', message: 'contract/ is runtime-neutral' }],
    ),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: rules(
      [NODE_BUILTINS, ours(['main', 'server', 'migrations'], 'renderer/ reaches the station only through the station API')],
      [{ name: 'electron', message: 'renderer/ has no Electron access' }],
    ),
  },
  {
    files: ['main/core/**/*.ts'],
    rules: rules(
      [ours(['renderer', 'server', 'electron', 'host'], 'main/core is host-agnostic'), { group: ['../../migrations/server/**'], message: 'station code uses migrations/station only' }],
      [{ name: 'electron', message: 'main/core is plain Node' }, { name: 'electron-updater', message: 'main/core is plain Node' }],
    ),
  },
  {
    files: ['main/electron/**/*.ts'],
    rules: rules([ours(['renderer', 'server', 'host'], 'main/electron wires main/core to Electron only')]),
  },
  {
    files: ['main/host/**/*.ts'],
    rules: rules([ours(['renderer', 'server', 'electron'], 'main/host serves main/core over loopback HTTP')], [{ name: 'electron', message: 'main/host runs without Electron' }]),
  },
  {
    files: ['server/**/*.ts'],
    rules: rules(
      [ours(['main', 'renderer', 'e2e', 'bench', 'scripts'], 'server/ imports contract/ and migrations/server only'), { group: ['**/migrations/station/**'], message: 'server uses migrations/server only' }],
      [{ name: 'electron', message: 'the server never loads Electron' }],
    ),
  },
  {
    // Inside server/: http -> domains -> db, never the reverse.
    files: ['server/db/**/*.ts'],
    ignores: ['server/db/**/*.test.ts'],
    rules: rules([ours(['main', 'renderer', 'e2e', 'bench', 'scripts'], 'server/ imports contract/ and migrations/server only'), { group: ['../http/**', '../auth/**', '../audit/**', '../patients/**', '../admin/**', '../seed/**'], message: 'server/db is the bottom layer' }]),
  },
  {
    files: ['server/{auth,audit,patients,admin,seed,sync,notes,fhir,releases,flags}/**/*.ts'],
    rules: rules([ours(['main', 'renderer', 'e2e', 'bench', 'scripts'], 'server/ imports contract/ and migrations/server only'), { group: ['../http/**'], message: 'domain modules never import the HTTP layer' }]),
  },
  {
    files: ['migrations/**/*.ts'],
    rules: rules([ours(['main', 'renderer', 'server', 'contract', 'e2e', 'bench', 'scripts'], 'migrations are frozen in time: they import only kysely and each other')]),
  },
);
