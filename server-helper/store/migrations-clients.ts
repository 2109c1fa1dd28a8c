/** Client-facing tables: a client token's binding to the one client id it may report for, and its Samba user. */
import type { Migration } from './db.js';

/** Migrations of client tokens (the bound client id; null for admin tokens and read-only client tokens). */
export const CLIENT_MIGRATIONS: Migration[] = [
  {
    name: '020-token-client-id',
    sql: `ALTER TABLE tokens ADD COLUMN client_id TEXT;`,
  },
  {
    // The Samba user the client mounts the shares as (`clients pair --user`): what its tray may bring back is that user's.
    name: '021-token-samba-user',
    sql: `ALTER TABLE tokens ADD COLUMN samba_user TEXT;`,
  },
];
