/** Token binding: a client token may name the one client id it speaks for (`clients pair` makes such tokens). */
import type { Migration } from './db.js';

/** Migrations of the tokens table. */
export const TOKEN_MIGRATIONS: Migration[] = [
  {
    name: '020-token-client',
    sql: `
      ALTER TABLE tokens ADD COLUMN client_id TEXT;
      CREATE INDEX tokens_by_client ON tokens (client_id);
    `,
  },
];
