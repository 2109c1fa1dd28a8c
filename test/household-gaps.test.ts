/**
 * What a household meets before the cloud parts are set up (review 5 and 10): `backup init` and `backup run`
 * refuse the seed's placeholder bucket before restic connects anywhere, naming backup.repository; a missing
 * secret file is told in config check's words; a Key Vault that cannot be reached is named with the setting to
 * check instead of raw getaddrinfo/connect text (`clients pair`, through the real Azure SDK).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { vaultNetworkError } from '../server-helper/system/keyvault.js';
import { freePort } from './support/ports.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fts-household-gaps-'));
const sandbox = ensureSandbox(join(dir, 'sb'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 0600 file holding a value. */
function secret(name: string, value = 'not-a-real-key'): string {
  const file = join(dir, name);
  writeFileSync(file, value, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** The sandbox's config with a change, written to a file of its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function variant(name: string, change: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(sandbox.configPath, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  change(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/** A restic on PATH that only records that it ran: the commands must not get as far as starting it. */
const spyDir = join(dir, 'spy');
const spyMark = join(dir, 'restic-ran');
mkdirSync(spyDir);
writeFileSync(join(spyDir, 'restic'), `#!/bin/sh\necho "$@" >> '${spyMark}'\nexit 1\n`, { mode: 0o755 });

const helper = (...args: string[]) => {
  const r = spawnSync('node', [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${spyDir}:${process.env.PATH}` },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('before the cloud parts are set up', { timeout: 180_000 }, () => {
  it('backup init and backup run refuse the placeholder bucket before connecting, naming backup.repository (exit 2)', () => {
    const file = variant('placeholder', (d) =>
      Object.assign(d.backup, {
        repository: 's3:https://s3.us-west-004.backblazeb2.com/YOUR-BUCKET/fts',
        keyIdFile: secret('b2-key-id'),
        applicationKeyFile: secret('b2-application-key'),
      }),
    );
    for (const cmd of ['init', 'run']) {
      const r = helper('backup', cmd, '--config', file);
      expect(r.code, `${cmd}: ${r.err}`).toBe(2);
      expect(r.err).toContain(
        "backup.repository: s3:https://s3.us-west-004.backblazeb2.com/YOUR-BUCKET/fts is the seed's example: replace YOUR-BUCKET with your B2 bucket",
      );
    }
    expect(existsSync(spyMark), 'restic was started').toBe(false);
  });

  it('a missing B2 key file is told as config check tells it: put the value in it and chmod 600', () => {
    const missing = join(dir, 'no-such-key-id');
    const file = variant('missing-key', (d) =>
      Object.assign(d.backup, {
        repository: 's3:https://127.0.0.1:9/household/fts',
        keyIdFile: missing,
        applicationKeyFile: secret('b2-application-key-2'),
      }),
    );
    const r = helper('backup', 'init', '--config', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `the secret file ${missing} does not exist yet: put the value in it and chmod 600 ${missing}`,
    );
    const check = helper('config', 'check', file);
    expect(check.out).toContain(
      `incomplete: backup.keyIdFile: ${missing} does not exist yet: put the value in it and chmod 600 ${missing}`,
    );
  });

  it('clients pair names the Key Vault it cannot reach and the setting to check, not the socket error', async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const file = variant('vault-down', (d) => {
      d.keyVault = {
        name: 'kv-household',
        url,
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        clientId: 'b1e5b1a0-0000-4000-8000-000000000001',
        clientSecretFile: secret('kv-client-secret'),
      };
    });
    const r = helper('clients', 'pair', 'count-zero', '--config', file);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(
      `cannot reach Key Vault kv-household (${url}): check keyVault.url and the network (ECONNREFUSED)`,
    );
    expect(r.err).not.toContain('connect ECONNREFUSED');
  });

  it('a vault name that does not resolve names keyVault.name and its address', () => {
    const err = vaultNetworkError(
      { name: 'kv-miket-ops' },
      Object.assign(new Error('getaddrinfo ENOTFOUND kv-miket-ops.vault.azure.net'), { code: 'ENOTFOUND' }),
    ) as Error;
    expect(err.message).toBe(
      'cannot reach Key Vault kv-miket-ops (https://kv-miket-ops.vault.azure.net): check keyVault.name and the network (ENOTFOUND)',
    );
    const server = vaultNetworkError(
      { name: 'kv-srv', configKey: 'keyVault.server' },
      Object.assign(new Error('x'), { code: 'EAI_AGAIN' }),
    ) as Error;
    expect(server.message).toContain('check keyVault.server.name and the network');
    // An answer from the vault (a refusal) is not a network failure and stays as it is.
    const refused = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    expect(vaultNetworkError({ name: 'kv-x' }, refused)).toBe(refused);
  });
});
