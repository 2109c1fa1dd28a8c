/** Errors of the client core that a UI or the CLI turns into a message. */

/** Why a credential could not be had. */
export type CredentialErrorCode =
  'login-required' | 'auth-unreachable' | 'vault-unreachable' | 'secret-missing' | 'malformed';

/** A credential problem; the message never carries the secret. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
  ) {
    super(message);
  }
}
