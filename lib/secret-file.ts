/**
 * Why a 0600 secret file the config names cannot be used yet, in the words both `config check` and the commands
 * that read the file (backup, restore, Key Vault's credential) print: what is wrong and the command that fixes it.
 */
import { statSync } from 'node:fs';

/** What is wrong with the secret file at PATH (missing, not a file, empty, readable by others), or null when it is usable. */
export function secretFileProblem(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `${path} does not exist yet: put the value in it and chmod 600 ${path}`;
  }
  if (!st.isFile()) return `${path} is not a file`;
  if (st.size === 0) return `${path} is empty: put the value in it`;
  if ((st.mode & 0o077) !== 0)
    return `${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`;
  return null;
}
