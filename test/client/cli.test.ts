/**
 * `fts` as a person runs it (bin/fts.mjs in a child process): gvfs and gnome-keyring in a private session,
 * a real smbd, a real helper for `fts events`. Mounting works from the cached credential with Key Vault
 * and the helper unreachable; exit codes are 0 ok, 1 failed, 2 bad usage.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { OsKeychain } from '../../electron/platform/keychain.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';
import { startDesktopSession, type DesktopSession } from '../support/desktop-session.js';
import { freePort } from '../support/ports.js';
import { startSmbd, type TestSmbd } from '../support/smbd.js';
import { shareDirs } from './support.js';

const bin = new URL('../../bin/fts.mjs', import.meta.url).pathname;
const PASSWORD = 'cli-Pw-7731';
let session: DesktopSession;
let smbd: TestSmbd;
let helper: RunningHelper;
let configFile: string;
let keychain: OsKeychain;

function fts(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, '--config', configFile, ...args], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

beforeAll(async () => {
  session = await startDesktopSession({ gvfs: true });
  const root = mkdtempSync(join(tmpdir(), 'fts-cli-shares-'));
  chmodSync(root, 0o755);
  smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
  smbd.addUser('ftscli', PASSWORD);
  const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-cli-helper-')));
  helper = await startHelper({ config: sb.config, listen: '127.0.0.1:0', log: pino({ level: 'silent' }) });
  const service = `fts-cli-${process.pid}`;
  keychain = new OsKeychain({ service });
  const deadVault = await freePort();
  configFile = join(mkdtempSync(join(tmpdir(), 'fts-cli-conf-')), 'client.yaml');
  writeFileSync(
    configFile,
    [
      'clientId: count-zero',
      `server: { host: 127.0.0.1, smbPort: ${smbd.port} }`,
      'shares:',
      '  - { name: flux, driveLetter: "F:" }',
      '  - { name: time }',
      '  - { name: space, driveLetter: "S:" }',
      `helper: { url: "${helper.url}" }`,
      // Nothing listens there: Key Vault is "unreachable" for this whole file.
      `keyVault: { url: "https://127.0.0.1:${deadVault}" }`,
      'mount: { timeout: 60s, retries: 0 }',
      `keychain: { service: ${service} }`,
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await fts('unmount', '--all').catch(() => undefined);
  await helper?.close();
  await smbd?.stop();
  await session?.stop();
});

describe('fts', { timeout: 240_000 }, () => {
  it('has help everywhere and exits 2 on bad usage', async () => {
    const helps = [['--help'], ['credentials', 'clear', '--help'], ['pair', '--help']];
    const usage = [['unmount'], ['mount', 'nosuch'], ['--config', '/nonexistent/client.yaml', 'status']];
    const results = await Promise.all([...helps, ...usage].map((a) => fts(...a)));
    helps.forEach((a, i) => {
      expect(results[i]!.code, a.join(' ')).toBe(0);
      expect(results[i]!.out).toContain('Usage: fts');
    });
    usage.forEach((a, i) => expect(results[helps.length + i]!.code, a.join(' ')).toBe(2));
    expect(results.at(-1)!.err).toContain('/nonexistent/client.yaml');
  });

  it('pair writes the pairing into the config file (keeping the rest); a bad string is exit 2 and changes nothing', async () => {
    const { encodePairing } = await import('../../contract/secrets.js');
    const { readFileSync } = await import('node:fs');
    const file = join(mkdtempSync(join(tmpdir(), 'fts-cli-pair-')), 'client.yaml');
    writeFileSync(file, '# my shares\nshares:\n  - { name: flux, driveLetter: "G:" }\n');
    const run = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, [bin, '--config', file, ...args], {
          env: process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.stderr.on('data', (c: Buffer) => (err += c.toString()));
        p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });
    const bad = await run('pair', 'https://motoko:8642');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('pairing: a pairing string starts with "fts1:"');
    expect(readFileSync(file, 'utf8')).toBe('# my shares\nshares:\n  - { name: flux, driveLetter: "G:" }\n');
    const pairing = encodePairing({
      vault: 'kv-miket-ops',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      appId: 'b1e5b1a0-0000-4000-8000-000000000001',
      clientId: 'count-zero',
    });
    const ok = await run('pair', pairing, '--json');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      clientId: 'count-zero',
      vault: 'kv-miket-ops',
      secrets: {
        helperToken: 'fts-client-count-zero-token',
        sambaUser: 'fts-client-count-zero-smb-user',
        helperUrl: 'fts-helper-url',
      },
    });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my shares');
    expect(text).toContain('driveLetter: "G:"');
    expect(text).toMatch(/clientId: count-zero/);
    expect(text).toMatch(/tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47/);
  });

  it('mounts every share from the keychain with Key Vault unreachable, reports status, unmounts', async () => {
    await keychain.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'ftscli', password: PASSWORD }));
    await keychain.set(
      KEYCHAIN_KEYS.helperToken,
      helper.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' }),
    );
    const m = await fts('mount', '--all', '--json');
    expect(m.code, m.err).toBe(0);
    const states = JSON.parse(m.out) as { share: string; state: string; mountPoint: string }[];
    expect(states.map((s) => s.state)).toEqual(['mounted', 'mounted', 'mounted']);
    expect(states[0]!.mountPoint).toContain(`share=flux`);
    // The mount was reported to the helper.
    const rec = helper.store.clients.list(60_000).find((c) => c.id === 'count-zero');
    expect(rec?.shares.map((s) => s.state)).toEqual(['mounted', 'mounted', 'mounted']);

    const st = await fts('status', '--json');
    expect(st.code).toBe(0);
    expect(JSON.parse(st.out)).toMatchObject({ clientId: 'count-zero', credentialCached: true, signedIn: null });
    expect(JSON.parse(st.out).shares.map((s: { state: string }) => s.state)).toEqual(['mounted', 'mounted', 'mounted']);

    const u = await fts('unmount', '--all');
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/flux\s+unmounted/);
    for (const r of [m, st, u]) expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it('prints the helper’s events', async () => {
    await keychain.set(
      KEYCHAIN_KEYS.helperToken,
      helper.store.tokens.create('count-zero-events', 'client', { clientId: 'count-zero' }),
    );
    helper.ctx.bus.publish('graduation.started', {
      runId: 9,
      job: 'graduation',
      from: 'flux',
      to: 'space',
      dryRun: false,
    });
    helper.ctx.bus.publish('graduation.finished', {
      runId: 9,
      job: 'graduation',
      scanned: 3,
      eligible: 2,
      moved: 2,
      bytesMoved: 2048,
      skipped: {},
      failed: 0,
      examples: [],
      from: 'flux',
      to: 'space',
      durationMs: 3,
    });
    const r = await fts('events');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/graduation\.finished\s+Graduated 2 files \(2 KB\) from Flux to Space/);
    const j = await fts('events', '--json', '--since', '0');
    expect(
      j.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(expect.arrayContaining(['graduation.started', 'graduation.finished']));
  });

  it('events --follow prints new events as they happen and stops cleanly on Ctrl-C', async () => {
    await keychain.set(
      KEYCHAIN_KEYS.helperToken,
      helper.store.tokens.create('count-zero-follow', 'client', { clientId: 'count-zero' }),
    );
    const p = spawn(
      process.execPath,
      [bin, '--config', configFile, 'events', '--follow', '--since', String(helper.ctx.bus.lastDeliveredId())],
      { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    // Keep publishing until the follower shows one: it may still be starting up.
    let runId = 100;
    await expect
      .poll(
        () => {
          helper.ctx.bus.publish('backup.failed', { runId: runId++, job: 'backup', reason: 'B2 said no' });
          return out;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toMatch(/backup\.failed\s+Backup to the backup repository failed: B2 said no/);
    p.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('credentials clear removes the cache; then mounting fails (exit 1) saying to sign in', async () => {
    const c = await fts('credentials', 'clear');
    expect(c.code).toBe(0);
    expect(c.out).toContain(KEYCHAIN_KEYS.smb);
    expect(await keychain.get(KEYCHAIN_KEYS.smb)).toBeNull();
    // Neither a cached credential nor a sign-in to fetch one with: nothing is tried, the next step is named.
    const m = await fts('mount', 'flux', '--json');
    expect(m.code).toBe(1);
    expect(m.err).toContain('fts: not signed in: run `fts login`');
  });
});
