/**
 * fts-helper manages a real smbd on loopback: apply, users and password rotation (with the local Key Vault),
 * rollback under injected faults, idempotence, hostile input, sessions and the API route.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../server-helper/config/schema.js';
import {
  applySamba,
  checkCandidate,
  planSamba,
  realSambaSystem,
  SambaApplyError,
  type SambaSystem,
} from '../server-helper/samba/apply.js';
import {
  addUser,
  changePassword,
  disableUser,
  realUserSystem,
  removeUser,
  type UserSystem,
} from '../server-helper/samba/users.js';
import { SambaValidationError } from '../server-helper/samba/validate.js';
import { keyVaultSecrets } from '../server-helper/system/keyvault.js';
import { readSmbStatus } from '../server-helper/system/smbstatus.js';
import { parseTestparmDump } from '../server-helper/system/testparm.js';
import { AVAHI_SERVICE_DTD } from '../server-helper/system/xmllint.js';
import { renderAvahiService } from '../server-helper/samba/bonjour.js';
import { startHelper, type RunningHelper } from '../server-helper/daemon.js';
import { sambaRoutes } from '../server-helper/api/samba-routes.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
import { startSmbd, type TestSmbd } from './support/smbd.js';
import { requireBinaries } from './support/require.js';

let smbd: TestSmbd;
let kv: TestKeyVault;
let root: string;
const users: string[] = [];
const newUser = () => {
  const u = `ftst${randomBytes(4).toString('hex')}`;
  users.push(u);
  return u;
};

function configFor(extra: (c: Record<string, unknown>) => void = () => {}): HelperConfig {
  const doc: Record<string, unknown> = {
    store: { path: join(root, 'helper.db') },
    shares: [
      { name: 'flux', role: 'flux', path: join(root, 'flux'), comment: 'Hot working files' },
      { name: 'time', role: 'time', path: join(root, 'time'), comment: 'Time Machine', timeMachine: { maxSize: '2T' } },
      { name: 'space', role: 'space', path: join(root, 'space'), comment: 'Cold archive' },
    ],
    samba: {
      smbConf: smbd.conf,
      includeFile: smbd.includeFile,
      roots: [join(root, 'flux'), join(root, 'time'), join(root, 'space')],
      group: null,
    },
  };
  extra(doc);
  return HelperConfig.parse(doc);
}

/** The real system, counting writes, with optional faults. */
function spySystem(
  faults: Partial<Pick<SambaSystem, 'reload' | 'ping' | 'writeFile' | 'vfsModules' | 'checkAvahi'>> = {},
): SambaSystem & { writes: string[] } {
  const real = realSambaSystem();
  const writes: string[] = [];
  return {
    ...real,
    ...faults,
    writes,
    writeFile: (p, d) => {
      writes.push(p);
      (faults.writeFile ?? real.writeFile)(p, d);
    },
  };
}

beforeAll(async () => {
  requireBinaries('/usr/bin/testparm', '/usr/bin/smbpasswd');
  smbd = await startSmbd();
  kv = await startKeyVault();
  root = mkdtempSync(join(tmpdir(), 'fts-samba-'));
  chmodSync(root, 0o755);
  for (const d of ['flux', 'time', 'space']) {
    mkdirSync(join(root, d));
    chmodSync(join(root, d), 0o777);
  }
});

