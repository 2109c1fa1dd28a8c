// Worker of scan-parallel.ts: reads whole directories with synchronous readdir/lstat (the cheapest calls Node
// has) and posts back their files and subfolders. Plain JavaScript so it loads in a worker thread without a
// TypeScript loader. The exclude/include rules mirror policy.ts (kept tiny on purpose).
import { lstatSync, readdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { root, exactExcludes, excludePatterns, include } = workerData;
const exact = new Set(exactExcludes);
const patterns = excludePatterns.map((p) => new RegExp(p, 's'));
const excluded = (name) => exact.has(name) || patterns.some((p) => p.test(name));
const isIncluded = (rel) => include.length === 0 || include.some((p) => rel === p || rel.startsWith(`${p}/`));
const mayContain = (rel) => include.length === 0 || include.some((p) => rel === p || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`));

function readDir(relDir, files, dirs, skips) {
  const absDir = relDir === '' ? root : `${root}/${relDir}`;
  let entries;
  try {
    entries = readdirSync(absDir, { withFileTypes: true });
  } catch {
    skips['unreadable-dir'] = (skips['unreadable-dir'] ?? 0) + 1;
    return;
  }
  let names = null;
  for (const d of entries) {
    if (d.name.startsWith('._')) {
      names = new Set(entries.map((e) => e.name));
      break;
    }
  }
  const prefix = relDir === '' ? '' : `${relDir}/`;
  for (const d of entries) {
    const name = d.name;
    if (excluded(name)) {
      skips.excluded = (skips.excluded ?? 0) + 1;
      continue;
    }
    const rel = prefix + name;
    if (d.isDirectory()) {
      if (mayContain(rel)) dirs.push(rel);
      continue;
    }
    if (!isIncluded(rel)) continue;
    const isLink = d.isSymbolicLink();
    if (!d.isFile() && !isLink) {
      skips['special-file'] = (skips['special-file'] ?? 0) + 1;
      continue;
    }
    if (names && name.startsWith('._') && names.has(name.slice(2))) continue;
    let st;
    try {
      st = lstatSync(`${absDir}/${name}`);
    } catch {
      skips.vanished = (skips.vanished ?? 0) + 1;
      continue;
    }
    const companion = names && names.has(`._${name}`) ? `${prefix}._${name}` : null;
    files.push({
      rel,
      kind: isLink ? 'symlink' : 'file',
      stat: { dev: st.dev, ino: st.ino, mode: st.mode, nlink: st.nlink, uid: st.uid, gid: st.gid, size: st.size, blocks: st.blocks, atimeMs: st.atimeMs, mtimeMs: st.mtimeMs },
      companion,
    });
  }
}

parentPort.on('message', (relDirs) => {
  const files = [];
  const dirs = [];
  const skips = {};
  for (const relDir of relDirs) readDir(relDir, files, dirs, skips);
  parentPort.postMessage({ files, dirs, skips });
});
