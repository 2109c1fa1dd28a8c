/** `fts-helper token create|list|revoke`: API tokens, shown once, stored hashed. */
import type { Command } from 'commander';
import { ClientSecretId } from '../../contract/index.js';
import { openStore } from '../store/index.js';
import { TOKEN_NAME, TokenError } from '../store/tokens.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

/** Registers `token` and its subcommands. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('create, list and revoke API tokens');

  withConfigOptions(token.command('create <name>').description('make a token and print it once on stdout'))
    .option('--role <role>', 'admin (may change things) or client (reports state, reads)', 'client')
    .option('--client <id>', 'the one client a client token may report state for (its client id, e.g. count-zero)')
    .action((name: string, opts: ConfigOptions & { role: string; client?: string }) => {
      if (!TOKEN_NAME.test(name))
        throw new UsageError(`token name "${name}": use 1-64 letters, digits, dot, dash, underscore or @`);
      if (opts.role !== 'admin' && opts.role !== 'client')
        throw new UsageError(`--role must be admin or client, not "${opts.role}"`);
      if (opts.client !== undefined && opts.role !== 'client')
        throw new UsageError('--client binds a client token; an admin token acts for every client');
      if (opts.client !== undefined) {
        const id = ClientSecretId.safeParse(opts.client);
        if (!id.success) throw new UsageError(`--client "${opts.client}": ${id.error.issues[0]!.message}`);
      }
      const store = openStore(resolveConfig(opts).config.store.path);
      try {
        if (store.tokens.list().some((t) => t.name === name))
          throw new UsageError(`a token named "${name}" exists; revoke it first`);
        let token: string;
        try {
          token = store.tokens.create(name, opts.role, opts.client !== undefined ? { clientId: opts.client } : {});
        } catch (err) {
          if (err instanceof TokenError) throw new UsageError(err.message);
          throw err;
        }
        process.stdout.write(`${token}\n`);
        const scope =
          opts.role === 'admin'
            ? 'admin'
            : opts.client !== undefined
              ? `client ${opts.client}`
              : 'client, bound to no client: it reads but cannot report state';
        process.stderr.write(`token "${name}" (${scope}) created; it is shown only this once\n`);
      } finally {
        store.close();
      }
    });

  withConfigOptions(token.command('list').description('list tokens (names, roles, last use; never the tokens)'))
    .option('--json', 'print JSON')
    .action((opts: ConfigOptions & { json?: boolean }) => {
      const store = openStore(resolveConfig(opts).config.store.path);
      try {
        const list = store.tokens.list();
        if (opts.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('no tokens\n');
        for (const t of list) {
          const used = t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never used';
          process.stdout.write(
            `${t.name.padEnd(24)} ${t.role.padEnd(7)} ${(t.clientId ?? '-').padEnd(24)} created ${new Date(t.createdAt).toISOString()}  ${used}\n`,
          );
        }
      } finally {
        store.close();
      }
    });

  withConfigOptions(token.command('revoke <name>').description('revoke a token by name')).action(
    (name: string, opts: ConfigOptions) => {
      const store = openStore(resolveConfig(opts).config.store.path);
      try {
        if (!store.tokens.revoke(name)) throw new UsageError(`no token named "${name}" (see: fts-helper token list)`);
        process.stdout.write(`token "${name}" revoked\n`);
      } finally {
        store.close();
      }
    },
  );
}