afterAll(async () => {
  await smbd?.stop();
  await kv?.close();
  for (const u of users) spawnSync('userdel', [u]);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('samba apply against real smbd', () => {
  it('applies the rendered config; testparm and smbd accept it; a second identical apply writes nothing', async () => {
    const config = configFor();
    const confBefore = readFileSync(smbd.conf, 'utf8');
    const sys = spySystem();
    const r = await applySamba(config, sys);
    expect(r.changed).toBe(true);
    expect(r.shares).toEqual(['flux', 'space', 'time']);
    expect(r.written).toEqual([smbd.includeFile]); // smb.conf already had the include line in [global]
    expect(readFileSync(smbd.conf, 'utf8')).toBe(confBefore);
    expect(readFileSync(smbd.includeFile, 'utf8')).toMatch(/\[time\][\s\S]*fruit:time machine = yes/);

    const again = spySystem();
    const r2 = await applySamba(config, again);
    expect(r2).toMatchObject({ changed: false, written: [] });
    // No write at all: not even the candidate check's scratch copies.
    expect(again.writes).toEqual([]);
  });

  it('testparm accepts every rendered variant', async () => {
    const variants = [
      configFor(),
      configFor((d) => ((d.shares as Record<string, unknown>[])[2]!.readOnly = true)),
      configFor((d) => ((d.shares as Record<string, unknown>[])[1]!.timeMachine = {})),
      configFor(
        (d) =>
          ((d.shares as Record<string, unknown>[])[0]!.parameters = {
            'delete readonly': true,
            'hide dot files': true,
            'fruit:encoding': 'native',
          }),
      ),
      configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.validUsers = ['alice', 'bob'])),
      configFor((d) => ((d.samba as Record<string, unknown>).fruitModel = 'RackMac')),
      configFor((d) => ((d.samba as Record<string, unknown>).group = 'fts-users')),
      configFor((d) => ((d.shares as Record<string, unknown>[])[1]!.timeMachine = { perUser: false })),
    ];
    for (const c of variants) {
      const sys = realSambaSystem();
      const result = await checkCandidate(planSamba(c, sys), sys);
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });

  it("with Debian's stock smb.conf: the include goes at the end of [global] and testparm has no problem or warning", async () => {
    const dir = mkdtempSync(join(root, 'debian-'));
    const conf = join(dir, 'smb.conf');
    writeFileSync(conf, readFileSync(new URL('./fixtures/samba/debian-12-smb.conf', import.meta.url)));
    const c = configFor((d) =>
      Object.assign(d.samba as Record<string, unknown>, { smbConf: conf, includeFile: join(dir, 'fts-shares.conf') }),
    );
    const sys = realSambaSystem();
    const plan = planSamba(c, sys);
    const check = await checkCandidate(plan, sys);
    expect(check).toMatchObject({ ok: true, problems: [], warnings: [] });
    // Only one line of smb.conf changes: the include, right after [global]'s last parameter.
    const added = plan.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(added.filter((l) => !l.startsWith('+#') && !l.startsWith('+ ') && l !== '+' && !l.startsWith('+['))).toEqual(
      [],
    );
    const confDiff = plan.diff.slice(0, plan.diff.indexOf(`--- /dev/null`));
    expect(confDiff.split('\n').filter((l) => /^[+-][^+-]/.test(l))).toEqual([
      `+   include = ${join(dir, 'fts-shares.conf')}`,
    ]);
  });

  it('check fails on a parameter testparm does not know', async () => {
    const c = configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.parameters = { 'bogus thing': 'yes' }));
    const sys = spySystem();
    const before = readFileSync(smbd.includeFile);
    await expect(applySamba(c, sys)).rejects.toMatchObject({
      name: 'SambaApplyError',
      stage: 'check',
      rolledBack: false,
    });
    expect(readFileSync(smbd.includeFile).equals(before)).toBe(true);
    expect(sys.writes.filter((w) => w === smbd.includeFile || w === smbd.conf)).toEqual([]);
  });

  it('smbd -b lists the VFS modules the rendered shares use', async () => {
    const have = await realSambaSystem().vfsModules();
    // samba-vfs-modules on Debian; without it every share would refuse connections (NT_STATUS_BAD_NETWORK_NAME).
    for (const m of ['catia', 'fruit', 'streams_xattr', 'default']) expect(have.has(m), `VFS module ${m}`).toBe(true);
  });

  it('a VFS module smbd cannot load is refused at check, with the package to install, and nothing is written', async () => {
    const c = configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.comment = 'no fruit here'));
    const real = realSambaSystem();
    const sys = spySystem({
      vfsModules: async () => new Set([...(await real.vfsModules())].filter((m) => m !== 'fruit')),
    });
    const before = readFileSync(smbd.includeFile);
    const err = await applySamba(c, sys).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SambaApplyError', stage: 'check', rolledBack: false });
    expect((err as Error).message).toMatch(/VFS module "fruit".*apt-get install samba-vfs-modules/);
    expect((err as SambaApplyError).problems).toHaveLength(1);
    expect(readFileSync(smbd.includeFile).equals(before)).toBe(true);
    expect(sys.writes.filter((w) => w === smbd.includeFile || w === smbd.conf)).toEqual([]);
  });

  it.each([
    ['reload', { reload: async () => Promise.reject(new Error('injected: smbcontrol failed')) }],
    ['verify', { ping: async () => Promise.reject(new Error('injected: smbd does not answer')) }],
  ] as const)('a failing %s restores the previous files byte-identical', async (stage, fault) => {
    await applySamba(configFor(), realSambaSystem());
    // Make smb.conf need a change too (include moved out of place), so both files are written and restored.
    const conf = readFileSync(smbd.conf, 'utf8');
    const moved = conf
      .replace(`   include = ${smbd.includeFile}\n`, '')
      .replace('[global]\n', `[global]\n   include = ${smbd.includeFile}\n`);
    writeFileSync(smbd.conf, moved);
    const confBefore = readFileSync(smbd.conf);
    const includeBefore = readFileSync(smbd.includeFile);
    const changed = configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.comment = 'changed'));
    const sys = spySystem(fault);
    const err = await applySamba(changed, sys).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SambaApplyError);
    expect(err).toMatchObject({ stage, rolledBack: true });
    expect(sys.writes).toContain(smbd.conf);
    expect(readFileSync(smbd.conf).equals(confBefore)).toBe(true);
    expect(readFileSync(smbd.includeFile).equals(includeBefore)).toBe(true);
    writeFileSync(smbd.conf, conf);
  });

  it('a failing first apply removes the include file it created and restores smb.conf', async () => {
    const dir = mkdtempSync(join(root, 'first-'));
    const conf = join(dir, 'smb.conf');
    const include = join(dir, 'fts-shares.conf');
    writeFileSync(conf, readFileSync(smbd.conf, 'utf8').replace(`   include = ${smbd.includeFile}\n`, ''));
    const before = readFileSync(conf);
    const c = configFor((d) =>
      Object.assign(d.samba as Record<string, unknown>, { smbConf: conf, includeFile: include }),
    );
    const sys = spySystem({ reload: async () => Promise.reject(new Error('injected: smbd refused')) });
    await expect(applySamba(c, sys)).rejects.toMatchObject({ stage: 'reload', rolledBack: true });
    expect(sys.writes).toEqual(expect.arrayContaining([include, conf]));
    expect(readFileSync(conf).equals(before)).toBe(true);
    expect(() => readFileSync(include)).toThrow(/ENOENT/);
  });

  it('a write that fails half-way restores the file already written', async () => {
    await applySamba(configFor(), realSambaSystem());
    const conf = readFileSync(smbd.conf, 'utf8');
    writeFileSync(smbd.conf, conf.replace(`   include = ${smbd.includeFile}\n`, ''));
    const confBefore = readFileSync(smbd.conf);
    const includeBefore = readFileSync(smbd.includeFile);
    const real = realSambaSystem();
    const sys = spySystem({
      writeFile: (p, d) =>
        p === smbd.conf
          ? (() => {
              throw new Error('injected: disk full');
            })()
          : real.writeFile(p, d),
    });
    await expect(
      applySamba(
        configFor((d) => ((d.shares as Record<string, unknown>[])[2]!.comment = 'x')),
        sys,
      ),
    ).rejects.toMatchObject({ stage: 'write', rolledBack: true });
    expect(readFileSync(smbd.conf).equals(confBefore)).toBe(true);
    expect(readFileSync(smbd.includeFile).equals(includeBefore)).toBe(true);
    writeFileSync(smbd.conf, conf);
  });

  it('one apply at a time: a live lock holder is refused, a stale lock is taken over', async () => {
    const lock = `${smbd.includeFile}.lock`;
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, `${holder.pid}\n`);
      const c = configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.comment = 'locked out'));
      await expect(applySamba(c, spySystem())).rejects.toThrow(
        new RegExp(`another Samba apply is running \\(process ${holder.pid}\\)`),
      );
      expect(readFileSync(smbd.includeFile, 'utf8')).not.toMatch(/locked out/);
    } finally {
      holder.kill();
    }
    writeFileSync(lock, '999999999\n');
    const r = await applySamba(
      configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.comment = 'stale lock')),
      realSambaSystem(),
    );
    expect(r.changed).toBe(true);
    expect(() => readFileSync(lock)).toThrow(/ENOENT/);
  });

  it.each([
    ['name', (c: HelperConfig) => (c.shares[0]!.name = 'evil]\n[root'), 'shares[0].name'],
    ['path', (c: HelperConfig) => (c.shares[1]!.path = '/etc'), 'shares[1].path'],
    ['symlink path', (c: HelperConfig) => (c.shares[1]!.path = join(root, 'time', 'escape', 'sub')), 'shares[1].path'],
    [
      'parameter',
      (c: HelperConfig) => (c.shares[2]!.parameters = { 'root preexec': '/bin/sh' }),
      'shares[2].parameters["root preexec"]',
    ],
    [
      'guest',
      (c: HelperConfig) => (c.shares[2]!.parameters = { 'guest ok': 'yes' }),
      'shares[2].parameters["guest ok"]',
    ],
  ])('hostile %s is refused with the field named and nothing written', async (_what, mutate, field) => {
    const { symlinkSync, existsSync } = await import('node:fs');
    if (!existsSync(join(root, 'time', 'escape'))) symlinkSync('/etc', join(root, 'time', 'escape'));
    const c = configFor();
    mutate(c);
    const confBefore = readFileSync(smbd.conf);
    const includeBefore = readFileSync(smbd.includeFile);
    const sys = spySystem();
    const err = await applySamba(c, sys).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SambaValidationError);
    expect((err as SambaValidationError).field).toBe(field);
    expect(sys.writes).toEqual([]);
    expect(readFileSync(smbd.conf).equals(confBefore)).toBe(true);
    expect(readFileSync(smbd.includeFile).equals(includeBefore)).toBe(true);
  });
});

