/**
 * `npm run bench -- smb [--size 1G] [--files 10000] [--rounds 1]`: SMB throughput through the rendered shares
 * over loopback (smbclient: one large file and many 16 KiB files, write and read) against the same disk used
 * locally (dd, cp, tar) and against Samba's defaults, in one run, with the tuning candidates the Samba docs offer
 * (vfs_io_uring, aio off vs on, use sendfile). Writes end with an fsync of what was written (sync FILE / sync -f),
 * locally and over SMB alike; reads start from a dropped page cache. Needs root (users, drop_caches).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelperConfig, type ShareConfig } from '../server-helper/config/schema.js';
import { MAC_VFS_OBJECTS, renderGlobal, renderShare } from '../server-helper/samba/render.js';
import { addUser } from '../server-helper/samba/users.js';
import { startSmbd } from '../test/support/smbd.js';
import { fmt, line } from './_util.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const SIZE = (() => {
  const m = /^(\d+)([KMG]?)$/i.exec(arg('size', '1G'))!;
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
})();
const FILES = Number(arg('files', '10000'));
const SMALL = 16 * 1024;
const ROUNDS = Number(arg('rounds', '1'));
if (process.getuid?.() !== 0) {
  console.error('bench smb needs root (a Unix user for Samba, drop_caches)');
  process.exit(2);
}

/** One SMB share under test: how its section differs from the rendered one. */
interface Variant {
  name: string;
  share: string;
  /** The section's lines below [share]. */
  lines: (path: string) => string[];
}

const tag = randomBytes(2).toString('hex');
const user = `ftsbench${tag}`;
const group = `ftsbg${tag}`;
const password = `bench-${randomBytes(6).toString('hex')}`;
// A filesystem of its own on a loop device (an image on the VM's disk): its syncs flush only this bench's data,
// not every other process's writes on the root disk, and local and SMB runs share it.
const work = mkdtempSync(join(tmpdir(), 'fts-bench-smb-'));
chmodSync(work, 0o755);
const image = join(work, 'disk.img');
const root = join(work, 'disk');
execFileSync('truncate', ['-s', `${Math.ceil((2 * SIZE + 4 * FILES * SMALL) / 1024 ** 3) + 2}G`, image]);
execFileSync('mkfs.ext4', ['-q', '-L', 'benchsmb', image]);
mkdirSync(root);
execFileSync('mount', ['-o', 'loop', image, root]);
chmodSync(root, 0o755);
const src = join(root, 'src');
mkdirSync(join(src, 'small'), { recursive: true });

const smbd = await startSmbd();
const base = (path: string): ShareConfig => HelperConfig.parse({ shares: [{ name: 'x', path }] }).shares[0]!;
const config = HelperConfig.parse({
  store: { path: join(root, 'helper.db') },
  samba: { smbConf: smbd.conf, includeFile: smbd.includeFile, roots: [root], group },
});
const rendered = (path: string) => renderShare(base(path), config.samba).slice(1);
const VARIANTS: Variant[] = [
  // Samba's defaults: no VFS modules (the global line names fruit for every share, so it is emptied here).
  {
    name: 'Samba defaults',
    share: 'plain',
    lines: (p) => [`   path = ${p}`, '   read only = no', `   valid users = @${group}`, '   vfs objects ='],
  },
  { name: 'rendered (fts-helper)', share: 'flux', lines: rendered },
  {
    name: 'rendered + vfs_io_uring',
    share: 'uring',
    lines: (p) => [...rendered(p), `   vfs objects = ${MAC_VFS_OBJECTS} io_uring`],
  },
  {
    name: 'rendered + aio off (aio read/write size = 0)',
    share: 'noaio',
    lines: (p) => [...rendered(p), '   aio read size = 0', '   aio write size = 0'],
  },
  { name: 'rendered + use sendfile', share: 'sendfile', lines: (p) => [...rendered(p), '   use sendfile = yes'] },
];

