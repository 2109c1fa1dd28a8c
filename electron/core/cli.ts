/** `fts`: the client's command line (pair, mount, unmount, status, login, logout, credentials, events). Exit 0 ok, 1 failed, 2 bad usage. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { parseDocument } from 'yaml';
import type { ClientShareState, FtsEvent } from '../../contract/index.js';
import { clientSecretNames, decodePairing } from '../../contract/secrets.js';
import { defaultConfigPath, KeychainUnavailableError, openInBrowser } from '../platform/index.js';
import {
  ClientConfigError,
  isPaired,
  loadClientConfig,
  pairingConfig,
  parseClientConfig,
  type ClientConfig,
} from './config.js';
import { ClientCore, CLIENT_VERSION, type ClientDeps } from './client.js';
import { CredentialError } from './errors.js';
import { HelperHttpError, request } from './http.js';
import { NotificationModel } from './notifications.js';
import { SseParser } from '../../contract/sse.js';

/** Exit codes, the same as fts-helper's. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad usage or input: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** This computer is not ready for the command yet (not paired, not signed in): exit 1 with the next step. */
export class NotReady extends Error {
  override readonly name = 'NotReady';
}

/** The next step before pairing (the string `fts-helper clients pair NAME` prints on the server). */
export const NOT_PAIRED =
  'not paired yet: run `fts pair fts1:…` with the pairing string from `fts-helper clients pair NAME` (run on the server)';
/** The next step after pairing, before signing in. */
export const NOT_SIGNED_IN =
  'not signed in: run `fts login` (it reads the server, its token and your Samba credential from Key Vault)';

/** A command that ran but did not succeed: exit 1 after printing its result. */
class Failed extends Error {
  override readonly name = 'Failed';
}

/** What main may be given instead of the real world (tests). */
export interface CliDeps {
  makeCore?: (config: ClientConfig) => ClientCore;
  coreDeps?: ClientDeps;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

interface GlobalOpts {
  config?: string;
}

function shareTable(states: ClientShareState[]): string {
  return states
    .map((s) => {
      const where =
        s.state === 'mounted'
          ? (s.mountPoint ?? '')
          : s.state === 'error'
            ? `${s.errorCode}: ${s.errorMessage ?? ''}`
            : '';
      return `${s.share.padEnd(12)} ${s.state.padEnd(10)} ${where}`.trimEnd();
    })
    .join('\n');
}

/** Builds the program; commands get a ClientCore from the chosen config. */
export function buildProgram(deps: CliDeps = {}): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const err = deps.err ?? ((t: string) => void process.stderr.write(t));
  const program = new Command('fts')
    .description('Flux Time Space client: mount flux, time and space with credentials from Key Vault')
    .version(CLIENT_VERSION)
    .addOption(new Option('--config <file>', 'client configuration file').env('FTS_CONFIG'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: out, writeErr: err })
    .exitOverride();

