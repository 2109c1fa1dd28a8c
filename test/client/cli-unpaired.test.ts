/**
 * `fts` on a computer that is not set up yet (household review 6), run as a person runs it (bin/fts.mjs in a child
 * process) against a fresh config and a real gnome-keyring: before pairing, the commands that need the server say
 * to pair with the string `fts-helper clients pair` prints; after pairing and before sign-in, mount says to run
 * `fts login`; without a session bus, the keychain's absence is explained instead of raw D-Bus text.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePairing } from '../../contract/secrets.js';
import { startDesktopSession, type DesktopSession } from '../support/desktop-session.js';

const bin = new URL('../../bin/fts.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fts-unpaired-'));
const configFile = join(dir, 'client.yaml');
let session: DesktopSession;

function fts(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, '--config', configFile, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const NOT_PAIRED = 'not paired yet: run `fts pair fts1:…` with the pairing string from `fts-helper clients pair NAME`';

beforeAll(async () => {
  session = await startDesktopSession({ keyring: true });
  // A fresh computer: nothing but its own keychain service, so no other test's items are seen.
  writeFileSync(configFile, `keychain: { service: fts-unpaired-${process.pid} }\n`);
});
afterAll(async () => {
  await session?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fts before pairing and sign-in', { timeout: 120_000 }, () => {
  it('before pairing: status says so (exit 0); mount, login and events say to pair (exit 1)', async () => {
    const status = await fts(['status']);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toContain(NOT_PAIRED);
    expect(status.out).not.toContain('motoko');
    const json = await fts(['status', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ paired: false, server: null });
    for (const args of [['mount'], ['login', '--device-code'], ['events']]) {
      const r = await fts(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(1);
      expect(r.err, args.join(' ')).toContain(`fts: ${NOT_PAIRED}`);
    }
  });

  it('after pairing, before sign-in: mount says to run fts login, and status names it as the next step', async () => {
    const pairing = encodePairing({
      vault: 'kv-household',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      appId: 'b1e5b1a0-0000-4000-8000-000000000001',
      clientId: 'count-zero',
    });
    const paired = await fts(['pair', pairing]);
    expect(paired.code, paired.err).toBe(0);
    const mount = await fts(['mount']);
    expect(mount.code, mount.err).toBe(1);
    expect(mount.err).toContain('fts: not signed in: run `fts login`');
    expect(mount.err + mount.out).not.toContain('server-unreachable');
    const events = await fts(['events']);
    expect(events.code).toBe(1);
    expect(events.err).toContain('fts: not signed in: run `fts login`');
    const status = await fts(['status']);
    expect(status.code).toBe(0);
    expect(status.out).toContain('next: not signed in: run `fts login`');
  });

  it('without a session bus, the missing keychain is explained (exit 1), not raw D-Bus text', async () => {
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    const r = await fts(['status'], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^fts: no keychain available: the Secret Service \(GNOME Keyring or KWallet\) cannot be reached/,
    );
    expect(r.err).toContain('keychain.linuxStore: auto');
    expect(r.err).not.toContain('Platform failure');
  });
});
