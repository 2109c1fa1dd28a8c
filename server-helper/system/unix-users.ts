/** Unix accounts behind Samba users: created without a home or login shell, looked up with `id`. */
import { exec, ExecError } from '../../lib/exec.js';

/** Whether a Unix user exists. */
export async function unixUserExists(name: string): Promise<boolean> {
  try {
    await exec('id', ['-u', '--', name], { timeoutMs: 10_000 });
    return true;
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'exit') return false;
    throw err;
  }
}

/** Creates a system-less Unix user with no home directory and no login shell. */
export async function createUnixUser(name: string): Promise<void> {
  await exec('useradd', ['-M', '-s', '/usr/sbin/nologin', '--', name], { timeoutMs: 30_000 });
}

/** Deletes a Unix user (its files stay). */
export async function deleteUnixUser(name: string): Promise<void> {
  await exec('userdel', ['--', name], { timeoutMs: 30_000 });
}

/** Whether a Unix group exists (`getent group`). */
export async function unixGroupExists(name: string): Promise<boolean> {
  try {
    await exec('getent', ['group', '--', name], { timeoutMs: 10_000 });
    return true;
  } catch (err) {
    // getent exits 2 when the key is not found.
    if (err instanceof ExecError && err.failure === 'exit') return false;
    throw err;
  }
}

/** Creates a system group. */
export async function createUnixGroup(name: string): Promise<void> {
  await exec('groupadd', ['--system', '--', name], { timeoutMs: 30_000 });
}

/** The names of the groups a user is in (`id -nG`), primary first. */
export async function groupsOf(user: string): Promise<string[]> {
  const r = await exec('id', ['-nG', '--', user], { timeoutMs: 10_000 });
  return parseGroupList(r.stdout);
}

/** Parses `id -nG` output: group names separated by spaces. */
export function parseGroupList(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** Adds a user to a supplementary group (`usermod -a -G`). */
export async function addUserToGroup(user: string, group: string): Promise<void> {
  await exec('usermod', ['-a', '-G', group, '--', user], { timeoutMs: 30_000 });
}

/** Removes a user from a supplementary group (`gpasswd -d`). */
export async function removeUserFromGroup(user: string, group: string): Promise<void> {
  await exec('gpasswd', ['-d', user, group], { timeoutMs: 30_000 });
}

/** A user's uid and primary gid (`id -u`, `id -g`). */
export async function unixIds(user: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([
    exec('id', ['-u', '--', user], { timeoutMs: 10_000 }),
    exec('id', ['-g', '--', user], { timeoutMs: 10_000 }),
  ]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** A user's uid and every gid it has, primary first (`id -u`, `id -G`): what the kernel checks its access with. */
export async function unixAccess(user: string): Promise<{ uid: number; gids: number[] }> {
  const [u, g] = await Promise.all([
    exec('id', ['-u', '--', user], { timeoutMs: 10_000 }),
    exec('id', ['-G', '--', user], { timeoutMs: 10_000 }),
  ]);
  return { uid: Number(u.stdout.trim()), gids: parseGroupList(g.stdout).map(Number) };
}

/** A group's gid (`getent group`). */
export async function groupId(group: string): Promise<number> {
  const r = await exec('getent', ['group', '--', group], { timeoutMs: 10_000 });
  return Number(r.stdout.split(':')[2]);
}

/** The members of a group as /etc/group lists them (`getent group`; not users whose primary group it is). */
export async function groupMembers(group: string): Promise<string[]> {
  const r = await exec('getent', ['group', '--', group], { timeoutMs: 10_000 });
  return (r.stdout.trim().split(':')[3] ?? '').split(',').filter(Boolean);
}

/** The name of a uid or gid (`getent passwd|group ID`), or the number as text when the database has none. */
export async function nameOfId(db: 'passwd' | 'group', id: number): Promise<string> {
  try {
    const r = await exec('getent', [db, String(id)], { timeoutMs: 10_000 });
    return r.stdout.split(':')[0] || String(id);
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'exit') return String(id);
    throw err;
  }
}
