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

const noClient = { group: ['**/electron/**', '**/renderer/**'], message: 'the server does not import the client' };

/** An import of any of these server-helper folders, from anywhere in the tree. */
const folders = (...names) => names.map((n) => `**/${n}/**`);

const ARROWS = 'the arrows point cli → api → jobs → lifecycle|samba|drives → runs → store|config → system → native';
/** The rule the issue names: jobs/ and api/ (and cli/) are above every other layer. */
const noUpward = { group: folders('api', 'jobs', 'cli'), message: `no lower layer imports jobs/, api/ or cli/; ${ARROWS}` };
const noNative = {
  group: folders('native'),
  message: 'only lifecycle/graduation and system/ import server-helper/native (fts-native); go through them',
};
const noNativePackage = { name: 'fts-native', message: noNative.message };
/** A ban on the layers a layer sits above (beyond jobs, api and cli). */
const below = (layer, ...names) => ({ group: folders(...names), message: `${layer}/ may not import ${names.join('/, ')}/: ${ARROWS}` });

/** The layer rules of server-helper, one block per layer (a later block wins for its files); each lists every ban. */
function serverLayers() {
  const base = [noElectron, ...noProcesses];
  const block = (files, patterns, opts = {}) => ({
    files: files.map((f) => `server-helper/${f}/**/*.{ts,mjs}`),
    rules: { 'no-restricted-imports': restrict(opts.native === 'allowed' ? base : [...base, noNativePackage], [...patterns, ...(opts.native === 'allowed' ? [] : [noNative])]) },
  });
  return [
    // cli/ and the daemon's wiring (daemon.ts, features.ts, tls.ts): may use every layer, but not spawn processes or reach native.
    { files: ['server-helper/*.{ts,mjs}'], rules: { 'no-restricted-imports': restrict([...base, noNativePackage], [noExecWrapper, noClient, noNative]) } },
    block(['cli'], [noExecWrapper, noClient]),
    block(['api'], [noExecWrapper, noClient, { group: folders('cli'), message: `api/ does not import cli/; ${ARROWS}` }, below('api', 'system')]),
    block(['jobs'], [noExecWrapper, noClient, { ...noUpward, group: folders('api', 'cli') }]),
    block(['lifecycle', 'samba', 'drives'], [noExecWrapper, noClient, noUpward]),
    block(['lifecycle/graduation'], [noExecWrapper, noClient, noUpward], { native: 'allowed' }),
    block(['runs'], [noExecWrapper, noClient, noUpward, below('runs', 'lifecycle', 'samba', 'drives')]),
    block(['store'], [noExecWrapper, noClient, noUpward, below('store', 'lifecycle', 'samba', 'drives', 'runs')]),
    block(['config'], [noExecWrapper, noClient, noUpward, below('config', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'system')]),
    block(['system'], [noClient, noUpward, below('system', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'config')], { native: 'allowed' }),
    block(['native'], [noExecWrapper, noClient, noUpward, below('native', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'config', 'system')]),
  ];
}

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
  // The server's layers, top to bottom: cli and the daemon's wiring (server-helper/*.ts) → api → jobs →
  // lifecycle | samba | drives → runs → store | config → system → native. A layer imports only layers below it,
  // and native (fts-native, C) only from lifecycle/graduation and system. `.mjs` files (worker and copy code) too.
  ...serverLayers(),
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