const sh = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
};
const dropCaches = () => writeFileSync('/proc/sys/vm/drop_caches', '1');
const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};
const auth = join(root, 'auth');
writeFileSync(auth, `username = ${user}\npassword = ${password}\ndomain = WORKGROUP\n`, { mode: 0o600 });
const smb = (share: string, command: string) => {
  // Output of smbclient is parsed only for errors: the put/get lines are not needed.
  const out = sh('smbclient', [
    `//127.0.0.1/${share}`,
    '-p',
    String(smbd.port),
    '-A',
    auth,
    '-s',
    smbd.conf,
    '-c',
    command,
  ]);
  if (/NT_STATUS_/.test(out)) throw new Error(`smbclient ${share}: ${command}: ${out}`);
};
const smbTarRead = (share: string, dir: string) => {
  const out = sh('smbclient', [
    `//127.0.0.1/${share}`,
    '-p',
    String(smbd.port),
    '-A',
    auth,
    '-s',
    smbd.conf,
    '-Tc',
    '/dev/null',
    dir,
  ]);
  if (/NT_STATUS_/.test(out)) throw new Error(`smbclient -Tc ${share}: ${out}`);
};

interface Result {
  bigWrite: number;
  bigRead: number;
  smallWrite: number;
  smallRead: number;
}
const best = (xs: Result[]): Result => ({
  bigWrite: Math.min(...xs.map((x) => x.bigWrite)),
  bigRead: Math.min(...xs.map((x) => x.bigRead)),
  smallWrite: Math.min(...xs.map((x) => x.smallWrite)),
  smallRead: Math.min(...xs.map((x) => x.smallRead)),
});

function local(dir: string): Result {
  mkdirSync(dir);
  const bigWrite = time(() =>
    sh('dd', [`if=${join(src, 'big.bin')}`, `of=${join(dir, 'big.bin')}`, 'bs=4M', 'conv=fsync', 'status=none']),
  );
  dropCaches();
  const bigRead = time(() => sh('dd', [`if=${join(dir, 'big.bin')}`, 'of=/dev/null', 'bs=4M', 'status=none']));
  const smallWrite = time(() => {
    sh('cp', ['-r', join(src, 'small'), join(dir, 'small')]);
    sh('sync', ['-f', join(dir, 'small')]);
  });
  dropCaches();
  const smallRead = time(() => sh('sh', ['-c', 'tar -C "$1" -cf - small | cat > /dev/null', 'sh', dir]));
  rmSync(dir, { recursive: true, force: true });
  return { bigWrite, bigRead, smallWrite, smallRead };
}

function overSmb(v: Variant, dir: string): Result {
  for (const f of ['big.bin', 'small']) rmSync(join(dir, f), { recursive: true, force: true });
  const bigWrite = time(() => {
    smb(v.share, `put "${join(src, 'big.bin')}" big.bin`);
    sh('sync', [join(dir, 'big.bin')]);
  });
  dropCaches();
  const bigRead = time(() => smb(v.share, 'get big.bin /dev/null'));
  const smallWrite = time(() => {
    smb(v.share, `prompt OFF; recurse ON; lcd "${src}"; mput small`);
    sh('sync', ['-f', join(dir, 'small')]);
  });
  dropCaches();
  const smallRead = time(() => smbTarRead(v.share, 'small'));
  for (const f of ['big.bin', 'small']) rmSync(join(dir, f), { recursive: true, force: true });
  return { bigWrite, bigRead, smallWrite, smallRead };
}

