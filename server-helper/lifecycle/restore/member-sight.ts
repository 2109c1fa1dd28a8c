/**
 * Which paths of flux and space one household member could see over SMB, asked again and again (every event a tray
 * receives, every run it lists): the answers of the folders on the way are kept a few seconds, so a burst of events
 * about the same folders costs a few lstat calls, and a root is opened only when something is not known yet (no fd
 * is held on a drive between questions, so nothing keeps it from being unmounted).
 */
import { RootDir } from '../../system/root-dir.js';
import { visibleTo, type MemberIds } from './member-access.js';

/** How long what a member could see is trusted: a folder closed (chmod 700) shows in the events a few seconds later at most. */
const SIGHT_TTL_MS = 5_000;

/** One member's view of flux and space. */
export class MemberSight {
  private readonly caches = { flux: new Map<string, boolean>(), space: new Map<string, boolean>() };
  private freshUntil = 0;

  constructor(
    private readonly ids: MemberIds,
    /** The roots' paths (real paths: absolute paths in runs and events are compared with them). */
    private readonly roots: { flux: string; space: string },
  ) {}

  /** Whether the member could see a path relative to flux or space in either of them (graduation keeps the same relative path on both sides). */
  sees(rel: string, now = Date.now()): boolean {
    if (now >= this.freshUntil) {
      this.caches.flux.clear();
      this.caches.space.clear();
      this.freshUntil = now + SIGHT_TTL_MS;
    }
    return this.seesIn('space', rel) || this.seesIn('flux', rel);
  }

  /** An absolute path under flux or space as a path relative to it, or null when it is under neither. */
  relative(abs: string): string | null {
    for (const root of [this.roots.space, this.roots.flux])
      if (abs.startsWith(`${root}/`) && abs.length > root.length + 1) return abs.slice(root.length + 1);
    return null;
  }

  private seesIn(side: 'flux' | 'space', rel: string): boolean {
    let root: RootDir | null = null;
    const lazy = {
      lstat: (p: string) => (root ??= new RootDir(this.roots[side])).lstat(p),
    };
    try {
      return visibleTo(lazy, rel, this.ids, this.caches[side]);
    } catch {
      // The root cannot be opened (a drive not mounted): nothing in it is shown.
      return false;
    } finally {
      (root as RootDir | null)?.close();
    }
  }
}
