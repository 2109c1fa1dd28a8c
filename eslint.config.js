// Lint: typescript-eslint's recommended rules plus the layering of shared/DESIGN.md, enforced as import bans.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = { group: ['node:*'], message: 'this layer must not use Node built-ins' };
const noElectron = { name: 'electron', message: 'only electron/main and electron/preload import electron' };
const noProcesses = [
  { name: 'execa', message: 'run OS commands through lib/exec.ts from server-helper/system or electron/platform' },
  {
    name: 'node:child_process',
    message: 'run OS commands through lib/exec.ts from server-helper/system or electron/platform',
  },
  { name: 'child_process', message: 'run OS commands through lib/exec.ts' },
];
const noExecWrapper = {
  group: ['**/lib/exec.js', '**/lib/exec'],
  message: 'only server-helper/system and electron/platform spawn processes',
};
/** Patterns for electron/<name> folders, as reached from anywhere and from a sibling folder (`../core/x.js`). */
const electronDirs = (...names) => names.flatMap((n) => [`**/electron/${n}/**`, `../${n}/**`, `../${n}/*`]);
const noDevCode = {
  group: [...electronDirs('dev'), '**/test/**'],
  message: 'product code never imports the development doubles or tests',
};

/** Builds a no-restricted-imports rule from paths and patterns. */
const restrict = (paths, patterns) => ['error', { paths, patterns }];

const noClient = { group: ['**/electron/**', '**/renderer/**'], message: 'the server does not import the client' };

/** An import of any of these server-helper folders, from anywhere in the tree. */
const folders = (...names) => names.map((n) => `**/${n}/**`);

const ARROWS =
  'the arrows point cli → api → jobs | alerts → lifecycle|samba|drives → runs → store|config → system → native';
/** The rule the issue names: jobs/ and api/ (and cli/) are above every other layer. */
const noUpward = {
  group: folders('api', 'jobs', 'cli'),
  message: `no lower layer imports jobs/, api/ or cli/; ${ARROWS}`,
};
/** Jobs publish events and alerts subscribe to the bus: a job that called a notifier could be held up by a channel that is down. */
const noAlerts = {
  group: folders('alerts'),
  message: `jobs publish events to the bus and alerts subscribe to it: nothing below api/ imports alerts/; ${ARROWS}`,
};
const noNative = {
  group: folders('native'),
  message: 'only lifecycle/graduation and system/ import server-helper/native (fts-native); go through them',
};
const noNativePackage = { name: 'fts-native', message: noNative.message };
/** A ban on the layers a layer sits above (beyond jobs, api and cli). */
const below = (layer, ...names) => ({
  group: folders(...names),
  message: `${layer}/ may not import ${names.join('/, ')}/: ${ARROWS}`,
});

