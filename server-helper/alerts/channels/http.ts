/** One HTTP POST for the ntfy, webhook and dead-man channels: a timeout, a clear error, and no secret in it. */
import type { SecretRef } from '../../config/alerts-schema.js';
import { redact, type AlertSecrets } from '../secrets.js';
import { DeliveryError } from './sender.js';

/** A URL from the config, or read from a secret. */
export async function resolveUrl(url: string | SecretRef, field: string, secrets: AlertSecrets): Promise<string> {
  if (typeof url === 'string') return url;
  const value = (await secrets.read(url, field)).trim();
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new DeliveryError(`${field}: the secret does not hold a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new DeliveryError(`${field}: the secret's URL is not http(s)`);
  return value;
}

/** How a URL from the config is shown: scheme, host and port only (a topic or ping id in the path works as a password). */
export function urlTarget(url: string | SecretRef): string {
  if (typeof url !== 'string')
    return 'file' in url ? `(URL in ${url.file})` : `(URL in Key Vault secret ${url.keyVault})`;
  return new URL(url).origin;
}

/** The request to make. */
export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Values to keep out of any error message (tokens); the URL's path and query are always kept out (an ntfy topic, a ping id or a hook token is a password). */
  secrets: string[];
  timeoutMs: number;
  signal: AbortSignal;
}

/** POSTs and resolves on a 2xx answer; throws DeliveryError with the status or the network error, secrets removed. */
export async function post(req: PostRequest): Promise<void> {
  const where = new URL(req.url).origin;
  const secrets = [...req.secrets, req.url];
  const timeout = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      body: req.body,
      headers: req.headers,
      signal: AbortSignal.any([req.signal, timeout]),
      redirect: 'error',
    });
  } catch (err) {
    if (timeout.aborted)
      throw new DeliveryError(
        `${where} did not answer within ${req.timeoutMs < 1000 ? `${req.timeoutMs} ms` : `${Math.round(req.timeoutMs / 1000)} s`}`,
      );
    if (req.signal.aborted) throw new DeliveryError(`sending to ${where} was stopped`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DeliveryError(
      redact(`could not reach ${where}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, secrets),
    );
  }
  // Read the answer even when it is not used, so the connection is released.
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new DeliveryError(
    redact(
      `${where} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`,
      secrets,
    ),
  );
}
