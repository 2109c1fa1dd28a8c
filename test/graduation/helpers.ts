/** Shared by graduation tests: tree snapshots for the "every byte exactly once" invariant, loop-mounted ext4. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAttributeSync, listAttributesSync } from '@napi-rs/xattr';

/** The xattrs of a path as name → base64 (the test's own view, by path, from outside the product). */
export function readXattrs(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of listAttributesSync(path).sort())
    out[name] = getAttributeSync(path, name)?.toString('base64') ?? '';
  return out;
}

/** What must survive a move, per file. */
export interface FileFacts {
  kind: 'file' | 'symlink';
  hash: string;
  mode: number;
  /** Microseconds (floored). */
  mtimeUs: number;
  /** Nanoseconds: a file's times are kept exactly. */
  mtimeNs: bigint;
  xattrs: Record<string, string>;
  size: number;
  blocks: number;
  /** Relative paths sharing this file's inode (hard links), sorted. */
  links: string[];
}

/** Every file and symlink under root, by relative path (directories are containers only). */
export function snapshot(root: string, opts: { ignore?: (rel: string) => boolean } = {}): Map<string, FileFacts> {
  const out = new Map<string, FileFacts>();
  const byIno = new Map<number, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(rel ? join(root, rel) : root)) {
      const r = rel ? `${rel}/${name}` : name;
      if (opts.ignore?.(r)) continue;
      const abs = join(root, r);
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        walk(r);
        continue;
      }
      const kind = st.isSymbolicLink() ? 'symlink' : 'file';
      const hash = createHash('sha256')
        .update(kind === 'symlink' ? readlinkSync(abs) : readFileSync(abs))
        .digest('hex');
      out.set(r, {
        kind,
        hash,
        mode: st.mode,
        mtimeUs: Math.floor(st.mtimeMs * 1000),
        mtimeNs: lstatSync(abs, { bigint: true }).mtimeNs,
        xattrs: kind === 'file' ? readXattrs(abs) : {},
        size: st.size,
        blocks: st.blocks,
        links: [],
      });
      if (kind === 'file' && st.nlink > 1) byIno.set(st.ino, [...(byIno.get(st.ino) ?? []), r]);
    }
  };
  walk('');
  for (const group of byIno.values()) for (const r of group) out.get(r)!.links = [...group].sort();
  return out;
}

/** Checks that each file of `before` exists exactly once, in flux or in space, with its bytes, mode, mtime, xattrs and links. */
export function assertExactlyOnce(
  before: Map<string, FileFacts>,
  flux: Map<string, FileFacts>,
  space: Map<string, FileFacts>,
): string[] {
  const problems: string[] = [];
  for (const [rel, want] of before) {
    const inFlux = flux.get(rel);
    const inSpace = space.get(rel);
    if (inFlux && inSpace) problems.push(`${JSON.stringify(rel)} is in both flux and space`);
    const got = inFlux ?? inSpace;
    if (!got) {
      problems.push(`${JSON.stringify(rel)} is lost`);
      continue;
    }
    for (const k of ['kind', 'hash', 'size', 'xattrs', 'links'] as const) {
      if (JSON.stringify(got[k]) !== JSON.stringify(want[k]))
        problems.push(`${JSON.stringify(rel)}: ${k} ${JSON.stringify(got[k])} != ${JSON.stringify(want[k])}`);
    }
    if (want.kind === 'file' && got.mode !== want.mode)
      problems.push(`${JSON.stringify(rel)}: mode ${got.mode.toString(8)} != ${want.mode.toString(8)}`);
    // A file's times are set to the nanosecond (fts-native); a symlink's through Node's lutimes, which takes
    // seconds as a double and keeps them to within a microsecond.
    if (want.kind === 'file' ? got.mtimeNs !== want.mtimeNs : Math.abs(got.mtimeUs - want.mtimeUs) > 1)
      problems.push(`${JSON.stringify(rel)}: mtime ${got.mtimeNs} != ${want.mtimeNs}`);
    // A hard-link group is never split: all its names are on one side.
    if (want.links.length > 1) {
      const side = inFlux ? flux : space;
      for (const l of want.links)
        if (!side.has(l)) problems.push(`${JSON.stringify(rel)}: hard link ${JSON.stringify(l)} is not beside it`);
    }
  }
  for (const rel of space.keys())
    if (!before.has(rel)) problems.push(`${JSON.stringify(rel)} appeared in space from nowhere`);
  for (const rel of flux.keys())
    if (!before.has(rel)) problems.push(`${JSON.stringify(rel)} appeared in flux from nowhere`);
  return problems;
}

/** Paths of leftover temp files under root. */
export function tempFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.name.startsWith('.fts-grad-')) out.push(join(dir, d.name));
      if (d.isDirectory()) walk(join(dir, d.name));
    }
  };
  walk(root);
  return out;
}

/** A unique temp folder (0755, so nothing depends on the umask). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `fts-${prefix}-`));
  execFileSync('chmod', ['755', d]);
  return d;
}

/** A temp base holding empty `flux/` and `space/` folders (the caller removes base). */
export function fluxAndSpace(prefix: string): { base: string; flux: string; space: string } {
  const base = tempDir(prefix);
  const flux = join(base, 'flux');
  const space = join(base, 'space');
  mkdirSync(flux);
  mkdirSync(space);
  return { base, flux, space };
}

/** A loop-mounted ext4 image of sizeMb with a label; call the returned unmount in afterAll. */
export function loopExt4(sizeMb: number, label: string): { dir: string; unmount: () => void } {
  const base = tempDir(`loop-${label}`);
  const img = join(base, 'disk.img');
  const dir = join(base, 'mnt');
  mkdirSync(dir);
  execFileSync('truncate', ['-s', `${sizeMb}M`, img]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-L', label, img]);
  execFileSync('mount', ['-o', 'loop', img, dir]);
  return {
    dir,
    unmount: () => {
      // `mount -o loop` sets autoclear: unmounting detaches the loop device.
      execFileSync('umount', [dir]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
