/**
 * "Where is my file?": part of a name (any case, any Unicode form) looked for in flux and space (walked beneath
 * their root fds with the scan's folder reader: no symlink followed, no other mount entered), in the graduation
 * journal (what moved from flux to space, and when), and in the newest snapshot (restic's listing, streamed). Every
 * source is bounded: at most `limit` results, at most `maxLooked` entries looked at, and the answer says when a
 * source had more. Each result says where the file is now and what the helper can do about it.
 * A member's search (a client token) walks and counts as the member: a folder they may not list is never read, and a
 * graduation into one is passed over, so neither the results, nor `looked`, nor `truncated` tell anything about names
 * they could not see over SMB, and those names never use up their `limit`.
 */
import type { SearchReport, SearchResult, SearchSourceReport } from '../../../contract/index.js';
import { closeSync, constants, fstatSync } from 'node:fs';
import type { Db } from '../../store/db.js';
import { isUnsafePath, RootDir } from '../../system/root-dir.js';
import type { ResticEngine } from '../backup/restic-engine.js';
import { createDirReader } from '../graduation/scan-dir.mjs';
import { entriesOf } from '../graduation/scan.js';
import { mayList, visibilityIn, type MemberIds } from './member-access.js';

/** What a search needs: both roots, the share names people know them by, and restic when there is a repository. */
export interface SearchOptions {
  db: Db;
  /** Real paths of the roots (as the journal records them). */
  fluxRoot: string;
  spaceRoot: string;
  fluxName: string;
  spaceName: string;
  /** Names never shown (the graduation excludes: .DS_Store, temp files). */
  exclude: readonly string[];
  q: string;
  limit: number;
  /** The restic engine for the newest snapshot, or why there is none. */
  snapshots: (() => Promise<ResticEngine>) | { unavailable: string };
  /** The sources other than the snapshot to search (default all): a client's tray searches only the shares it has. */
  only?: ReadonlySet<'flux' | 'space' | 'journal'>;
  /** Entries (or journal rows, or snapshot nodes) one source looks at, at most (default 500,000). */
  maxLooked?: number;
  /**
   * The member searching (their Unix uid and gids), for a client token: flux and space are walked, and the journal
   * read, as they could over SMB. Absent: an admin's search, everything.
   */
  member?: MemberIds;
}

