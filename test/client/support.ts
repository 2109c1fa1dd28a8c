/** Shared set-up for the client tests: a config for a loopback smbd, a real Key Vault client, a counting mounter. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { md4 } from 'hash-wasm';
import { parseClientConfig, type ClientConfig } from '../../electron/core/config.js';
import { KeyVaultSecrets } from '../../electron/core/credentials.js';
import type { Mounter, MountOptions, MountTarget, SmbCredential } from '../../electron/platform/index.js';
import type { TestKeyVault } from '../support/keyvault.js';
import type { TestSmbd } from '../support/smbd.js';

/** A client config pointing at the test smbd and vault; a fresh keychain service per call. */
export function testConfig(port: number, extra: Record<string, unknown> = {}): ClientConfig {
  return parseClientConfig(
    JSON.stringify({
      clientId: 'count-zero',
      server: { host: '127.0.0.1', smbPort: port },
      shares: [{ name: 'flux', driveLetter: 'F:' }, { name: 'time' }, { name: 'space', driveLetter: 'S:' }],
      // Generous: a loaded 2-core CI machine can take many seconds per gvfs mount.
      mount: { timeout: '60s', retries: 0, backoff: '200ms' },
      keychain: { service: `fts-test-${randomBytes(4).toString('hex')}` },
      ...extra,
    }),
  );
}

/** The real SecretClient against the local vault, with a fixed bearer token. */
export function vaultFor(kv: TestKeyVault): () => Promise<KeyVaultSecrets> {
  const token = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600e3 }) };
  return async () => new KeyVaultSecrets(kv.url, token, { ca: kv.cert.cert });
}

/** Share folders everyone can write (smbd maps the test user to a Unix user). */
export function shareDirs(root: string, names: string[]): { name: string; path: string }[] {
  return names.map((name) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    chmodSync(path, 0o777);
    return { name, path };
  });
}

/** Wraps a mounter and records every mount call (share and password used) and the most in flight at once. */
export class CountingMounter implements Mounter {
  readonly calls: { share: string; password: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  get os() {
    return this.inner.os;
  }
  constructor(private readonly inner: Mounter) {}
  async mount(t: MountTarget, c: SmbCredential, o?: MountOptions) {
    this.calls.push({ share: t.share, password: c.password });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.inner.mount(t, c, o);
    } finally {
      this.inFlight--;
    }
  }
  unmount(t: MountTarget, o?: MountOptions) {
    return this.inner.unmount(t, o);
  }
  list(o?: MountOptions) {
    return this.inner.list(o);
  }
}

/**
 * Sets a Samba user's password to any string, a newline included (smbpasswd -s reads lines): the NT hash
 * (MD4 of the UTF-16LE password) is imported from a 0600 smbpasswd-format file, so it is never in argv.
 */
export async function setAnySmbPassword(smbd: TestSmbd, user: string, password: string): Promise<void> {
  smbd.addUser(user, `placeholder-${randomBytes(6).toString('hex')}`);
  const ntHash = (await md4(new Uint8Array(Buffer.from(password, 'utf16le')))).toUpperCase();
  const uid = execFileSync('id', ['-u', user]).toString().trim();
  const lastChange = Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase();
  const file = join(smbd.dir, `import-${randomBytes(4).toString('hex')}.smbpasswd`);
  // [UX]: a normal user whose password does not expire; LCT: changed now (0 would mean "must change").
  writeFileSync(file, `${user}:${uid}:${'X'.repeat(32)}:${ntHash}:[UX         ]:LCT-${lastChange}:\n`, { mode: 0o600 });
  try {
    execFileSync('pdbedit', ['-s', smbd.conf, '-i', `smbpasswd:${file}`], { stdio: 'ignore' });
  } finally {
    rmSync(file, { force: true });
  }
}
