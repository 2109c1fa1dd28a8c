/**
 * build/server/install-server.sh into a scratch root (--root: every config path inside it, no apt-get, no
 * systemctl): the household's group and folders (root:GROUP, setgid, group-writable), a seed config on the LAN
 * with TLS (its fingerprint printed), a backup section `config check` reports incomplete until the bucket and
 * keys are set, the hardened unit (checked by systemd-analyze), a rerun that changes nothing, and the package
 * check (with stand-ins for dpkg-query and apt-get: the real apt-get would install on this machine).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server-helper/config/load.js';
import { installServerInto } from './support/install-server.js';
import { requireRoot } from './support/require.js';

const execFileAsync = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const script = join(repo, 'build/server/install-server.sh');
const root = mkdtempSync(join(tmpdir(), 'fts-install-'));
const group = `ftsi${process.pid % 100000}`;
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  spawnSync('groupdel', [group]);
});

function install(target = root, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  return installServerInto(target, { group, listen: '127.0.0.1:18642', extra, env });
}

/** Every path under dir with its type, mode, owner, size, mtime and content hash: what a rerun must leave alone. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    const hash = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16) : '';
    out.push(
      `${p.slice(dir.length) || '/'} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${hash}`,
    );
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  };
  walk(dir);
  return out;
}

const gidOf = (name: string) => Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2]);

describe('install-server.sh', () => {
  let firstOutput = '';

  it('creates the group, the folders as root:GROUP setgid and group-writable, and a seed config on the LAN with TLS', () => {
    requireRoot('install-server.sh creates a group and gives the folders their owner');
    firstOutput = install();
    expect(firstOutput).toContain('wrote the seed configuration to /etc/fts/helper.yaml');
    expect(firstOutput).toContain(`created group ${group}`);
    const gid = gidOf(group);
    const modes = Object.fromEntries(
      ['flux', 'space', 'time'].map((d) => {
        const st = lstatSync(join(root, d));
        return [d, { mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid }];
      }),
    );
    expect(modes).toEqual({
      flux: { mode: '2770', uid: 0, gid },
      space: { mode: '2770', uid: 0, gid },
      time: { mode: '2750', uid: 0, gid },
    });

    const cfg = loadConfig(join(root, 'etc/fts/helper.yaml'));
    expect(cfg.shares.map((s) => [s.name, s.path])).toEqual([
      ['flux', join(root, 'flux')],
      ['time', join(root, 'time')],
      ['space', join(root, 'space')],
    ]);
    expect(cfg.shares[1]!.timeMachine).toEqual({ maxSize: '2T', perUser: true });
    // The server is called what this host is called (clients pair with https://NAME:PORT and mount smb://NAME).
    expect(cfg.server.name).toBe(hostname().split('.')[0]!.toLowerCase());
    expect(cfg.samba).toMatchObject({
      group,
      smbConf: join(root, 'etc/samba/smb.conf'),
      avahiServiceFile: join(root, 'etc/avahi/services/fts-helper.service'),
    });
    expect(cfg.api).toMatchObject({ listen: '127.0.0.1:18642', tls: 'auto' });
    expect(cfg.store.path).toBe(join(root, 'var/lib/fts/helper.db'));
    expect(cfg.rotation.schedule).toBeNull();
    // The fingerprint printed is the certificate's, which clients pin.
    const cert = readFileSync(join(root, 'var/lib/fts/tls/helper.crt'), 'utf8');
    expect(firstOutput).toContain(`API certificate fingerprint (SHA-256): ${new X509Certificate(cert).fingerprint256}`);
    expect(lstatSync(join(root, 'var/lib/fts/tls/helper.key')).mode & 0o077).toBe(0);
    // The repository password exists, readable by root only.
    expect(lstatSync(join(root, 'etc/fts/restic-password')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'etc/fts/restic-password'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("says the config does not validate when config check fails (a fresh install's disks are not mounted yet)", () => {
    expect(firstOutput).toContain('problem: drives.flux.mountPoint');
    expect(firstOutput).toContain('warning: /etc/fts/helper.yaml does not validate yet');
  });

  it('installs only what the app runs, without rsync, with fts-helper on PATH; the installed copy runs; a rerun changes nothing', async () => {
    // rsync is not one of the packages the install needs: a PATH where it fails must not matter.
    const bin = mkdtempSync(join(tmpdir(), 'fts-install-norsync-'));
    writeFileSync(join(bin, 'rsync'), '#!/bin/sh\necho "rsync: not installed" >&2\nexit 127\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const target = mkdtempSync(join(tmpdir(), 'fts-install-app-'));
    // Asynchronous: a minute of copying and pruning must not block the test worker.
    const run = async () =>
      (
        await execFileAsync(
          'sh',
          [
            script,
            '--root',
            target,
            '--no-start',
            '--no-packages',
            '--share-group',
            group,
            '--listen',
            '127.0.0.1:18643',
          ],
          { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 },
        )
      ).stdout;
    try {
      const out = await run();
      expect(out).toMatch(/installed the app in \/opt\/fts/);
      expect(out).toContain('installed /usr/local/bin/fts-helper');
      const app = join(target, 'opt/fts');
      const top = readdirSync(app).sort();
      expect(top).toEqual([
        'bin',
        'contract',
        'dist',
        'lib',
        'node_modules',
        'package-lock.json',
        'package.json',
        'server-helper',
        'tsconfig.json',
      ]);
      for (const gone of ['node_modules/vitest', 'node_modules/electron', 'node_modules/eslint', 'node_modules/vite'])
        expect(() => lstatSync(join(app, gone)), gone).toThrow();
      expect(lstatSync(join(app, 'node_modules/tsx')).isDirectory()).toBe(true);
      expect(lstatSync(join(app, 'dist/renderer/index.html')).isFile()).toBe(true);
      const tests = execFileSync('find', [app, '-name', '*.test.ts', '-not', '-path', '*/node_modules/*'], {
        encoding: 'utf8',
      });
      expect(tests).toBe('');
      // The wrapper on PATH runs the installed copy.
      const wrapper = join(target, 'usr/local/bin/fts-helper');
      expect(readFileSync(wrapper, 'utf8')).toContain(`${app}/bin/fts-helper.mjs`);
      const help = spawnSync(wrapper, ['--help'], { encoding: 'utf8' });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain('samba');
      const check = spawnSync(wrapper, ['config', 'check', '--config', join(target, 'etc/fts/helper.yaml')], {
        encoding: 'utf8',
      });
      expect(check.stderr).toBe('');
      expect(check.stdout).toContain(`problem: drives.flux.mountPoint: ${join(target, 'flux')} is not mounted`);
      expect(check.status).toBe(2);

      const before = snapshot(app);
      const again = await run();
      expect(again).not.toMatch(/installed/);
      expect(snapshot(app)).toEqual(before);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
    }
  }, 300_000);

  it('config check reports the backup incomplete until the bucket and keys are set', () => {
    const file = join(root, 'etc/fts/helper.yaml');
    const check = () =>
      spawnSync('node', [join(repo, 'bin/fts-helper.mjs'), 'config', 'check', file], { encoding: 'utf8' });
    const before = check();
    // Not a set-up server: no disk is mounted at the folders, and that is a problem check names (exit 2).
    expect(before.status).toBe(2);
    expect(before.stdout).toContain(
      `problem: drives.flux.mountPoint: ${join(root, 'flux')} is not mounted (expected label flux)`,
    );
    expect(before.stdout).toContain('incomplete: backup.repository: replace YOUR-BUCKET with your B2 bucket');
    expect(before.stdout).toMatch(/incomplete: backup\.keyIdFile: .*b2-key-id does not exist yet/);
    expect(before.stdout).toMatch(/incomplete: backup\.applicationKeyFile: .*b2-application-key does not exist yet/);
    expect(firstOutput).toContain('incomplete: backup.repository');

    const copy = join(root, 'complete.yaml');
    writeFileSync(copy, readFileSync(file, 'utf8').replace('YOUR-BUCKET', 'miket-backup'));
    for (const f of ['b2-key-id', 'b2-application-key'])
      writeFileSync(join(root, 'etc/fts', f), 'k\n', { mode: 0o600 });
    try {
      const after = spawnSync('node', [join(repo, 'bin/fts-helper.mjs'), 'config', 'check', copy], {
        encoding: 'utf8',
      });
      expect(after.stdout).not.toMatch(/incomplete: backup\./);
      // Key Vault stays to be set up: the seed's example vault and no credential.
      expect(after.stdout).toContain("incomplete: keyVault.name: kv-miket-ops is the seed's example");
    } finally {
      for (const f of ['b2-key-id', 'b2-application-key']) rmSync(join(root, 'etc/fts', f));
      rmSync(copy);
    }
  });

  it('the unit is hardened and valid', () => {
    const unit = readFileSync(join(root, 'etc/systemd/system/fts-helper.service'), 'utf8');
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    for (const line of [
      'ProtectSystem=strict',
      'ReadWritePaths=/flux /time /space /var/lib/fts /etc/samba',
      'ReadWritePaths=-/etc/avahi/services',
      'NoNewPrivileges=yes',
      'User=root',
      'Group=fts',
      'CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_SYS_RAWIO',
      'ProtectHome=yes',
      'PrivateTmp=yes',
    ]) {
      expect(unit).toContain(line);
    }
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/fts/bin/fts-helper.mjs serve --config /etc/fts/helper.yaml');
    // systemd-analyze checks every directive; point ExecStart at files that exist here.
    const local = join(root, 'check.service');
    writeFileSync(local, unit.replace('/opt/fts/bin/fts-helper.mjs', join(repo, 'bin/fts-helper.mjs')));
    let analyze: string;
    try {
      analyze = execFileSync('systemd-analyze', ['verify', local], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('systemd-analyze is missing: apt-get install systemd');
      throw new Error(`systemd-analyze verify failed: ${e.stderr}`);
    } finally {
      rmSync(local, { force: true });
    }
    expect(analyze).toBe('');
  });

  it('a rerun changes nothing: no file, mode, owner or time moves, and it says it made nothing', () => {
    const before = snapshot(root);
    const out = install();
    expect(snapshot(root)).toEqual(before);
    expect(out).not.toMatch(/created|wrote|made|installed/);
    expect(out).toContain('API certificate fingerprint');
  });

  it('a rerun puts right the folders an older install made fts:fts 0770, and keeps an edited config and the files inside', () => {
    chmodSync(join(root, 'flux'), 0o770);
    writeFileSync(join(root, 'flux', 'keep.txt'), 'mine');
    chmodSync(join(root, 'flux', 'keep.txt'), 0o600);
    const file = join(root, 'etc/fts/helper.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^server:\n {2}name: \S+$/m, 'server:\n  name: tessier'));
    install();
    expect((lstatSync(join(root, 'flux')).mode & 0o7777).toString(8)).toBe('2770');
    expect(lstatSync(join(root, 'flux', 'keep.txt')).mode & 0o777).toBe(0o600);
    expect(loadConfig(file).server.name).toBe('tessier');
    rmSync(join(root, 'flux', 'keep.txt'));
  });

  it('checks the Debian packages: names what is missing and installs nothing with --no-packages or --root', () => {
    // Stand-ins: dpkg-query says samba and avahi-daemon are missing; apt-get records that it was called.
    const bin = mkdtempSync(join(tmpdir(), 'fts-install-bin-'));
    const calls = join(bin, 'apt-calls');
    writeFileSync(
      join(bin, 'dpkg-query'),
      `#!/bin/sh\ncase "$3" in samba|avahi-daemon) exit 1 ;; esac\nprintf 'install ok installed'\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${calls}\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    try {
      const scratch = join(bin, 'root');
      mkdirSync(scratch);
      const out = install(scratch, ['--no-packages'], env);
      expect(out).toContain(
        'warning: missing Debian packages: samba avahi-daemon (install them with: apt-get install -y samba avahi-daemon)',
      );
      expect(() => readFileSync(calls)).toThrow();
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('refuses a bad user or group name, and a relative --root', () => {
    expect(() => execFileSync('sh', [script, '--root', root, '--user', 'x;rm'], { stdio: 'pipe' })).toThrow(
      /must be a Unix user name/,
    );
    expect(() => execFileSync('sh', [script, '--root', root, '--share-group', 'a b'], { stdio: 'pipe' })).toThrow(
      /must be a Unix group name/,
    );
    expect(() => execFileSync('sh', [script, '--root', 'rel'], { stdio: 'pipe' })).toThrow(
      /--root must be an absolute path/,
    );
  });
});