/** A name as compared: NFC (a Mac writes NFD over SMB), lower case. */
function fold(name: string): string {
  return (/[^\u0000-\u007f]/.test(name) ? name.normalize('NFC') : name).toLowerCase();
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** A date as people write it: `3 Nov 2024`. */
export function dayOf(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

const iso = (ms: number) => new Date(ms).toISOString();

type TreeHit = Omit<SearchResult, 'source' | 'where' | 'graduated' | 'snapshot' | 'action'>;

/**
 * Opens a folder for a member's walk and returns its fd, or null when the member may not list it. The check is made
 * on the open folder itself, which must be the one its parent's listing showed (same inode): a folder renamed into
 * that name since (another member's closed one) is not read in its place.
 */
function openListable(root: RootDir, dir: string, ino: number, who: MemberIds): number | null {
  let fd: number;
  try {
    fd = root.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isUnsafePath(err) || code === 'ENOENT' || code === 'EACCES') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (st.ino === ino && st.dev === root.dev && mayList(st, who)) return fd;
  } catch {
    // Unreadable now: not read.
  }
  closeSync(fd);
  return null;
}

/**
 * Walks one root beneath its fd for names that contain the needle; bounded, yielding to the event loop as it goes.
 * For a member, only the folders they may list are read (every name read is one they could see), so `looked`,
 * `truncated` and the limit count what they could see, and nothing else.
 */
async function searchTree(
  root: RootDir,
  needle: string,
  exclude: readonly string[],
  limit: number,
  maxLooked: number,
  member: MemberIds | undefined,
): Promise<{ found: TreeHit[]; looked: number; truncated: boolean }> {
  const read = createDirReader({ rootFd: root.fd, rootDev: root.dev, exclude, include: [], now: 0, minAgeMs: null });
  const found: TreeHit[] = [];
  // Each folder with its inode as its parent's listing showed it (the root's: its own).
  const stack: { dir: string; ino: number }[] = [{ dir: '', ino: root.ino }];
  let looked = 0;
  let folders = 0;
  while (stack.length > 0) {
    if (found.length >= limit || looked >= maxLooked) return { found: found.slice(0, limit), looked, truncated: true };
    const { dir, ino } = stack.pop()!;
    let r;
    if (member && dir !== '') {
      // The share's root is what Samba admits the member to; every folder below it is theirs to list, or not read.
      const fd = openListable(root, dir, ino, member);
      if (fd === null) continue;
      try {
        r = read([dir], fd);
      } finally {
        closeSync(fd);
      }
    } else r = read([dir]);
    looked += r.count + r.dirs.length;
    for (const d of r.dirs) {
      if (!fold(baseName(d)).includes(needle)) continue;
      let mtime: string | null = null;
      try {
        const st = root.lstat(d);
        mtime = st ? iso(st.mtimeMs) : null;
      } catch {
        // Swapped for a symlink since it was read: still a name that matched.
      }
      found.push({ name: baseName(d), kind: 'folder', path: d, size: null, mtime });
    }
    for (let i = r.dirs.length - 1; i >= 0; i--) stack.push({ dir: r.dirs[i]!, ino: r.dirInos[i]! });
    for (const e of entriesOf(r.names, r.nums, r.count)) {
      if (fold(baseName(e.rel)).includes(needle))
        found.push({
          name: baseName(e.rel),
          kind: e.kind,
          path: e.rel,
          size: e.kind === 'file' ? e.stat.size : null,
          mtime: iso(e.stat.mtimeMs),
        });
    }
    if (++folders % 64 === 0) await new Promise<void>((res) => setImmediate(res));
  }
  return { found: found.slice(0, limit), looked, truncated: found.length > limit };
}

/** One graduation of a matching name, from the journal. */
interface JournalHit {
  runId: number;
  at: string;
  from: string;
  to: string;
  kind: 'file' | 'symlink';
  size: number;
  mtimeMs: number;
}

/**
 * Graduations (flux → space, moved or found archived) of names that contain the needle, newest first. An ASCII needle
 * is looked for in the rows' text first (SQLite's lower() folds ASCII only); the name itself is always compared here.
 * `visible` (a member's search) passes over every space name the member could not see before anything counts: a row
 * none of whose names they could see is neither looked at nor a hit. Rows read in all stay bounded by maxLooked.
 */
function searchJournal(
  o: SearchOptions,
  needle: string,
  maxLooked: number,
  visible: ((path: string) => boolean) | undefined,
): { hits: JournalHit[]; looked: number; truncated: boolean } {
  const ascii = /^[\u0020-\u007e]*$/.test(needle);
  const sql = `SELECT run_id, kind, srcs, dsts, size, mtime_ms, updated_at FROM graduation_journal
    WHERE src_root = ? AND dst_root = ? AND state IN ('done', 'duplicate')${ascii ? ' AND (instr(lower(srcs), ?) > 0 OR instr(lower(dsts), ?) > 0)' : ''}
    ORDER BY id DESC`;
  const args: string[] = [o.fluxRoot, o.spaceRoot];
  // Names are stored as JSON text: look for the needle as JSON writes it (a quote or backslash is escaped there).
  if (ascii) args.push(JSON.stringify(needle).slice(1, -1), JSON.stringify(needle).slice(1, -1));
  const hits: JournalHit[] = [];
  const seen = new Set<string>();
  let looked = 0;
  let read = 0;
  for (const r of o.db
    .prepare<
      string[],
      {
        run_id: number;
        kind: 'file' | 'symlink';
        srcs: string;
        dsts: string;
        size: number;
        mtime_ms: number;
        updated_at: number;
      }
    >(sql)
    .iterate(...args)) {
    if (++read > maxLooked || hits.length >= o.limit) return { hits, looked, truncated: true };
    const srcs = JSON.parse(r.srcs) as string[];
    const dsts = JSON.parse(r.dsts) as string[];
    const shown = visible ? dsts.map(visible) : null;
    if (shown && !shown.includes(true)) continue;
    looked++;
    for (const [k, to] of dsts.entries()) {
      if (shown && !shown[k]) continue;
      const from = srcs[k] ?? srcs[0]!;
      // A `._name` AppleDouble file travels with its file (and comes back with it): it is not shown on its own.
      if (
        seen.has(to) ||
        baseName(to).startsWith('._') ||
        !(fold(baseName(from)).includes(needle) || fold(baseName(to)).includes(needle))
      )
        continue;
      seen.add(to);
      hits.push({ runId: r.run_id, at: iso(r.updated_at), from, to, kind: r.kind, size: r.size, mtimeMs: r.mtime_ms });
    }
  }
  return { hits: hits.slice(0, o.limit), looked, truncated: hits.length > o.limit };
}

/** A snapshot path as people know it: from the backed-up folder's name down (`space/Projects/x`, not `/srv/disks/space/Projects/x`). */
export function shownInSnapshot(path: string, roots: readonly string[]): string {
  const root = [...roots].sort((a, b) => b.length - a.length).find((r) => path === r || path.startsWith(`${r}/`));
  if (!root || root === '/') return path;
  return `${baseName(root)}${path.slice(root.length)}`;
}

/** Looks for the needle in the newest snapshot of this server, streaming restic's listing and stopping at the limit. */
async function searchSnapshot(
  engine: ResticEngine,
  needle: string,
  limit: number,
  maxLooked: number,
): Promise<{ found: SearchResult[]; looked: number; truncated: boolean }> {
  const matches: {
    name: string;
    path: string;
    kind: SearchResult['kind'];
    size: number | null;
    mtime: string | null;
  }[] = [];
  let looked = 0;
  let truncated = false;
  const snapshot = await engine.ls('latest', null, {
    recursive: true,
    onNode: (n) => {
      if (++looked > maxLooked || matches.length >= limit) {
        truncated = true;
        return false;
      }
      if (fold(n.name).includes(needle))
        matches.push({ name: n.name, path: n.path, kind: n.kind, size: n.size, mtime: n.mtime });
    },
  });
  if (!snapshot) return { found: [], looked, truncated: false };
  const ref = { id: snapshot.id, shortId: snapshot.shortId, time: snapshot.time };
  const found = matches.map((m): SearchResult => ({
    ...m,
    source: 'snapshot',
    where: `in snapshot ${snapshot.shortId} of ${dayOf(snapshot.time)}: ${shownInSnapshot(m.path, snapshot.paths)}`,
    graduated: null,
    snapshot: ref,
    action: m.kind === 'other' ? null : 'restore',
  }));
  return { found, looked, truncated };
}

/** Searches every source; a source that fails says why in its report, and the others still answer. */
export async function whereIs(o: SearchOptions): Promise<SearchReport> {
  const needle = fold(o.q.trim());
  const maxLooked = o.maxLooked ?? 500_000;
  const results: SearchResult[] = [];
  const sources: SearchSourceReport[] = [];
  const inSpace = new Map<string, SearchResult>();

  for (const [source, rootPath, share] of [
    ['flux', o.fluxRoot, o.fluxName],
    ['space', o.spaceRoot, o.spaceName],
  ] as const) {
    if (o.only && !o.only.has(source)) continue;
    let root: RootDir | null = null;
    try {
      root = new RootDir(rootPath);
      // Temp files of graduations and restores are never shown, whatever the excludes say.
      const r = await searchTree(root, needle, [...o.exclude, '.fts-*'], o.limit, maxLooked, o.member);
      for (const f of r.found) {
        const result: SearchResult = {
          ...f,
          source,
          where: `in ${share}: ${f.path}`,
          graduated: null,
          snapshot: null,
          action: source === 'space' && f.kind !== 'other' ? 'bring-back' : null,
        };
        results.push(result);
        if (source === 'space') inSpace.set(f.path, result);
      }
      sources.push({ source, looked: r.looked, truncated: r.truncated, error: null });
    } catch (err) {
      sources.push({
        source,
        looked: 0,
        truncated: false,
        error: `${share} could not be searched: ${(err as Error).message}`,
      });
    } finally {
      root?.close();
    }
  }

  let space: RootDir | null = null;
  const journalToo = !o.only || o.only.has('journal');
  try {
    space = new RootDir(o.spaceRoot);
    // A member hears only of graduations to names they could see in space now.
    const visible = o.member ? visibilityIn(space, o.member) : undefined;
    const j = journalToo ? searchJournal(o, needle, maxLooked, visible) : { hits: [], looked: 0, truncated: false };
    for (const h of j.hits) {
      const graduated = { at: h.at, runId: h.runId, from: h.from, to: h.to };
      const graduatedText = `graduated on ${dayOf(h.at)} from ${o.fluxName}/${h.from}`;
      const listed = inSpace.get(h.to);
      if (listed) {
        listed.graduated = graduated;
        listed.where = `in ${o.spaceName}: ${h.to}, ${graduatedText}`;
        continue;
      }
      let st = null;
      try {
        st = space.lstat(h.to);
      } catch {
        st = null;
      }
      if (st) {
        // Still in space, beyond what the walk returned.
        results.push({
          name: baseName(h.to),
          kind: h.kind,
          path: h.to,
          size: st.size,
          mtime: iso(st.mtimeMs),
          source: 'space',
          where: `in ${o.spaceName}: ${h.to}, ${graduatedText}`,
          graduated,
          snapshot: null,
          action: 'bring-back',
        });
      } else {
        results.push({
          name: baseName(h.to),
          kind: h.kind,
          path: h.to,
          size: h.size,
          mtime: iso(h.mtimeMs),
          source: 'journal',
          where: `${graduatedText} to ${o.spaceName}/${h.to}; it is no longer there`,
          graduated,
          snapshot: null,
          action: null,
        });
      }
    }
    if (journalToo) sources.push({ source: 'journal', looked: j.looked, truncated: j.truncated, error: null });
  } catch (err) {
    if (journalToo)
      sources.push({
        source: 'journal',
        looked: 0,
        truncated: false,
        error: `the graduation journal could not be searched: ${(err as Error).message}`,
      });
  } finally {
    space?.close();
  }

  if ('unavailable' in o.snapshots) {
    sources.push({ source: 'snapshot', looked: 0, truncated: false, error: o.snapshots.unavailable });
  } else {
    try {
      const r = await searchSnapshot(await o.snapshots(), needle, o.limit, maxLooked * 4);
      results.push(...r.found);
      sources.push({ source: 'snapshot', looked: r.looked, truncated: r.truncated, error: null });
    } catch (err) {
      sources.push({
        source: 'snapshot',
        looked: 0,
        truncated: false,
        error: `the newest snapshot could not be searched: ${(err as Error).message}`,
      });
    }
  }
  return { query: o.q, results, sources };
}
