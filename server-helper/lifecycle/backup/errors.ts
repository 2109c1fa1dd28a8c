/** Failures of backup operations, each with one line a person can act on. */
import type { ResticFailureKind } from './parse-restic.js';

/** Why a backup operation failed. */
export type BackupFailureKind =
  ResticFailureKind | 'not-configured' | 'not-mounted' | 'secrets' | 'check-failed' | 'cancelled' | 'rclone';

/** A backup operation that failed; `message` is the one-line reason and never carries a secret. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly kind: BackupFailureKind,
    message: string,
    /** For `locked`: who holds the lock, as restic named it. */
    readonly lock?: { pid: number; host: string },
  ) {
    super(message);
  }
}
