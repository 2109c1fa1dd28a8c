/** What the three mounters share: turning an ExecError into a MountError without leaking a secret. */
import { ExecError, redact } from '../../lib/exec.js';
import type { MountErrorCode } from '../../contract/index.js';
import { MountError, type MountTarget } from './types.js';

/** Maps a failed command to a MountError; `classify` reads the OS-specific text. */
export function toMountError(
  err: unknown,
  target: MountTarget,
  secrets: string[],
  classify: (stdout: string, stderr: string) => MountErrorCode,
): MountError {
  if (err instanceof MountError) return err;
  if (err instanceof ExecError) {
    if (err.failure === 'timeout' || err.failure === 'aborted')
      return new MountError('timeout', `mounting ${target.share} did not finish in time`, redact(err.stderr, secrets));
    if (err.failure === 'not-found') return new MountError('unknown', err.message);
    const code = classify(err.stdout, err.stderr);
    const detail = redact(err.stderr.trim(), secrets).slice(0, 2000);
    return new MountError(code, messageFor(code, target, detail), detail);
  }
  return new MountError('unknown', redact((err as Error)?.message ?? String(err), secrets));
}

/** A sentence a person can act on, per error code. */
export function messageFor(code: MountErrorCode, t: MountTarget, detail = ''): string {
  switch (code) {
    case 'server-unreachable':
      return `${t.host} does not answer on port ${t.port}`;
    case 'credentials-rejected':
      return `${t.host} refused the user name or password for ${t.share}`;
    case 'share-missing':
      return `${t.host} has no share named ${t.share}`;
    case 'drive-letter-taken':
      return `the drive letter ${t.driveLetter ?? ''} for ${t.share} is in use`;
    case 'timeout':
      return `mounting ${t.share} did not finish in time`;
    default:
      return `mounting ${t.share} failed${detail ? `: ${detail.split('\n')[0]}` : ''}`;
  }
}

/** The SMB URL of a share (port only when not 445). */
export function smbUrl(t: MountTarget): string {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  return `smb://${host}${t.port === 445 ? '' : `:${t.port}`}/${encodeURIComponent(t.share)}`;
}

/** Refuses a credential that would break a line-based stdin protocol. */
export function assertSingleLine(value: string, what: string): void {
  if (/[\r\n\0]/.test(value))
    throw new MountError('credentials-rejected', `the ${what} contains a line break, which SMB clients cannot take`);
}