try {
  await addUser(config, user, { password, vault: null });
  const gid = Number(sh('getent', ['group', group]).split(':')[2]);
  const dirs = new Map<string, string>();
  const sections: string[] = [];
  for (const v of VARIANTS) {
    const dir = join(root, v.share);
    mkdirSync(dir);
    chownSync(dir, 0, gid);
    chmodSync(dir, 0o2770);
    dirs.set(v.name, dir);
    sections.push('', `[${v.share}]`, ...v.lines(dir));
  }
  writeFileSync(smbd.includeFile, [...renderGlobal(config), ...sections].join('\n') + '\n');
  smbd.reload();
  const testparm = spawnSync('testparm', ['-s', smbd.conf], { encoding: 'utf8' });
  if (/Unknown parameter|Error/i.test(testparm.stderr)) throw new Error(`testparm: ${testparm.stderr}`);

  console.log(
    `bench smb: ${fmt(SIZE / 1024 ** 2)} MiB in one file, ${fmt(FILES)} × 16 KiB files; ${ROUNDS} round(s), best of each; ${root} (${sh('df', ['--output=source,fstype', root]).split('\n')[1]})`,
  );
  execFileSync('dd', [
    'if=/dev/urandom',
    `of=${join(src, 'big.bin')}`,
    `bs=${1024 * 1024}`,
    `count=${Math.ceil(SIZE / 1024 ** 2)}`,
    'status=none',
  ]);
  const chunk = randomBytes(SMALL);
  for (let i = 0; i < FILES; i++) {
    const d = join(src, 'small', `d${i % 100}`);
    if (i < 100) mkdirSync(d);
    writeFileSync(join(d, `f${i}.bin`), chunk);
  }
  // The sources stay in the page cache, so every write reads them from memory, locally and over SMB alike.
  sh('sh', ['-c', 'cat "$1" > /dev/null; tar -C "$2" -cf - small | cat > /dev/null', 'sh', join(src, 'big.bin'), src]);

  const results = new Map<string, Result[]>();
  // Each round starts one setup later, so no setup always runs first (or right after another's deletes).
  const setups: (Variant | null)[] = [null, ...VARIANTS];
  for (const name of ['local disk', ...VARIANTS.map((v) => v.name)]) results.set(name, []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < setups.length; i++) {
      const v = setups[(i + r) % setups.length]!;
      if (v === null) results.get('local disk')!.push(local(join(root, 'local')));
      else results.get(v.name)!.push(overSmb(v, dirs.get(v.name)!));
    }
    process.stderr.write(`round ${r + 1} of ${ROUNDS} done\n`);
  }
  const mbps = (bytes: number, s: number) => bytes / 1024 ** 2 / s;
  const bytesSmall = FILES * SMALL;
  const L = best(results.get('local disk')!);
  const D = best(results.get('Samba defaults')!);
  console.log('');
  console.log(
    `${'MiB/s'.padEnd(46)} ${'big write'.padStart(10)} ${'big read'.padStart(10)} ${'16K write'.padStart(10)} ${'16K read'.padStart(10)}`,
  );
  for (const [name, rs] of results) {
    const b = best(rs);
    console.log(
      `${name.padEnd(46)} ${fmt(mbps(SIZE, b.bigWrite), 1).padStart(10)} ${fmt(mbps(SIZE, b.bigRead), 1).padStart(10)} ${fmt(mbps(bytesSmall, b.smallWrite), 1).padStart(10)} ${fmt(mbps(bytesSmall, b.smallRead), 1).padStart(10)}`,
    );
  }
  console.log('');
  console.log(
    `${'ratio to the local disk (to Samba defaults)'.padEnd(46)} ${'big write'.padStart(14)} ${'big read'.padStart(14)} ${'16K write'.padStart(14)} ${'16K read'.padStart(14)}`,
  );
  const ratio = (a: number, b: number) => `${fmt(b / a, 2)}`;
  for (const [name, rs] of results) {
    if (name === 'local disk') continue;
    const b = best(rs);
    const cell = (k: keyof Result) => `${ratio(b[k], L[k])} (${ratio(b[k], D[k])})`.padStart(14);
    console.log(`${name.padEnd(46)} ${cell('bigWrite')} ${cell('bigRead')} ${cell('smallWrite')} ${cell('smallRead')}`);
  }
  const R = best(results.get('rendered (fts-helper)')!);
  console.log('');
  line('rendered share, large file write vs local disk', `${fmt((100 * L.bigWrite) / R.bigWrite)} %`, '≥ 80 %');
  line('rendered share, large file read vs local disk', `${fmt((100 * L.bigRead) / R.bigRead)} %`, '≥ 80 %');
} finally {
  await smbd.stop();
  spawnSync('userdel', [user]);
  spawnSync('groupdel', [group]);
  spawnSync('umount', [root]);
  rmSync(work, { recursive: true, force: true });
}
