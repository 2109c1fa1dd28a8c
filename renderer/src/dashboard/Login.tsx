/** Asks for the helper token (from `fts-helper token create NAME`); it stays in this tab's session storage. */
import { useState } from 'react';
import { ApiCallError, HelperApi } from '../helper-api.js';

/** The sign-in form; calls `onToken` once the helper accepted the token. */
export function Login({ onToken, initialError }: { onToken: (token: string) => void; initialError?: string | null }) {
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="login">
      <h1>Flux Time Space helper</h1>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          const token = String(new FormData(ev.currentTarget).get('token') ?? '').trim();
          if (!token) return setError('Paste a token first.');
          setBusy(true);
          new HelperApi(token)
            .status()
            .then(
              () => onToken(token),
              (e: unknown) =>
                setError(
                  e instanceof ApiCallError && e.status === 401
                    ? 'The helper refused this token (revoked or mistyped).'
                    : `Could not reach the helper: ${String(e)}`,
                ),
            )
            .finally(() => setBusy(false));
        }}
      >
        <label htmlFor="token">Access token</label>
        <p id="token-help" className="muted small">
          Create one on the server with <code>fts-helper token create NAME --role admin</code>.
        </p>
        <input id="token" name="token" type="password" autoComplete="off" aria-describedby="token-help" required />
        <button type="submit" className="btn" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
