/**
 * `npm run bench -- samba-apply`: how long `samba apply` takes on a real smbd (validate, render, testparm the
 * candidate, write atomically, reload, verify) against what an admin does by hand (edit the file, `testparm -s`,
 * `smbcontrol smbd reload-config`), and how cheap an apply with nothing to change is.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelperConfig } from '../server-helper/config/schema.js';
import { applySamba, realSambaSystem } from '../server-helper/samba/apply.js';
import { renderInclude } from '../server-helper/samba/render.js';
import { startSmbd } from '../test/support/smbd.js';

const N = Number(process.argv[2] ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const smbd = await startSmbd();
const root = mkdtempSync(join(tmpdir(), 'fts-bench-samba-'));
chmodSync(root, 0o755);
for (const d of ['flux', 'time', 'space']) mkdirSync(join(root, d));
const config = (comment: string) =>
  HelperConfig.parse({
    store: { path: join(root, 'helper.db') },
    shares: [
      { name: 'flux', path: join(root, 'flux'), comment },
      { name: 'time', path: join(root, 'time'), timeMachine: { maxSize: '2T' } },
      { name: 'space', path: join(root, 'space') },
    ],
    samba: {
      smbConf: smbd.conf,
      includeFile: smbd.includeFile,
      roots: [join(root, 'flux'), join(root, 'time'), join(root, 'space')],
    },
  });

try {
  const sys = realSambaSystem();
  const changed: number[] = [];
  const noop: number[] = [];
  const manual: number[] = [];
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    await applySamba(config(`run ${i}`), sys);
    changed.push(performance.now() - t);
    t = performance.now();
    await applySamba(config(`run ${i}`), sys);
    noop.push(performance.now() - t);
    // By hand: write the file, check it, reload.
    t = performance.now();
    writeFileSync(smbd.includeFile, renderInclude(config(`manual ${i}`)));
    execFileSync('testparm', ['-s', smbd.conf], { stdio: 'ignore' });
    execFileSync('smbcontrol', ['-s', smbd.conf, 'smbd', 'reload-config'], { stdio: 'ignore' });
    manual.push(performance.now() - t);
  }
  const m = { changed: median(changed), noop: median(noop), manual: median(manual) };
  console.log(`samba apply (changed):   median ${m.changed.toFixed(0)} ms over ${N}`);
  console.log(`samba apply (no change): median ${m.noop.toFixed(1)} ms over ${N}`);
  console.log(`by hand (write + testparm + reload): median ${m.manual.toFixed(0)} ms over ${N}`);
  console.log(
    `ratio apply/by hand: ${(m.changed / m.manual).toFixed(2)}x (apply also checks a candidate copy first, verifies, and can roll back)`,
  );
} finally {
  await smbd.stop();
  rmSync(root, { recursive: true, force: true });
}