/** The layer rules of server-helper, one block per layer (a later block wins for its files); each lists every ban. */
function serverLayers() {
  const base = [noElectron, ...noProcesses];
  const block = (files, patterns, opts = {}) => ({
    files: files.map((f) => `server-helper/${f}/**/*.{ts,mjs}`),
    rules: {
      'no-restricted-imports': restrict(opts.native === 'allowed' ? base : [...base, noNativePackage], [
        ...patterns,
        ...(opts.native === 'allowed' ? [] : [noNative]),
      ]),
    },
  });
  return [
    // cli/ and the daemon's wiring (daemon.ts, features.ts, tls.ts): may use every layer, but not spawn processes or reach native.
    {
      files: ['server-helper/*.{ts,mjs}'],
      rules: { 'no-restricted-imports': restrict([...base, noNativePackage], [noExecWrapper, noClient, noNative]) },
    },
    block(['cli'], [noExecWrapper, noClient]),
    block(
      ['api'],
      [
        noExecWrapper,
        noClient,
        { group: folders('cli'), message: `api/ does not import cli/; ${ARROWS}` },
        below('api', 'system'),
      ],
    ),
    block(['jobs'], [noExecWrapper, noClient, { ...noUpward, group: folders('api', 'cli') }, noAlerts]),
    // alerts/ subscribes to the bus (runs/) beside jobs/, and sends through the network, never through a job.
    block(['alerts'], [noExecWrapper, noClient, noUpward, below('alerts', 'lifecycle', 'samba', 'drives')]),
    block(['lifecycle', 'samba', 'drives'], [noExecWrapper, noClient, noUpward, noAlerts]),
    block(['lifecycle/graduation'], [noExecWrapper, noClient, noUpward, noAlerts], { native: 'allowed' }),
    block(['runs'], [noExecWrapper, noClient, noUpward, noAlerts, below('runs', 'lifecycle', 'samba', 'drives')]),
    block(
      ['store'],
      [noExecWrapper, noClient, noUpward, noAlerts, below('store', 'lifecycle', 'samba', 'drives', 'runs')],
    ),
    block(
      ['config'],
      [
        noExecWrapper,
        noClient,
        noUpward,
        noAlerts,
        below('config', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'system'),
      ],
    ),
    block(
      ['system'],
      [noClient, noUpward, noAlerts, below('system', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'config')],
      { native: 'allowed' },
    ),
    block(
      ['native'],
      [
        noExecWrapper,
        noClient,
        noUpward,
        noAlerts,
        below('native', 'lifecycle', 'samba', 'drives', 'runs', 'store', 'config', 'system'),
      ],
    ),
  ];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'release/**',
      'dist/**',
      '.sandbox/**',
      'renderer/dist/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
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
      'no-restricted-imports': restrict(
        [noElectron, { name: 'react', message: 'contract is UI-free' }],
        [
          nodeBuiltins,
          {
            group: ['../server-helper/*', '../electron/*', '../renderer/*', '../lib/*'],
            message: 'contract imports nothing of the app',
          },
        ],
      ),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [
          nodeBuiltins,
          {
            group: [
              '**/server-helper/**',
              '**/electron/core/**',
              '**/electron/platform/**',
              '**/electron/app/**',
              '**/electron/dev/**',
              '**/electron/main/**',
            ],
            message: 'the renderer talks to the app only through the preload bridge or the HTTP API',
          },
        ],
      ),
    },
  },
  // The server's layers, top to bottom: cli and the daemon's wiring (server-helper/*.ts) → api → jobs →
  // lifecycle | samba | drives → runs → store | config → system → native. A layer imports only layers below it,
  // and native (fts-native, C) only from lifecycle/graduation and system. `.mjs` files (worker and copy code) too.
  ...serverLayers(),
  {
    // The tray app's logic in plain Node: the core facade, tray state, menus, IPC handlers, settings, launch policy.
    files: ['electron/app/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [
          noExecWrapper,
          noDevCode,
          {
            group: ['**/server-helper/**', ...electronDirs('main', 'preload'), '**/renderer/**'],
            message: 'the app layer is plain Node below the Electron shell',
          },
        ],
      ),
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [
          noExecWrapper,
          noDevCode,
          {
            group: ['**/server-helper/**', ...electronDirs('main', 'preload', 'app'), '**/renderer/**'],
            message: 'the core is plain Node and imports neither the server, the app layer nor the shell',
          },
        ],
      ),
    },
  },
  {
    files: ['electron/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [
          noDevCode,
          {
            group: ['**/server-helper/**', ...electronDirs('main', 'preload', 'app', 'core'), '**/renderer/**'],
            message: 'platform is below the core',
          },
        ],
      ),
    },
  },
  {
    // Only what needs Electron: main.ts drives the app layer; the preload builds the bridge.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...noProcesses],
        [
          noExecWrapper,
          noDevCode,
          {
            group: ['**/server-helper/**', ...electronDirs('platform')],
            message: 'the shell reaches the OS through the app layer and the core',
          },
        ],
      ),
    },
  },
  {
    // Development doubles (the browser tray of `npm start`, the Playwright tray test): plain Node, never shipped.
    files: ['electron/dev/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [noElectron, ...noProcesses],
        [
          noExecWrapper,
          {
            group: ['**/server-helper/**', ...electronDirs('main', 'preload'), '**/renderer/**'],
            message: 'the dev doubles run the app layer in plain Node',
          },
        ],
      ),
    },
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