describe('Bonjour: the avahi service file goes the same way as smb.conf', () => {
  const withAvahi = (file: string, extra: (d: Record<string, unknown>) => void = () => {}) =>
    configFor((d) => {
      Object.assign(d.samba as Record<string, unknown>, { avahiServiceFile: file });
      extra(d);
    });
  const servicesDir = () => {
    const dir = mkdtempSync(join(root, 'avahi-services-'));
    return join(dir, 'fts-helper.service');
  };

  it("apply writes it with the SMB port smbd listens on, turns off Samba's own registration, and a second apply writes nothing", async () => {
    const file = servicesDir();
    const config = withAvahi(file);
    const r = await applySamba(config, spySystem());
    expect(r.written).toContain(file);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toBe(renderAvahiService(config, smbd.port));
    expect(xml).toContain(`<port>${smbd.port}</port>`);
    expect(xml).toContain('<txt-record>dk0=adVN=time,adVF=0x82</txt-record>');
    expect(
      spawnSync('xmllint', ['--noout', '--nonet', '--nowarning', '--dtdvalid', AVAHI_SERVICE_DTD, file]).status,
    ).toBe(0);
    const live = parseTestparmDump(spawnSync('testparm', ['-s', smbd.conf], { encoding: 'utf8' }).stdout);
    expect(live.get('global')?.get('multicast dns register')).toBe('No');
    const again = spySystem();
    expect(await applySamba(config, again)).toMatchObject({ changed: false, written: [] });
    expect(again.writes).toEqual([]);
    // A new Time Machine share reaches the file on the next apply (Samba's registration would wait for a restart).
    const more = withAvahi(file, (d) => ((d.shares as Record<string, unknown>[])[2]!.timeMachine = {}));
    await applySamba(more, spySystem());
    expect(readFileSync(file, 'utf8')).toContain('<txt-record>dk1=adVN=space,adVF=0x82</txt-record>');
  });

  it('a failing reload restores the avahi file byte-identical, with the Samba files', async () => {
    const file = servicesDir();
    writeFileSync(file, '<!-- the previous file -->\n');
    const before = readFileSync(file);
    const sys = spySystem({ reload: async () => Promise.reject(new Error('injected: smbcontrol failed')) });
    const config = withAvahi(
      file,
      (d) => ((d.shares as Record<string, unknown>[])[0]!.comment = `bonjour ${Date.now()}`),
    );
    await expect(applySamba(config, sys)).rejects.toMatchObject({ stage: 'reload', rolledBack: true });
    expect(sys.writes).toContain(file);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('a file the DTD refuses is refused at check and nothing is written', async () => {
    const file = servicesDir();
    const sys = spySystem({
      checkAvahi: async () => ({
        ok: false,
        problems: ['line 3: element service-group: validity error'],
        skipped: null,
      }),
    });
    const includeBefore = readFileSync(smbd.includeFile);
    const config = withAvahi(
      file,
      (d) => ((d.shares as Record<string, unknown>[])[0]!.comment = `refused ${Date.now()}`),
    );
    const err = await applySamba(config, sys).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SambaApplyError', stage: 'check', rolledBack: false });
    expect((err as Error).message).toContain(`${file}: line 3: element service-group: validity error`);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    expect(readFileSync(smbd.includeFile).equals(includeBefore)).toBe(true);
  });

  it('without avahi installed (no services folder) the shares are applied and the admin is told', async () => {
    const file = join(root, 'no-avahi-here', 'services', 'fts-helper.service');
    const r = await applySamba(
      withAvahi(file, (d) => ((d.shares as Record<string, unknown>[])[0]!.comment = `no avahi ${Date.now()}`)),
      spySystem(),
    );
    expect(r.changed).toBe(true);
    expect(r.written).not.toContain(file);
    expect(r.warnings.join('\n')).toMatch(
      /Macs will not find the shares or Time Machine over Bonjour: apt-get install avahi-daemon/,
    );
  });
});

describe('users', () => {
  beforeAll(async () => {
    await applySamba(configFor(), realSambaSystem());
  });

  it('add creates the Unix user without a shell; smbclient authenticates; a wrong password is refused', async () => {
    const u = newUser();
    const config = configFor();
    const o = await addUser(config, u, { password: 'first-Pa55', vault: null });
    expect(o).toMatchObject({ createdUnixUser: true, generated: null, storedIn: null });
    expect(readFileSync('/etc/passwd', 'utf8')).toMatch(new RegExp(`^${u}:.*:/usr/sbin/nologin$`, 'm'));
    expect(smbd.smbclient('flux', u, 'first-Pa55', 'ls').code).toBe(0);
    const bad = smbd.smbclient('flux', u, 'wrong', 'ls');
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/NT_STATUS_LOGON_FAILURE/);
    await expect(addUser(config, u, { password: 'x', vault: null })).rejects.toThrow(/exists/);
  });

  it('passwd rotates through Key Vault first: old refused, new accepted, the vault holds the new one', async () => {
    const u = newUser();
    const config = configFor((d) => (d.keyVault = { name: 'kv-test', url: kv.url }));
    const cred = { getToken: async () => ({ token: 'server-token', expiresOnTimestamp: Date.now() + 3600e3 }) };
    const vault = keyVaultSecrets(config.keyVault!, { credential: cred, ca: kv.cert.cert });
    const added = await addUser(config, u, { vault });
    expect(added.storedIn).toBe(`fts-smb-${u}-password`);
    const first = kv.get(`fts-smb-${u}-password`)!;
    expect(first).toBe(added.generated);
    expect(smbd.smbclient('flux', u, first, 'ls').code).toBe(0);

    // The vault must already hold the new password when Samba changes it.
    let vaultAtChange: string | undefined;
    const sys: UserSystem = {
      ...realUserSystem,
      setSambaPassword: async (conf, name, pw, opts) => {
        vaultAtChange = kv.get(`fts-smb-${u}-password`);
        return realUserSystem.setSambaPassword(conf, name, pw, opts);
      },
    };
    const rotated = await changePassword(config, u, { vault, sys });
    const second = kv.get(`fts-smb-${u}-password`)!;
    expect(second).not.toBe(first);
    expect(vaultAtChange).toBe(second);
    expect(rotated.generated).toBe(second);
    expect(smbd.smbclient('flux', u, first, 'ls').out).toMatch(/NT_STATUS_LOGON_FAILURE/);
    expect(smbd.smbclient('flux', u, second, 'ls').code).toBe(0);
    expect(kv.requests.filter((r) => r.method === 'PUT').every((r) => r.token === 'server-token')).toBe(true);
  });

  it('with Key Vault, a name that cannot be a secret name is refused before anything is made', async () => {
    const u = `ftst_${randomBytes(3).toString('hex')}`;
    users.push(u);
    const config = configFor((d) => (d.keyVault = { name: 'kv-test', url: kv.url }));
    const vault = keyVaultSecrets(config.keyVault!, {
      credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600e3 }) },
      ca: kv.cert.cert,
    });
    await expect(addUser(config, u, { password: 'never-1', vault })).rejects.toThrow(
      /lower-case letters, digits and dashes/,
    );
    expect(spawnSync('id', [u]).status).not.toBe(0);
  });

  it('when Samba refuses the new password, the vault gets the old one back', async () => {
    const u = newUser();
    const config = configFor((d) => (d.keyVault = { name: 'kv-test', url: kv.url }));
    const vault = keyVaultSecrets(config.keyVault!, {
      credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600e3 }) },
      ca: kv.cert.cert,
    });
    await addUser(config, u, { password: 'keep-me-1', vault });
    const sys: UserSystem = {
      ...realUserSystem,
      setSambaPassword: async () => Promise.reject(new Error('injected: smbpasswd failed')),
    };
    await expect(changePassword(config, u, { password: 'never-set-2', vault, sys })).rejects.toThrow(/injected/);
    expect(kv.get(`fts-smb-${u}-password`)).toBe('keep-me-1');
    expect(smbd.smbclient('flux', u, 'keep-me-1', 'ls').code).toBe(0);
  });

  it('disable refuses logins; remove deletes the account', async () => {
    const u = newUser();
    const config = configFor();
    await addUser(config, u, { password: 'dis-able-3', vault: null });
    await disableUser(config, u);
    expect(smbd.smbclient('flux', u, 'dis-able-3', 'ls').code).not.toBe(0);
    await removeUser(config, u, { unixUser: true });
    expect(spawnSync('id', [u]).status).not.toBe(0);
    await expect(changePassword(config, u, { password: 'x', vault: null })).rejects.toThrow(/no Samba user/);
  });

  it('the CLI takes the password on stdin, never argv, and prints a generated one only when nothing stores it', async () => {
    const u = newUser();
    const cfgFile = join(root, 'helper.yaml');
    const { stringify } = await import('yaml');
    const c = configFor();
    writeFileSync(
      cfgFile,
      stringify({
        store: c.store,
        shares: c.shares.map((s) => ({ name: s.name, path: s.path })),
        samba: { smbConf: c.samba.smbConf, includeFile: c.samba.includeFile, roots: c.samba.roots, group: null },
      }),
    );
    const run = (args: string[], input?: string) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['bin/fts-helper.mjs', ...args, '--config', cfgFile], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (err += d));
        p.stdin.end(input ?? '');
        p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });
    const add = await run(['samba', 'users', 'add', u, '--password-stdin'], 'from-stdin-4\n');
    expect(add.code).toBe(0);
    expect(add.out).toBe('');
    expect(smbd.smbclient('flux', u, 'from-stdin-4', 'ls').code).toBe(0);
    const gen = await run(['samba', 'users', 'passwd', u]);
    expect(gen.code).toBe(0);
    const pw = gen.out.trim();
    expect(pw).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(smbd.smbclient('flux', u, pw, 'ls').code).toBe(0);
    expect(gen.err).toMatch(/generated a new password for .*shown once/);

    // At a terminal (a real pty, through script(1)) the password is asked for twice with echo off, with or without
    // --password-stdin; each answer is typed only once its prompt is on the screen.
    const atTerminal = (args: string[], answers: string[]) =>
      new Promise<{ code: number; screen: string }>((resolve) => {
        const cmd = [process.execPath, 'bin/fts-helper.mjs', ...args, '--config', cfgFile].join(' ');
        const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let screen = '';
        let asked = 0;
        p.stdout.on('data', (d: Buffer) => {
          screen += d;
          const prompts = screen.match(/password for \S+: |password again: /g)?.length ?? 0;
          while (asked < prompts && asked < answers.length) p.stdin.write(`${answers[asked++]}\r`);
        });
        p.on('close', (code) => resolve({ code: code ?? -1, screen }));
      });
    const typed = await atTerminal(['samba', 'users', 'passwd', u], ['typed-at-tty-7', 'typed-at-tty-7']);
    expect(typed.code, typed.screen).toBe(0);
    expect(typed.screen).toMatch(/New Samba password for \S+: /);
    expect(typed.screen).not.toContain('typed-at-tty-7');
    expect(smbd.smbclient('flux', u, 'typed-at-tty-7', 'ls').code).toBe(0);
    const differ = await atTerminal(['samba', 'users', 'passwd', u, '--password-stdin'], ['one-8', 'other-8']);
    expect(differ.code).toBe(2);
    expect(differ.screen).toMatch(/the two passwords differ; nothing changed/);
    expect(smbd.smbclient('flux', u, 'typed-at-tty-7', 'ls').code).toBe(0);
    const bad = await run(['samba', 'users', 'add', 'Bad Name']);
    expect(bad.code).toBe(2);
    const sessions = await run(['samba', 'sessions', '--json']);
    expect(sessions.code).toBe(0);
    expect(JSON.parse(sessions.out)).toMatchObject({ sessions: expect.any(Array), openFiles: expect.any(Array) });
    const dry = await run(['samba', 'apply', '--dry-run']);
    expect(dry.code).toBe(0);
    // A path outside the roots: exit 2, the field named, nothing written.
    const includeBefore = readFileSync(smbd.includeFile);
    writeFileSync(
      cfgFile,
      stringify({
        store: c.store,
        shares: [{ name: 'flux', path: '/etc' }],
        samba: { smbConf: c.samba.smbConf, includeFile: c.samba.includeFile, roots: c.samba.roots },
      }),
    );
    const bad2 = await run(['samba', 'apply']);
    expect(bad2.code).toBe(2);
    expect(bad2.err).toMatch(/shares\[0\]\.path: must be inside one of samba\.roots/);
    expect(readFileSync(smbd.includeFile).equals(includeBefore)).toBe(true);
  }, 240_000); // nine CLI processes, each starting tsx

  it('sessions show who is connected and which files are open', async () => {
    const u = newUser();
    await addUser(configFor(), u, { password: 'open-files-5', vault: null });
    writeFileSync(join(root, 'flux', 'held.txt'), 'x');
    const auth = join(root, `auth-${u}`);
    writeFileSync(auth, `username = ${u}\npassword = open-files-5\n`, { mode: 0o600 });
    const client = spawn('smbclient', ['//127.0.0.1/flux', '-p', String(smbd.port), '-A', auth, '-s', smbd.conf], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      client.stdin.write('open held.txt\n');
      let st = await readSmbStatus(smbd.conf);
      for (let i = 0; i < 100 && !st.openFiles.some((f) => f.path.endsWith('held.txt')); i++) {
        await new Promise((r) => setTimeout(r, 100));
        st = await readSmbStatus(smbd.conf);
      }
      expect(st.sessions.some((s) => s.user === u && s.shares.includes('flux'))).toBe(true);
      expect(st.openFiles.find((f) => f.path === join(root, 'flux', 'held.txt'))).toMatchObject({ share: 'flux' });
    } finally {
      client.stdin.end();
      client.kill();
      rmSync(auth, { force: true });
    }
  });
});

