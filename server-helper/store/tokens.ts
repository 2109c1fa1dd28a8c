/** API tokens: made once, shown once, stored only as a SHA-256 hash. */
import { createHash, randomBytes } from 'node:crypto';
import { ClientSecretId, type Role } from '../../contract/index.js';
import { SambaSecretUser } from '../../contract/secrets.js';
import type { Db } from './db.js';

/** Who a valid token speaks for: its name, role, and for a client token the one client id it may report for. */
export interface Principal {
  name: string;
  role: Role;
  /** A client token's client (null: an admin token, or a client token that may read but report for no client). */
  clientId: string | null;
  /** The Samba user a paired client mounts the shares as (null: not recorded, e.g. a token made by `token create`). */
  sambaUser: string | null;
}

/** A token as listed: never the token itself. */
export interface TokenInfo {
  name: string;
  role: Role;
  clientId: string | null;
  sambaUser: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A token that cannot be made as asked (bad name, bad client id, a name taken); the message names the fix. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** How long a verified token is trusted without a new lookup: the most a revocation by another process waits. */
export const VERIFY_TTL_MS = 2_000;

/** Token names are what `token revoke` takes. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Hashes a token for storage and lookup. Tokens carry 256 random bits, so a fast hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Reads and writes the tokens table. */
export class TokenStore {
  private readonly byHash;
  private readonly touch;
  private readonly lastTouched = new Map<string, number>();
  /** Recently verified tokens, so a busy client costs one lookup per TTL rather than one per request. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly db: Db) {
    this.byHash = db.prepare<
      [string],
      { name: string; role: Role; client_id: string | null; samba_user: string | null }
    >('SELECT name, role, client_id, samba_user FROM tokens WHERE hash = ?');
    this.touch = db.prepare<[number, string]>('UPDATE tokens SET last_used_at = ? WHERE hash = ?');
  }

  /**
   * Makes a new token; the returned string is the only time it exists in clear. A client token made with a
   * client id may report state for that client only; without one it may read but report for no client. `sambaUser`
   * (a bound client token only) records the Samba user the client mounts as: its tray may bring back that user's files.
   */
  create(name: string, role: Role, opts: { clientId?: string; sambaUser?: string } = {}): string {
    if (!TOKEN_NAME.test(name))
      throw new TokenError(`token name "${name}" must be 1-64 letters, digits, dot, dash, underscore or @`);
    let clientId: string | null = null;
    if (opts.clientId !== undefined) {
      if (role !== 'client')
        throw new TokenError('only a client token is bound to a client id (admin tokens may act for every client)');
      const parsed = ClientSecretId.safeParse(opts.clientId);
      if (!parsed.success) throw new TokenError(`client id "${opts.clientId}": ${parsed.error.issues[0]!.message}`);
      clientId = parsed.data;
    }
    let sambaUser: string | null = null;
    if (opts.sambaUser !== undefined) {
      if (clientId === null) throw new TokenError('only a token bound to a client records the Samba user it mounts as');
      const parsed = SambaSecretUser.safeParse(opts.sambaUser);
      if (!parsed.success) throw new TokenError(`Samba user "${opts.sambaUser}": ${parsed.error.issues[0]!.message}`);
      sambaUser = parsed.data;
    }
    const token = `fts_${randomBytes(32).toString('base64url')}`;
    try {
      this.db
        .prepare('INSERT INTO tokens (name, hash, role, client_id, samba_user, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(name, hashToken(token), role, clientId, sambaUser, Date.now());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw new TokenError(`a token named "${name}" exists; revoke it first`);
      throw err;
    }
    return token;
  }

  /** Every token's name, role and use. */
  list(): TokenInfo[] {
    return this.db
      .prepare<
        [],
        {
          name: string;
          role: Role;
          client_id: string | null;
          samba_user: string | null;
          created_at: number;
          last_used_at: number | null;
        }
      >('SELECT name, role, client_id, samba_user, created_at, last_used_at FROM tokens ORDER BY name')
      .all()
      .map((r) => ({
        name: r.name,
        role: r.role,
        clientId: r.client_id,
        sambaUser: r.samba_user,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
  }

  /** The names of the tokens bound to a client id (`clients pair` replaces and `unpair` revokes them). */
  boundTo(clientId: string): string[] {
    return this.db
      .prepare<[string], string>('SELECT name FROM tokens WHERE client_id = ? ORDER BY name')
      .pluck()
      .all(clientId);
  }

  /** Removes a token; false when there was none by that name. Another process's cache forgets it within VERIFY_TTL_MS. */
  revoke(name: string): boolean {
    for (const [hash, v] of this.verified) if (v.principal.name === name) this.verified.delete(hash);
    return this.db.prepare('DELETE FROM tokens WHERE name = ?').run(name).changes > 0;
  }

  /** Who the token speaks for when it is valid, else null. Records use at most once a minute per token. */
  verify(token: string): Principal | null {
    const now = Date.now();
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = this.byHash.get(hash);
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    if (this.verified.size > 10_000) this.verified.clear();
    const principal: Principal = {
      name: row.name,
      role: row.role,
      clientId: row.client_id,
      sambaUser: row.samba_user,
    };
    this.verified.set(hash, { principal, until: now + VERIFY_TTL_MS });
    if (now - (this.lastTouched.get(hash) ?? 0) > 60_000) {
      this.lastTouched.set(hash, now);
      this.touch.run(now, hash);
    }
    return principal;
  }
}
