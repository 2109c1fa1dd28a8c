#!/usr/bin/env node
/**
 * Puts the @napi-rs/keyring binary packages a release needs into node_modules, so electron-builder ships them.
 * npm installs only this machine's binary (one optional dependency per OS and CPU), but the macOS app is universal
 * (an x64 and an arm64 build merged) and the Windows installer holds x64 and arm64: each needs its own binary.
 * A missing one is fetched with `npm pack` at the exact version @napi-rs/keyring names, and unpacked beside it.
 * Usage: node build/keyring-binaries.mjs darwin-x64 darwin-arm64        (before electron-builder --mac)
 *        node build/keyring-binaries.mjs win32-x64-msvc win32-arm64-msvc (before electron-builder --win)
 * Exit codes: 0 all present, 1 a fetch failed, 2 an unknown binary name.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The binary package for a target (`darwin-arm64` → @napi-rs/keyring-darwin-arm64) and the version keyring pins. */
export function keyringBinarySpec(keyringPackageJson, target) {
  const name = `@napi-rs/keyring-${target}`;
  const version = keyringPackageJson.optionalDependencies?.[name];
  if (!version) {
    const known = Object.keys(keyringPackageJson.optionalDependencies ?? {}).map((n) =>
      n.replace('@napi-rs/keyring-', ''),
    );
    return {
      error: `unknown keyring binary "${target}"; @napi-rs/keyring ${keyringPackageJson.version} has: ${known.join(', ')}`,
    };
  }
  return { name, version, binary: `keyring.${target}.node` };
}

/** Makes sure node_modules/@napi-rs/keyring-TARGET holds the binary for each target; returns what it did. */
export async function ensureKeyringBinaries(targets, nodeModules = join(root, 'node_modules')) {
  const keyring = JSON.parse(readFileSync(join(nodeModules, '@napi-rs', 'keyring', 'package.json'), 'utf8'));
  const specs = targets.map((t) => keyringBinarySpec(keyring, t));
  const bad = specs.find((s) => s.error);
  if (bad) throw Object.assign(new Error(bad.error), { exitCode: 2 });
  const done = [];
  for (const spec of specs) {
    const dir = join(nodeModules, ...spec.name.split('/'));
    const pkgFile = join(dir, 'package.json');
    if (existsSync(join(dir, spec.binary)) && JSON.parse(readFileSync(pkgFile, 'utf8')).version === spec.version) {
      done.push(`${spec.name}@${spec.version}: present`);
      continue;
    }
    const tmp = mkdtempSync(join(tmpdir(), 'fts-keyring-'));
    try {
      // npm.cmd needs a shell on Windows: the one argument is the package spec checked above, and the tarball
      // lands in the working folder, so no path goes through the shell.
      const r = spawnSync('npm', ['pack', `${spec.name}@${spec.version}`], {
        cwd: tmp,
        encoding: 'utf8',
        shell: process.platform === 'win32',
      });
      const tarballs = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
      if (r.status !== 0 || tarballs.length !== 1)
        throw new Error(`npm pack ${spec.name}@${spec.version} failed: ${r.stderr.trim()}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await extract({ file: join(tmp, tarballs[0]), cwd: dir, strip: 1 });
      if (!existsSync(join(dir, spec.binary))) throw new Error(`${spec.name}@${spec.version} holds no ${spec.binary}`);
      done.push(`${spec.name}@${spec.version}: fetched`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return done;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const targets = process.argv.slice(2);
  if (targets.length === 0 || targets.includes('--help')) {
    const usage =
      'usage: node build/keyring-binaries.mjs TARGET...   e.g. darwin-x64 darwin-arm64, win32-x64-msvc win32-arm64-msvc';
    if (targets.length === 0) console.error(usage);
    else console.log(usage);
    process.exit(targets.length === 0 ? 2 : 0);
  }
  try {
    for (const line of await ensureKeyringBinaries(targets)) console.log(line);
  } catch (err) {
    console.error(err.message);
    process.exit(err.exitCode ?? 1);
  }
}
