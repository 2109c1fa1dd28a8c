// Reads whole directories for scan-parallel.ts in its worker threads (scan-worker.mjs): synchronous
// readdir/lstat, the cheapest calls Node has. Plain JavaScript so a worker loads it without a TypeScript loader. The exclude/include rules mirror policy.ts (kept tiny on purpose).
//
// Results travel compactly, because cloning one object per file cost more than the lstat calls: the stat
// numbers go in a transferable Float64Array (STAT_FIELDS per file), and the names in one `\0`-joined string
// (NUL cannot occur in a file name). Files younger than `minAgeMs` are only counted, not sent.
import { lstatSync, readdirSync } from 'node:fs';

/** Per file: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, flags. */
export const STAT_FIELDS = 11;
/** Flag: the entry is a symlink. */
export const FLAG_SYMLINK = 1;
/** Flag: a `._name` AppleDouble companion lies beside it. */
export const FLAG_COMPANION = 2;

class Out {
  constructor() {
    this.names = [];
    this.nums = new Float64Array(STAT_FIELDS * 256);
    this.count = 0;
    this.dirs = [];
    this.skips = {};
    this.tooNew = 0;
  }
  skip(reason) {
    this.skips[reason] = (this.skips[reason] ?? 0) + 1;
  }
  push(rel, st, flags) {
    if ((this.count + 1) * STAT_FIELDS > this.nums.length) {
      const bigger = new Float64Array(this.nums.length * 2);
      bigger.set(this.nums);
      this.nums = bigger;
    }
    const o = this.count * STAT_FIELDS;
    const n = this.nums;
    n[o] = st.dev;
    n[o + 1] = st.ino;
    n[o + 2] = st.mode;
    n[o + 3] = st.nlink;
    n[o + 4] = st.uid;
    n[o + 5] = st.gid;
    n[o + 6] = st.size;
    n[o + 7] = st.blocks;
    n[o + 8] = st.atimeMs;
    n[o + 9] = st.mtimeMs;
    n[o + 10] = flags;
    this.names.push(rel);
    this.count++;
  }
}

/** A reader of directories under config.root: (relDirs) → one compact result. */
export function createDirReader({ root, exactExcludes, excludePatterns, include, now, minAgeMs }) {
  const exact = new Set(exactExcludes);
  const patterns = excludePatterns.map((p) => new RegExp(p, 's'));
  const excluded = (name) => exact.has(name) || patterns.some((p) => p.test(name));
  const isIncluded = (rel) => include.length === 0 || include.some((p) => rel === p || rel.startsWith(`${p}/`));
  const mayContain = (rel) => include.length === 0 || include.some((p) => rel === p || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`));

  function readDir(relDir, out) {
    const absDir = relDir === '' ? root : `${root}/${relDir}`;
    let entries;
    try {
      // Plain names, not Dirents: every entry is lstat'ed anyway, and a Dirent per entry cost more than the
      // lstat of the few folders among them.
      entries = readdirSync(absDir);
    } catch {
      out.skip('unreadable-dir');
      return;
    }
    let names = null;
    for (const name of entries) {
      if (name.startsWith('._')) {
        names = new Set(entries);
        break;
      }
    }
    const prefix = relDir === '' ? '' : `${relDir}/`;
    for (const name of entries) {
      if (excluded(name)) {
        out.skip('excluded');
        continue;
      }
      const rel = prefix + name;
      if (!mayContain(rel)) continue;
      let st;
      try {
        st = lstatSync(`${absDir}/${name}`);
      } catch {
        out.skip('vanished');
        continue;
      }
      if (st.isDirectory()) {
        out.dirs.push(rel);
        continue;
      }
      if (!isIncluded(rel)) continue;
      const isLink = st.isSymbolicLink();
      if (!st.isFile() && !isLink) {
        out.skip('special-file');
        continue;
      }
      if (names && name.startsWith('._') && names.has(name.slice(2))) continue;
      // The same test as policy.ts isOldEnough.
      if (minAgeMs !== null && !(now - st.mtimeMs >= minAgeMs)) {
        out.tooNew++;
        continue;
      }
      out.push(rel, st, (isLink ? FLAG_SYMLINK : 0) | (names && names.has(`._${name}`) ? FLAG_COMPANION : 0));
    }
  }

  return (relDirs) => {
    const out = new Out();
    for (const relDir of relDirs) readDir(relDir, out);
    const nums = out.nums.slice(0, out.count * STAT_FIELDS);
    return { names: out.names.join('\0'), nums, count: out.count, dirs: out.dirs, skips: out.skips, tooNew: out.tooNew };
  };
}
