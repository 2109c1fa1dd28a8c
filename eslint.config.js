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
/** Patterns for electron/<name> folders, as reached from anywhere and from a sibling folder (`../core/x.js`). */
const electronDirs = (...names) => names.flatMap((n) => [`**/electron/${n}/**`, `../${n}/**`, `../${n}/*`]);
const noDevCode = { group: [...electronDirs('dev'), '**/test/**'], message: 'product code never imports the development doubles or tests' };

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
      'no-restricted-imports': restrict([noElectron, ...noProcesses], [nodeBuiltins, { group: ['**/server-helper/**', '**/electron/core/**', '**/electron/platform/**', '**/electron/app/**', '**/electron/dev/**', '**/electron/main/**'], message: 'the renderer talks to the app only through the preload bridge or the HTTP API' }]),
    },
  },
  {
    files: ['server-helper/**/*.ts'],
    ignores: ['server-helper/system/**'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, { group: ['**/electron/**', '**/renderer/**'], message: 'the server does not import the client' }]) },
  },
  {
    files: ['server-helper/system/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [{ group: ['../api/*', '../jobs/*', '../lifecycle/*', '../samba/*', '../drives/*', '../store/*', '../cli/*', '**/electron/**'], message: 'system/ is the bottom layer: it imports no app folder' }]) },
  },
  {
    // The tray app's logic in plain Node: the core facade, tray state, menus, IPC handlers, settings, launch policy.
    files: ['electron/app/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, noDevCode, { group: ['**/server-helper/**', ...electronDirs('main', 'preload'), '**/renderer/**'], message: 'the app layer is plain Node below the Electron shell' }]) },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, noDevCode, { group: ['**/server-helper/**', ...electronDirs('main', 'preload', 'app'), '**/renderer/**'], message: 'the core is plain Node and imports neither the server, the app layer nor the shell' }]) },
  },
  {
    files: ['electron/platform/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noDevCode, { group: ['**/server-helper/**', ...electronDirs('main', 'preload', 'app', 'core'), '**/renderer/**'], message: 'platform is below the core' }]) },
  },
  {
    // Only what needs Electron: main.ts drives the app layer; the preload builds the bridge.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...noProcesses], [noExecWrapper, noDevCode, { group: ['**/server-helper/**', ...electronDirs('platform')], message: 'the shell reaches the OS through the app layer and the core' }]) },
  },
  {
    // Development doubles (the browser tray of `npm start`, the Playwright tray test): plain Node, never shipped.
    files: ['electron/dev/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noElectron, ...noProcesses], [noExecWrapper, { group: ['**/server-helper/**', ...electronDirs('main', 'preload'), '**/renderer/**'], message: 'the dev doubles run the app layer in plain Node' }]) },
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
