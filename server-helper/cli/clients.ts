/** `fts-helper clients pair|unpair`: a Mac or PC paired in one step, through Key Vault. */
import type { Command } from 'commander';
import { PairingRequestError, pairClient, unpairClient } from '../clients/pairing.js';
import type { HelperConfig } from '../config/schema.js';
import { openStore } from '../store/index.js';
import type { SecretWriter } from '../system/keyvault.js';
import { sambaUserExists } from '../system/smbpasswd.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

/** The vault the helper writes clients' secrets to; refuses (exit 2) a config without a credential, naming the key. */
export async function requireVault(config: HelperConfig): Promise<SecretWriter> {
  const { canWriteSecrets, keyVaultSecrets } = await import('../system/keyvault.js');
  if (!config.keyVault)
    throw new UsageError('keyVault: not configured (name, tenantId, clientId and clientSecretFile or certificateFile)');
  if (!canWriteSecrets(config.keyVault))
    throw new UsageError(
      'keyVault.tenantId, keyVault.clientId and keyVault.clientSecretFile (or certificateFile) are needed to write to Key Vault',
    );
  return keyVaultSecrets(config.keyVault);
}

async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PairingRequestError) throw new UsageError(err.message);
    throw err;
  }
}

/** Registers `clients` and its subcommands. */
export function registerClients(program: Command): void {
  const clients = program.command('clients').description('pair and unpair the Macs and PCs that use the shares');

  withConfigOptions(
    clients
      .command('pair <name>')
      .description(
        'make a token bound to the client, write its settings to Key Vault, print the pairing string to paste on it',
      ),
  )
    .option('--user <sambaUser>', 'the Samba user the client mounts the shares as')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: ConfigOptions & { user?: string; json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const { ensureTls } = await import('../tls.js');
      const vault = await requireVault(config);
      // The running daemon serves the certificate: pairing never replaces it, it only says when names are missing.
      const tls = await ensureTls(config, { renew: false });
      const fingerprint = tls?.fingerprint ?? null;
      if (tls?.missing.length)
        process.stderr.write(
          `note: the API certificate does not name ${tls.missing.join(', ')}: restart fts-helper (it makes a new certificate), then pair again so clients pin it\n`,
        );
      const store = openStore(config.store.path);
      try {
        const o = await asUsage(() =>
          pairClient(
            config,
            name,
            { sambaUser: opts.user },
            {
              tokens: store.tokens,
              vault,
              fingerprint,
              sambaUserExists: (u) => sambaUserExists(config.samba.smbConf, u),
            },
          ),
        );
        if (opts.json)
          return printJson({
            ...o.info,
            token: o.tokenName,
            sambaUser: o.sambaUser,
            secrets: o.secrets,
            replaced: o.replaced,
            pairing: o.pairing,
            notes: o.notes,
          });
        const out = process.stdout;
        out.write(
          `paired ${o.clientId}: token "${o.tokenName}"${o.sambaUser ? `, Samba user ${o.sambaUser}` : ''}${o.replaced.length ? ` (replaces ${o.replaced.join(', ')})` : ''}\n`,
        );
        out.write(`Key Vault ${o.info.vault}: ${o.secrets.join(', ')}\n\n`);
        out.write(
          `On ${o.clientId}, paste this into Flux Time Space (first start, or Settings → Pair):\n\n  ${o.pairing}\n\n`,
        );
        out.write(
          `(it holds vault ${o.info.vault}, tenant ${o.info.tenant}, app ${o.info.appId}${o.info.vaultUrl ? `, vault URL ${o.info.vaultUrl}` : ''} and client ${o.clientId})\n`,
        );
        for (const n of o.notes) process.stderr.write(`note: ${n}\n`);
      } finally {
        store.close();
      }
    });

  withConfigOptions(
    clients.command('unpair <name>').description("revoke the client's token and delete its secrets from Key Vault"),
  )
    .option('--json', 'print JSON')
    .action(async (name: string, opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const vault = await requireVault(config);
      const store = openStore(config.store.path);
      try {
        const o = await asUsage(() => unpairClient(name, { tokens: store.tokens, vault }));
        if (opts.json) return printJson(o);
        process.stdout.write(
          `unpaired ${o.clientId}: revoked ${o.revoked.join(', ') || 'no token'}; deleted ${o.deleted.join(', ') || 'no secret'}\n`,
        );
      } finally {
        store.close();
      }
    });
}
