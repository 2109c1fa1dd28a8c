/** Why a browse, restore, bring-back or search could not be done, each with one line a person can act on. */

/** What went wrong: the snapshot or path does not exist, a path is not a folder or lies outside what was backed up. */
export type RestoreFailureKind = 'not-found' | 'not-a-folder' | 'outside' | 'not-configured' | 'moved' | 'empty';

/** A refusal or failure of a restore-side operation; `message` names what and why, never a secret. */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
  constructor(
    readonly kind: RestoreFailureKind,
    message: string,
  ) {
    super(message);
  }
}
