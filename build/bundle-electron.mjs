#!/usr/bin/env node
/**
 * Bundles the Electron shell with esbuild: dist/electron/main.js (ESM, the app's entry) and
 * dist/electron/preload.cjs (one CommonJS file, because a sandboxed preload can only require 'electron').
 * Usage: node build/bundle-electron.mjs   (then: npx vite build --config renderer/vite.config.ts)
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'electron');

/** Bundles main and preload; returns the output folder. */
export async function bundleElectron() {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    external: ['electron', '@napi-rs/keyring'],
    logLevel: 'warning',
    legalComments: 'none',
  };
  await build({
    ...common,
    entryPoints: [join(root, 'electron/main/main.ts')],
    outfile: join(out, 'main.js'),
    format: 'esm',
    // Bundled CommonJS dependencies (conf, ajv) call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __ftsCreateRequire } from 'node:module'; const require = __ftsCreateRequire(import.meta.url);",
    },
  });
  await build({
    ...common,
    entryPoints: [join(root, 'electron/preload/preload.ts')],
    outfile: join(out, 'preload.cjs'),
    format: 'cjs',
  });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await bundleElectron();
  console.log(`bundled the Electron shell into ${dir}`);
}