  const withCore = async <T>(cmd: Command, fn: (core: ClientCore) => Promise<T>): Promise<T> => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const file = g.config ?? defaultConfigPath();
    const config = loadClientConfig(file, { allowMissing: g.config === undefined });
    const core = deps.makeCore ? deps.makeCore(config) : new ClientCore(config, deps.coreDeps);
    try {
      await core.resolveServer();
      return await fn(core);
    } finally {
      await core.close();
    }
  };
  const json = (data: unknown) => out(`${JSON.stringify(data, null, 2)}\n`);
  // Before pairing the server would be a default name and sign-in a placeholder app: say what to do instead.
  const requirePaired = (core: ClientCore) => {
    if (!isPaired(core.config)) throw new NotReady(NOT_PAIRED);
  };
  // Reporting to the helper is best effort from the CLI: mounting must not wait on or fail because of it.
  const report = async (core: ClientCore) => {
    try {
      await Promise.race([core.link().reportState(), new Promise((r) => setTimeout(r, 3000).unref())]);
    } catch {
      /* the tray app's link retries; a CLI run just moves on */
    }
  };

  program
    .command('pair')
    .description(
      'set this computer up from the pairing string `fts-helper clients pair NAME` printed (then run `fts login`)',
    )
    .argument('<pairing>', 'the whole fts1:… line')
    .option('--json', 'print JSON')
    .action(async (text: string, opts: { json?: boolean }, cmd: Command) => {
      let info;
      try {
        info = decodePairing(text);
      } catch (e) {
        throw new UsageError(`pairing: ${(e as Error).message}`);
      }
      const file = cmd.optsWithGlobals<GlobalOpts>().config ?? defaultConfigPath();
      let existing = '';
      try {
        existing = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code}`);
      }
      // The file keeps everything else it says (and its comments); only what pairing decides is set.
      const doc = parseDocument(existing || '{}');
      const paired = pairingConfig(info);
      doc.set('clientId', paired.clientId);
      doc.setIn(['keyVault', 'name'], paired.keyVault!.name);
      if (paired.keyVault!.url) doc.setIn(['keyVault', 'url'], paired.keyVault!.url);
      else doc.deleteIn(['keyVault', 'url']);
      doc.setIn(['auth', 'tenantId'], paired.auth!.tenantId);
      doc.setIn(['auth', 'clientId'], paired.auth!.clientId);
      const updated = doc.toString();
      parseClientConfig(updated, file);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, updated, { mode: 0o600 });
      const names = clientSecretNames(info.clientId);
      if (opts.json) return json({ config: file, clientId: info.clientId, vault: info.vault, secrets: names });
      out(
        `paired as ${info.clientId} with Key Vault ${info.vault}; wrote ${file}\nnext: fts login (reads ${names.helperUrl}, ${names.helperFingerprint}, ${names.helperToken}, ${names.sambaUser})\n`,
      );
    });

  program
    .command('mount')
    .description('mount shares (default: every share configured to mount)')
    .argument('[share...]', 'share names')
    .option('--all', 'every share configured to mount')
    .option('--json', 'print JSON')
    .action(async (shares: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      if (opts.all && shares.length) throw new UsageError('give share names or --all, not both');
      await withCore(cmd, async (core) => {
        for (const s of shares)
          if (!core.config.shares.some((c) => c.name === s))
            throw new UsageError(
              `"${s}" is not a configured share (configured: ${core.config.shares.map((c) => c.name).join(', ')})`,
            );
        requirePaired(core);
        // Without a cached credential or a sign-in there is nothing to mount with, and without the helper's URL
        // the server is only a default name: `fts login` gets both.
        const r = await core.readiness();
        if ((!r.credentialCached && !r.signedIn) || !r.serverKnown) throw new NotReady(NOT_SIGNED_IN);
        const states = await core.mounts.mountAll(shares.length ? shares : undefined);
        await report(core);
        const asked = shares.length ? shares : core.config.shares.filter((s) => s.mount).map((s) => s.name);
        const result = states.filter((s) => asked.includes(s.share));
        if (opts.json) json(result);
        else out(`${shareTable(result)}\n`);
        if (result.some((s) => s.state !== 'mounted')) throw new Failed('some shares are not mounted');
      });
    });

  program
    .command('unmount')
    .description('unmount shares')
    .argument('[share...]', 'share names')
    .option('--all', 'every configured share')
    .option('--json', 'print JSON')
    .action(async (shares: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      if (!opts.all && shares.length === 0) throw new UsageError('name the shares to unmount, or --all');
      if (opts.all && shares.length) throw new UsageError('give share names or --all, not both');
      await withCore(cmd, async (core) => {
        for (const s of shares)
          if (!core.config.shares.some((c) => c.name === s)) throw new UsageError(`"${s}" is not a configured share`);
        const states = await core.mounts.unmount(shares.length ? shares : undefined);
        await report(core);
        const result = states.filter((s) => !shares.length || shares.includes(s.share));
        if (opts.json) json(result);
        else out(`${shareTable(result)}\n`);
        if (result.some((s) => s.state === 'error')) throw new Failed('some shares could not be unmounted');
      });
    });

  program
    .command('status')
    .description('show shares, sign-in and cached credentials')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withCore(cmd, async (core) => {
        const paired = isPaired(core.config);
        const shares = await core.mounts.refresh();
        const credentialCached = await core.credentials.hasCachedSmb();
        let signedIn: string | null = null;
        try {
          signedIn = (await core.msal.account())?.username ?? null;
        } catch {
          signedIn = null;
        }
        const status = {
          clientId: core.clientId,
          paired,
          // Before pairing the server is only a default name; null says it is not known.
          server: paired ? `${core.mounts.serverHost}:${core.config.server.smbPort}` : null,
          helper: await core.knownHelperUrl(),
          signedIn,
          credentialCached,
          shares,
        };
        if (opts.json) return json(status);
        const where = status.server ? `→ ${status.server}` : `: ${NOT_PAIRED}`;
        const next = paired && !signedIn && !credentialCached ? `next: ${NOT_SIGNED_IN}\n` : '';
        out(
          `client ${status.clientId} ${where}\nsigned in: ${signedIn ?? 'no'}; Samba credential cached: ${credentialCached ? 'yes' : 'no'}\n${next}${shareTable(shares)}\n`,
        );
      });
    });

  program
    .command('login')
    .description('sign in with Microsoft Entra ID, then cache the credentials from Key Vault')
    .option('--device-code', 'sign in on another device with a code (no browser here)')
    .action(async (opts: { deviceCode?: boolean }, cmd: Command) => {
      await withCore(cmd, async (core) => {
        requirePaired(core);
        const account = opts.deviceCode
          ? await core.msal.loginDeviceCode((m) => err(`${m}\n`))
          : await core.msal.loginInteractive(openInBrowser);
        out(`signed in as ${account.username}\n`);
        // Everything the pairing put in Key Vault, read once now so mounting works offline from the keychain.
        try {
          await core.credentials.refreshSmb();
          out('Samba credential cached in the keychain\n');
        } catch (e) {
          err(`warning: could not cache the Samba credential: ${(e as Error).message}\n`);
        }
        try {
          const url = core.config.helper.url ?? (await core.credentials.refreshHelperUrl());
          await core.credentials.refreshHelper();
          out(`helper ${url}: token and certificate fingerprint cached in the keychain\n`);
        } catch (e) {
          err(`warning: could not cache the helper's URL, token and fingerprint: ${(e as Error).message}\n`);
        }
      });
    });

  program
    .command('logout')
    .description('sign out and remove every cached credential')
    .action(async (_opts: unknown, cmd: Command) => {
      await withCore(cmd, async (core) => {
        const removed = await core.logout();
        out(`signed out; removed ${removed.length ? removed.join(', ') : 'nothing (nothing was cached)'}\n`);
      });
    });

  const creds = program.command('credentials').description('the credentials cached in the OS keychain');
  creds
    .command('clear')
    .description('remove the cached Samba credential and helper token (the sign-in stays)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withCore(cmd, async (core) => {
        const removed = await core.credentials.clear();
        out(`removed ${removed.length ? removed.join(', ') : 'nothing (nothing was cached)'}\n`);
      });
    });

  program
    .command('events')
    .description('print the helper’s events (replayed from --since), and with --follow keep following')
    .option('--follow', 'keep following new events (Ctrl-C to stop)')
    .option('--since <id>', 'start after this event id', '0')
    .option('--json', 'one JSON event per line')
    .action(async (opts: { follow?: boolean; since: string; json?: boolean }, cmd: Command) => {
      if (!/^\d+$/.test(opts.since)) throw new UsageError('--since takes an event id (a whole number)');
      await withCore(cmd, async (core) => {
        requirePaired(core);
        const r = await core.readiness();
        // The helper's URL and token come from the keychain, else from Key Vault, which needs a sign-in.
        if (!r.signedIn && !(r.helperUrlKnown && r.helperTokenCached)) throw new NotReady(NOT_SIGNED_IN);
        const notes = new NotificationModel();
        const print = (e: FtsEvent) => {
          if (opts.json) return out(`${JSON.stringify(e)}\n`);
          const n = notes.ingest(e);
          out(`${String(e.id).padStart(6)} ${e.ts} ${e.type}${n ? `  ${n.title}` : ''}\n`);
        };
        if (opts.follow) {
          const link = core.link({
            lastEventId: Number(opts.since),
            onEvent: print,
            onStatus: (s) => s.state === 'disconnected' && err(`disconnected: ${s.lastError ?? ''}; retrying\n`),
          });
          link.start();
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          return;
        }
        await replayOnce(core, Number(opts.since), print);
      });
    });

  program.commands.forEach(function inherit(c: Command) {
    c.exitOverride();
    c.configureOutput({ writeOut: out, writeErr: err });
    c.commands.forEach(inherit);
  });
  return program;
}

