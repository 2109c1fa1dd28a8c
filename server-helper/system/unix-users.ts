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
