/**
 * The server is called what the machine is called (household review 2): `config seed` takes --server-name and
 * defaults to the host's short name; the API answers a Host naming this machine (its host name, NAME.local, its
 * LAN address) without configuration and still refuses a foreign one; the self-signed certificate names the
 * machine and its addresses, is kept while it names everything, and is made again when a name is missing.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConfig } from '../server-helper/config/seed.js';
import { makeSelfSignedCertificate } from '../server-helper/system/openssl.js';
import { ensureTls } from '../server-helper/tls.js';
import { startTestHelper, type TestHelper } from './support/helper.js';
import { requireBinaries } from './support/require.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const short = hostname().split('.')[0]!.toLowerCase();
const dir = mkdtempSync(join(tmpdir(), 'fts-server-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** This machine's first non-loopback IPv4 address (a LAN address), as a household's PC would use it. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  throw new Error(
    'this machine has no non-loopback IPv4 address: the test needs one (a network interface with an address)',
  );
}

describe('the API answers to the machine’s own names', () => {
  let h: TestHelper;
  beforeAll(async () => {
    // server.name stays motoko: the machine's names must work without being configured anywhere.
    h = await startTestHelper({ tweak: (c) => (c.server.name = 'motoko') });
  });
  afterAll(() => h?.stop());

  const get = (host: string, origin?: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(h.url);
      const headers: Record<string, string> = { host, authorization: `Bearer ${h.adminToken}` };
      if (origin) headers.origin = origin;
      const req = httpRequest({ host: url.hostname, port: url.port, path: '/api/v1/status', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('its host name, NAME.local and its LAN address are allowed; a foreign Host and Origin are still 403', async () => {
    const port = new URL(h.url).port;
    const lan = lanAddress();
    expect(await get(`${short}:${port}`)).toBe(200);
    expect(await get(`${short}.local:${port}`)).toBe(200);
    expect(await get(`${lan}:${port}`)).toBe(200);
    expect(await get(`motoko:${port}`)).toBe(200);
    // The dashboard opened at the LAN address posts with that Origin.
    expect(await get(`${lan}:${port}`, `http://${lan}:${port}`)).toBe(200);
    // DNS rebinding: a name the attacker controls, pointed at this machine, is still refused.
    expect(await get(`evil.example:${port}`)).toBe(403);
    expect(await get(`${short}.evil.example:${port}`)).toBe(403);
    expect(await get(`${lan}:${port}`, 'http://evil.example')).toBe(403);
  });
});

describe('the self-signed certificate', () => {
  const configFor = (name: string, store: string) => {
    const c = seedConfig(undefined, { serverName: name });
    c.store.path = join(store, 'helper.db');
    c.api.tls = 'auto';
    return c;
  };
  const sans = (pem: string) => (new X509Certificate(pem).subjectAltName ?? '').split(', ');

  it('names server.name, SERVER.local, this host and its addresses; kept on the next start', async () => {
    requireBinaries('/usr/bin/openssl');
    const store = join(dir, 'kept');
    const first = await ensureTls(configFor('motoko', store));
    expect(first!.created).toBe(true);
    expect(sans(first!.cert)).toEqual(
      expect.arrayContaining([
        'DNS:motoko',
        'DNS:motoko.local',
        `DNS:${short}`,
        `DNS:${short}.local`,
        'DNS:localhost',
        'IP Address:127.0.0.1',
        `IP Address:${lanAddress()}`,
      ]),
    );
    // Clients pin the fingerprint: a certificate that names everything stays.
    const again = await ensureTls(configFor('motoko', store));
    expect(again).toMatchObject({ created: false, replacedFor: [], fingerprint: first!.fingerprint });
  });

  it('one that lacks a name (made for motoko only, or server.name changed) is made again and says which', async () => {
    requireBinaries('/usr/bin/openssl');
    const store = join(dir, 'old');
    const tlsDir = join(store, 'tls');
    spawnSync('mkdir', ['-p', tlsDir]);
    // What an older install made: motoko's names and loopback only.
    await makeSelfSignedCertificate({
      certFile: join(tlsDir, 'helper.crt'),
      keyFile: join(tlsDir, 'helper.key'),
      commonName: 'motoko',
      dnsNames: ['motoko', 'motoko.local', 'localhost'],
      ips: ['127.0.0.1', '::1'],
    });
    // Pairing reads it while the daemon serves it: kept, with the missing names reported.
    const kept = await ensureTls(configFor('motoko', store), { renew: false });
    expect(kept).toMatchObject({ created: false, replacedFor: [] });
    expect(kept!.missing).toEqual(expect.arrayContaining([short, `${short}.local`]));
    const renewed = await ensureTls(configFor('motoko', store));
    expect(renewed!.fingerprint).not.toBe(kept!.fingerprint);
    expect(renewed!.created).toBe(true);
    expect(renewed!.replacedFor).toEqual(expect.arrayContaining([short, `${short}.local`]));
    expect(sans(renewed!.cert)).toContain(`DNS:${short}`);
    const renamed = await ensureTls(configFor('tessier', store));
    expect(renamed!.replacedFor).toEqual(['tessier', 'tessier.local']);
    expect(renamed!.fingerprint).not.toBe(renewed!.fingerprint);
    expect(sans(renamed!.cert)).toEqual(expect.arrayContaining(['DNS:tessier', 'DNS:tessier.local', `DNS:${short}`]));
  });
});

describe('config seed', () => {
  const seed = (...args: string[]) => spawnSync('node', [BIN, 'config', 'seed', ...args], { encoding: 'utf8' });

  it('names the server after this host unless --server-name says otherwise; a bad name is exit 2', () => {
    const plain = seed('--root', dir);
    expect(plain.status, plain.stderr).toBe(0);
    expect((parse(plain.stdout) as { server: { name: string } }).server.name).toBe(short);
    expect(plain.stdout).toContain(`seed: server ${short},`);
    const named = seed('--root', dir, '--server-name', 'nas');
    expect((parse(named.stdout) as { server: { name: string } }).server.name).toBe('nas');
    const bad = seed('--server-name', 'my nas');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--server-name "my nas": a host name');
  });
});
