// Lint: typescript-eslint's recommended rules plus the layering of shared/DESIGN.md, enforced as import bans.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = { group: ['node:*'], message: 'this layer must not use Node built-ins' };
const noElectron = { name: 'electron', message: 'only electron/main and electron/preload import electron' };
const noProcesses = [
  { name: 'execa', message: 'run OS commands through lib/exec.ts from server-helper/system or electron/platform' },
  { name: 'node:child_process', message: 'run OS commands through lib/exec.ts from server-helper/system or electron/platform' },
  { name: 'child_process', message: 'run OS commands through lib/exec.ts' },
];
const noExecWrapper = { group: ['**/lib/exec.js', '**/lib/exec'], message: 'only server-helper/system and electron/platform spawn processes' };

/** Builds a no-restricted-imports rule from paths and patterns. */
const restrict = (paths, patterns) => ['error', { paths, patterns }];

export default tseslint.config(
  { ignores: ['node_modules/**', 'release/**', 'dist/**', '.sandbox/**', 'renderer/dist/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([noElectron, { name: 'react', message: 'contract is UI-free' }], [nodeBuiltins, { group: ['../server-helper/*', '../electron/*', '../renderer/*', '../lib/*'], message: 'contract imports nothing of the app' }]),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict([noElectron, ...noProcesses], [nodeBuiltins, { group: ['**/server-helper/**', '**/electron/core/**', '**/electron/platform/**', '**/electron/main/**'], message: 'the renderer talks to the app only through the preload bridge or the HTTP API' }]),
    },
  },
  {
    files: ['server-helper/**/*.ts'],
    ignores: ['server-helper/system/**'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, { group: ['**/electron/**', '**/renderer/**'], message: 'the server does not import the client' }]) },
  },
  {
    // Jobs publish events; alerts subscribe to the bus. A job that called a notifier could be held up by a channel that is down.
    files: ['server-helper/jobs/**/*.ts', 'server-helper/lifecycle/**/*.ts', 'server-helper/drives/**/*.ts', 'server-helper/samba/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [noExecWrapper, { group: ['**/electron/**', '**/renderer/**'], message: 'the server does not import the client' }, { group: ['**/alerts/**'], message: 'jobs publish events to the bus; alerts subscribe to it (jobs never call a notifier)' }],
      ),
    },
  },
  {
    files: ['server-helper/system/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [{ group: ['../api/*', '../jobs/*', '../lifecycle/*', '../samba/*', '../drives/*', '../store/*', '../cli/*', '**/electron/**'], message: 'system/ is the bottom layer: it imports no app folder' }]) },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, { group: ['**/server-helper/**', '**/electron/main/**', '**/renderer/**'], message: 'the core is plain Node and imports neither the server nor the shell' }]) },
  },
  {
    files: ['electron/platform/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [{ group: ['**/server-helper/**', '**/electron/main/**', '**/electron/core/**', '**/renderer/**'], message: 'platform is below the core' }]) },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...noProcesses], [noExecWrapper, { group: ['**/server-helper/**'], message: 'the shell does not import the server' }]) },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/exec.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], []) },
  },
  {
    // Tests, benches and scripts drive real components (smbd, restic, openssl) directly; the layering is for product code.
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**', 'scripts/**', 'build/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
