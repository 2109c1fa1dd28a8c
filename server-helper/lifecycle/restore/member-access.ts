/**
 * A household member's reach in flux and space, as the kernel would judge it for the member's Unix account (the
 * account Samba maps the member's Samba user to): which names they could see over SMB, which files are theirs.
 */
import type { SearchReport, SearchResult } from '../../../contract/index.js';
import { isDirMode, RootDir, type EntryStat } from '../../system/root-dir.js';
import { unixAccess } from '../../system/unix-users.js';

/** Who the kernel takes a member for: uid and every gid. */
export interface MemberIds {
  uid: number;
  gids: number[];
}

/** The uid and gids of a Samba user's Unix account, or null when it has none. */
export async function memberIds(user: string): Promise<MemberIds | null> {
  try {
    return await unixAccess(user);
  } catch {
    return null;
  }
}

/** Whether a folder's mode lets the user do `bits` (4 read, 1 search), by owner, group or other, as the kernel checks. */
function allows(st: EntryStat, who: MemberIds, bits: number): boolean {
  if (who.uid === 0) return true;
  const shift = st.uid === who.uid ? 6 : who.gids.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bits) === bits;
}

/**
 * Whether a member may list a folder (read its names and enter it: read and search bits), as the kernel checks the
 * mode for the member's uid and gids: what a Finder or Explorer window over SMB needs to show what is inside.
 */
export function mayList(st: EntryStat, who: MemberIds): boolean {
  return isDirMode(st.mode) && allows(st, who, 5);
}

/**
 * Whether the user could see a name over SMB by opening folders from the share's root (the root itself is the share
 * Samba admits the member to): every folder on the way must be one they may list, as the search walk requires (a
 * folder they may only pass through hides its names: they could not find them). A folder on the way that is
 * missing, or is not a folder now, hides the name.
 */
export function visibleTo(
  root: Pick<RootDir, 'lstat'>,
  path: string,
  who: MemberIds,
  cache: Map<string, boolean>,
): boolean {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    let ok = cache.get(dir);
    if (ok === undefined) {
      let st: EntryStat | null = null;
      try {
        st = root.lstat(dir);
      } catch {
        st = null;
      }
      ok = st !== null && mayList(st, who);
      cache.set(dir, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/** A member's view of a root: whether a path in it is a name they could see over SMB (folders looked up once). */
export function visibilityIn(root: RootDir, who: MemberIds): (path: string) => boolean {
  const cache = new Map<string, boolean>();
  return (path) => visibleTo(root, path, who, cache);
}

/**
 * The owner (uid) of an entry the member could see over SMB (visibleTo), or null when there is none, it cannot be
 * reached safely, or the member could not see its name: a name in a folder they cannot enter is not there for them.
 */
export function visibleOwnerIn(rootPath: string, path: string, who: MemberIds): number | null {
  let root: RootDir | null = null;
  try {
    root = new RootDir(rootPath);
    return visibleTo(root, path, who, new Map()) ? (root.lstat(path)?.uid ?? null) : null;
  } catch {
    return null;
  } finally {
    root?.close();
  }
}

/**
 * Search results as a member sees them: the names the member could see in a Finder or Explorer window. flux and
 * space are household shares that admit every member (`@group`), so a member sees the others' names there over SMB
 * anyway; a name inside a folder a member closed to the others (mode 0700) is left out, as SMB would hide it. The
 * search itself already walked and counted as the member (SearchOptions.member), so this is a second check; it also
 * keeps "Bring back to flux" only on what the member owns.
 */
export function resultsForMember(
  report: SearchReport,
  who: MemberIds,
  roots: { flux: string; space: string },
  spaceName: string,
): SearchReport {
  const opened: Partial<Record<'flux' | 'space', RootDir>> = {};
  const caches = { flux: new Map<string, boolean>(), space: new Map<string, boolean>() };
  try {
    const rootOf = (side: 'flux' | 'space') => (opened[side] ??= new RootDir(roots[side]));
    const results: SearchResult[] = [];
    for (const r of report.results) {
      // Journal results are paths in space (where the file went); snapshots are not searched for members.
      const side = r.source === 'flux' ? 'flux' : r.source === 'snapshot' ? null : 'space';
      if (side === null || !visibleTo(rootOf(side), r.path, who, caches[side])) continue;
      if (r.action !== 'bring-back') {
        results.push(r);
        continue;
      }
      let owner: number | null = null;
      try {
        owner = rootOf('space').lstat(r.path)?.uid ?? null;
      } catch {
        owner = null;
      }
      results.push(
        owner === who.uid
          ? r
          : {
              ...r,
              action: null,
              where: `${r.where} (it belongs to another member of ${spaceName}: its owner's computer or an admin can bring it back)`,
            },
      );
    }
    // The snapshot is not searched for a member (see the search route): not a source they should hear about.
    return { ...report, results, sources: report.sources.filter((x) => x.source !== 'snapshot') };
  } finally {
    for (const root of Object.values(opened)) root.close();
  }
}