/** Reads the replay part of the event stream, stopping once it goes quiet. */
async function replayOnce(core: ClientCore, since: number, onEvent: (e: FtsEvent) => void): Promise<void> {
  const ac = new AbortController();
  const res = await core.withHelper(async (ep) => {
    const r = await request(ep, 'GET', '/api/v1/events', {
      headers: { accept: 'text/event-stream', 'last-event-id': String(since) },
      signal: ac.signal,
      timeoutMs: 10_000,
    });
    if (r.statusCode !== 200) {
      r.resume();
      throw new HelperHttpError(r.statusCode ?? 0, `the helper answered ${r.statusCode} to the event stream`);
    }
    return r;
  });
  const parser = new SseParser();
  let quiet: NodeJS.Timeout = setTimeout(() => ac.abort(), 500);
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      clearTimeout(quiet);
      quiet = setTimeout(() => ac.abort(), 300);
      for (const m of parser.push(chunk as string)) {
        try {
          onEvent(JSON.parse(m.data) as FtsEvent);
        } catch {
          /* not an event */
        }
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(quiet);
  }
}

/** Maps an error to a message and exit code. */
export function exitCodeFor(e: unknown): { code: number; message: string | null } {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return { code: EXIT.ok, message: null };
    return { code: EXIT.usage, message: null };
  }
  if (e instanceof UsageError || e instanceof ClientConfigError) return { code: EXIT.usage, message: e.message };
  if (e instanceof Failed) return { code: EXIT.failed, message: null };
  if (e instanceof CredentialError || e instanceof NotReady || e instanceof KeychainUnavailableError)
    return { code: EXIT.failed, message: e.message };
  return { code: EXIT.failed, message: e instanceof Error ? e.message : String(e) };
}

/** Runs `fts` with argv (without node and script) and returns the exit code. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const err = deps.err ?? ((t: string) => void process.stderr.write(t));
  try {
    await buildProgram(deps).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    const { code, message } = exitCodeFor(e);
    if (message) err(`fts: ${message}\n`);
    return code;
  }
}