describe('API', () => {
  let helper: RunningHelper;
  afterAll(async () => helper?.close());

  it('POST /api/v1/shares/apply needs an admin token, applies, and publishes share.changed', async () => {
    const config = configFor((d) => ((d.shares as Record<string, unknown>[])[0]!.comment = 'via API'));
    helper = await startHelper({ config, listen: '127.0.0.1:0', plugins: [sambaRoutes()] });
    const admin = helper.store.tokens.create('admin-test', 'admin');
    const client = helper.store.tokens.create('client-test', 'client');
    const post = (token: string, body: unknown) =>
      fetch(`${helper.url}/api/v1/shares/apply`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(client, {})).status).toBe(403);
    const dry = await post(admin, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ changed: true, dryRun: true, written: [] });
    expect(readFileSync(smbd.includeFile, 'utf8')).not.toMatch(/via API/);
    const res = await post(admin, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: true, dryRun: false, shares: ['flux'] });
    expect(readFileSync(smbd.includeFile, 'utf8')).toMatch(/comment = via API/);
    const events = helper.store.events.since(0, 100).filter((e) => e.type === 'share.changed');
    expect(events.map((e) => e.data)).toEqual([{ shares: ['flux'], reason: 'apply through the API' }]);
    const again = await post(admin, {});
    expect(await again.json()).toMatchObject({ changed: false });
    expect(helper.store.events.since(0, 100).filter((e) => e.type === 'share.changed')).toHaveLength(1);
    const bad = await post(admin, { dryRun: 'yes' });
    expect(bad.status).toBe(400);
  });
});
