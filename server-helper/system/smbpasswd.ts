/** Samba's password database through `smbpasswd` (password on stdin, never argv) and `pdbedit` (lookups). */
import { exec, ExecError } from '../../lib/exec.js';

/** Sets a Samba user's password, adding the account when `add` is true (`smbpasswd -c CONF -s [-a] NAME`). */
export async function setSambaPassword(
  smbConf: string,
  user: string,
  password: string,
  opts: { add: boolean },
): Promise<void> {
  if (/[\r\n]/.test(password)) throw new Error('a password cannot contain a line break');
  await exec('smbpasswd', ['-c', smbConf, '-s', ...(opts.add ? ['-a'] : []), '--', user], {
    input: `${password}\n${password}\n`,
    secrets: [password],
    timeoutMs: 30_000,
  });
}

/** Disables (`-d`) or enables (`-e`) a Samba account. */
export async function setSambaUserEnabled(smbConf: string, user: string, enabled: boolean): Promise<void> {
  await exec('smbpasswd', ['-c', smbConf, enabled ? '-e' : '-d', '--', user], { timeoutMs: 30_000 });
}

/** Deletes a Samba account (`smbpasswd -x`). */
export async function deleteSambaUser(smbConf: string, user: string): Promise<void> {
  await exec('smbpasswd', ['-c', smbConf, '-x', '--', user], { timeoutMs: 30_000 });
}

/** Whether the Samba password database has the account (`pdbedit -u NAME` exits 255 when not). */
export async function sambaUserExists(smbConf: string, user: string): Promise<boolean> {
  try {
    await exec('pdbedit', ['-s', smbConf, '-u', user], { timeoutMs: 30_000 });
    return true;
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'exit' && /not found/i.test(err.stderr + err.stdout)) return false;
    throw err;
  }
}

/** The Samba accounts (`pdbedit -L`), by name. */
export async function listSambaUsers(smbConf: string): Promise<string[]> {
  const r = await exec('pdbedit', ['-s', smbConf, '-L'], { timeoutMs: 30_000 });
  return parsePdbeditList(r.stdout);
}

/** Parses `pdbedit -L` output: one `name:uid:full name` line per account. */
export function parsePdbeditList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[^:\s]+:\d+:/.test(l))
    .map((l) => l.slice(0, l.indexOf(':')));
}
