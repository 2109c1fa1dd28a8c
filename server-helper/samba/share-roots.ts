/**
 * The owner, group and mode a share's top folder needs so the household can use it: root owns it, the household's
 * group (`samba.group`) has it, setgid so new files and folders keep that group; 2770 (members read and write), or
 * 2750 on a per-user Time Machine share (members only pass through to their own `NAME` folder, 0700). This is the
 * one definition: install-server.sh (`samba roots --fix`), `drives apply` (a fresh filesystem's root is root:root
 * 0755), `samba apply` (puts it right), and `samba check`, `config check` and `drives check` (report it) use it.
 */
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync } from 'node:fs';
import type { HelperConfig, ShareConfig } from '../config/schema.js';
import { groupId, nameOfId, unixGroupExists } from '../system/unix-users.js';

/** What one share's root must be. */
export interface ShareRootSpec {
  share: string;
  /** The share's index in `shares` (the config key `shares[i].path`). */
  index: number;
  path: string;
  group: string;
  /** With the setgid bit: 0o2770 or 0o2750. */
  mode: number;
}

/** A share root as it is, against what it must be. */
export interface ShareRootState {
  spec: ShareRootSpec;
  /** `root:fts-users 2770` as it is now. */
  now: string;
  /** `root:fts-users 2770` as it must be. */
  want: string;
  /** Null when the root is right; else what is wrong and what that does to the members. */
  problem: string | null;
}

/** A change `fixShareRoots` made (or, on a dry run, would make). */
export interface ShareRootChange {
  path: string;
  from: string;
  to: string;
}

/** 2770, or 2750 for a per-user Time Machine share (pure). */
export function shareRootMode(share: ShareConfig): number {
  return share.timeMachine !== false && share.timeMachine.perUser ? 0o2750 : 0o2770;
}

/** Every share's root spec; none when the config has no household group (the sandbox: plain folders). */
export function shareRootSpecs(config: HelperConfig): ShareRootSpec[] {
  const group = config.samba.group;
  if (!group) return [];
  return config.shares.map((s, index) => ({ share: s.name, index, path: s.path, group, mode: shareRootMode(s) }));
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
/** `OWNER:GROUP MODE`, as ls and the install print it. */
export const describeOwnership = (owner: string, group: string, mode: number) => `${owner}:${group} ${octal(mode)}`;

/**
 * What is wrong with a root (pure): null when uid 0, the group's gid and the spec's mode; else the difference and
 * its effect on the members (cannot write, cannot reach their Time Machine folders, new files lose the group).
 */
export function shareRootProblem(
  spec: ShareRootSpec,
  st: { uid: number; gid: number; mode: number },
  gid: number,
  now: string,
): string | null {
  if (st.uid === 0 && st.gid === gid && (st.mode & 0o7777) === spec.mode) return null;
  const need = spec.mode & 0o070;
  const viaGroup = st.gid === gid && (st.mode & need) === need;
  const viaOthers = (st.mode & (need >> 3)) === need >> 3;
  const effect =
    !viaGroup && !viaOthers
      ? spec.mode === 0o2750
        ? `members of ${spec.group} cannot reach their own Time Machine folders in it`
        : `members of ${spec.group} cannot write in it`
      : (st.mode & 0o2000) === 0 && spec.mode & 0o2000
        ? `new files and folders in it would not keep the group ${spec.group}`
        : `it should be ${describeOwnership('root', spec.group, spec.mode)}`;
  return `${spec.path} is ${now}, so ${effect}`;
}

/** The fix every report names. */
export const SHARE_ROOT_FIX = 'fts-helper samba apply';

/** Opens a root as a directory without following a symlink in its last component (the fd is what gets changed). */
function openRoot(path: string): number | null {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function groupGid(group: string): Promise<number | null> {
  return (await unixGroupExists(group)) ? groupId(group) : null;
}

/** Each existing share root as it is, with what is wrong with it (a missing root is left to the other checks). */
export async function inspectShareRoots(config: HelperConfig): Promise<ShareRootState[]> {
  const specs = shareRootSpecs(config);
  if (specs.length === 0) return [];
  const gid = await groupGid(specs[0]!.group);
  const out: ShareRootState[] = [];
  for (const spec of specs) {
    const fd = openRoot(spec.path);
    if (fd === null) continue;
    let st: { uid: number; gid: number; mode: number };
    try {
      st = fstatSync(fd);
    } finally {
      closeSync(fd);
    }
    const now = describeOwnership(await nameOfId('passwd', st.uid), await nameOfId('group', st.gid), st.mode);
    const want = describeOwnership('root', spec.group, spec.mode);
    const problem =
      gid === null
        ? `${spec.path}: the household group ${spec.group} (samba.group) does not exist: groupadd --system ${spec.group}`
        : shareRootProblem(spec, st, gid, now);
    out.push({ spec, now, want, problem });
  }
  return out;
}

/** One line for a report: the problem and the command that fixes it. */
export const shareRootReport = (s: ShareRootState) => `${s.problem}; ${SHARE_ROOT_FIX} sets it to ${s.want}`;

/**
 * Gives one existing share root its owner, group and mode where they differ (through the open folder, never the
 * path again); nothing inside is touched. Only root may give a folder away: another user changes only the mode of
 * its own folders, and a change it cannot make throws. `dryRun` changes nothing. Null when it was right.
 */
export async function putShareRootRight(
  spec: ShareRootSpec,
  gid: number,
  opts: { dryRun?: boolean } = {},
): Promise<ShareRootChange | null> {
  const fd = openRoot(spec.path);
  if (fd === null) return null;
  try {
    const st = fstatSync(fd);
    if (shareRootProblem(spec, st, gid, '') === null) return null;
    const from = describeOwnership(await nameOfId('passwd', st.uid), await nameOfId('group', st.gid), st.mode);
    const change = { path: spec.path, from, to: describeOwnership('root', spec.group, spec.mode) };
    if (opts.dryRun) return change;
    if (st.uid !== 0 || st.gid !== gid) {
      if (process.getuid?.() !== 0)
        throw new Error(`${spec.path} is ${from}: only root can give it to root:${spec.group} (run with sudo)`);
      fchownSync(fd, 0, gid);
    }
    // After the chown (which may clear set-id bits).
    fchmodSync(fd, spec.mode);
    return change;
  } finally {
    closeSync(fd);
  }
}

/** The household group's gid, or an error naming the fix. */
export async function householdGid(group: string): Promise<number> {
  const gid = await groupGid(group);
  if (gid === null)
    throw new Error(`the household group ${group} (samba.group) does not exist: groupadd --system ${group}`);
  return gid;
}

/** Puts every existing share root right (see putShareRootRight); says what it changed (or would, on a dry run). */
export async function fixShareRoots(config: HelperConfig, opts: { dryRun?: boolean } = {}): Promise<ShareRootChange[]> {
  const specs = shareRootSpecs(config);
  if (specs.length === 0) return [];
  const gid = await householdGid(specs[0]!.group);
  const changes: ShareRootChange[] = [];
  for (const spec of specs) {
    const c = await putShareRootRight(spec, gid, opts);
    if (c) changes.push(c);
  }
  return changes;
}
