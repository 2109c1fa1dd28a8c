/** `fts-helper samba render|check|apply|users|sessions`: the managed Samba configuration and its users. */
import type { Command } from 'commander';
import type { HelperConfig } from '../config/schema.js';
import { applySamba, checkCandidate, planSamba, realSambaSystem, SambaApplyError } from '../samba/apply.js';
import { renderInclude } from '../samba/render.js';
import { fixShareRoots, inspectShareRoots, shareRootReport, type ShareRootChange } from '../samba/share-roots.js';
import {
  addUser,
  changePassword,
  disableUser,
  ensureMembership,
  removeUser,
  UserRequestError,
  type PasswordOutcome,
} from '../samba/users.js';
import { listSambaUsers } from '../system/smbpasswd.js';
import { SambaValidationError, validateSamba } from '../samba/validate.js';
import { publishShareChange } from '../samba/events.js';
import { sambaSessions } from '../samba/sessions.js';
import type { SecretWriter } from '../system/keyvault.js';
import { openStore } from '../store/index.js';
import { EventBus } from '../runs/bus.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { passwordFor, type PasswordFlags } from './password-input.js';

/** Turns the Samba layer's refusals into exit 2 with the field named. */
async function asUsage<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SambaValidationError) throw new UsageError(`invalid Samba configuration: ${err.message}`);
    if (err instanceof UserRequestError) throw new UsageError(err.message);
    throw err;
  }
}

/** The vault the server writes passwords to, or null when the config gives it no credential. */
export async function vaultFor(config: HelperConfig): Promise<SecretWriter | null> {
  // Loaded on demand: the Azure SDK and MSAL take a while to import, and most commands never need them.
  const { canWriteSecrets, keyVaultSecrets } = await import('../system/keyvault.js');
  if (!canWriteSecrets(config.keyVault)) {
    if (config.keyVault)
      process.stderr.write(
        'note: keyVault has no tenantId/clientId/credential file, so the password is not stored in Key Vault\n',
      );
    return null;
  }
  return keyVaultSecrets(config.keyVault);
}

function reportPassword(o: PasswordOutcome, verb: string): void {
  if (o.createdUnixUser) process.stderr.write(`created Unix user ${o.user} (no home, no login shell)\n`);
  if (o.addedToGroup) process.stderr.write(`added ${o.user} to the household group ${o.addedToGroup}\n`);
  for (const f of o.createdFolders) process.stderr.write(`made ${f} (${o.user}'s own Time Machine folder, 0700)\n`);
  if (o.storedIn)
    process.stderr.write(`${verb} Samba user ${o.user}; the password is in Key Vault secret "${o.storedIn}"\n`);
  else process.stderr.write(`${verb} Samba user ${o.user}\n`);
  // A generated password is shown only when nothing else keeps it, and said to be one.
  if (o.generated && !o.storedIn) {
    process.stderr.write(
      `generated a new password for ${o.user}; it is shown once, below, and kept nowhere else: give it to ${o.user} now\n`,
    );
    process.stdout.write(`${o.generated}\n`);
  } else if (o.generated) process.stderr.write(`generated a new password for ${o.user}\n`);
}

/** A share-root change for a terminal. */
function describeRootChange(c: ShareRootChange, dryRun: boolean): string {
  return `${dryRun ? 'would set' : 'set'} ${c.path} to ${c.to} (${dryRun ? 'it is' : 'was'} ${c.from})`;
}

/** Registers `samba` and its subcommands. */
export function registerSamba(program: Command): void {
  const samba = program.command('samba').description('the managed Samba shares, users and sessions');

  withConfigOptions(
    samba.command('render').description('print the managed include file rendered from the config'),
  ).action(async (opts: ConfigOptions) => {
    const { config } = resolveConfig(opts);
    await asUsage(() => validateSamba(config, realSambaSystem().realpath));
    process.stdout.write(renderInclude(config));
  });

  withConfigOptions(
    samba
      .command('check')
      .description(
        'render, run testparm -s on the result (unknown parameters fail too) and check smbd has the VFS modules it names',
      ),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const sys = realSambaSystem();
      const result = await asUsage(async () => checkCandidate(planSamba(config, sys), sys));
      // A share members cannot write is as broken as one smbd refuses (a disk mounted over the install's folder).
      const roots = (await inspectShareRoots(config)).filter((r) => r.problem).map(shareRootReport);
      if (opts.json)
        printJson({
          ok: result.ok && roots.length === 0,
          problems: [...result.problems, ...roots],
          unknownParameters: result.unknownParameters,
          warnings: result.warnings,
        });
      else {
        process.stdout.write(
          result.ok
            ? 'testparm accepts the rendered configuration and smbd has its VFS modules\n'
            : `refused:\n${result.problems.map((p) => `  ${p}\n`).join('')}`,
        );
        if (roots.length) process.stdout.write(`share folders:\n${roots.map((p) => `  ${p}\n`).join('')}`);
        for (const w of result.warnings) process.stderr.write(`testparm: ${w}\n`);
      }
      if (!result.ok || roots.length) process.exitCode = 1;
    });

  withConfigOptions(
    samba
      .command('roots')
      .description(
        "each share's top folder: root-owned, the household's group, 2770 (2750 for per-user Time Machine); --fix puts it right",
      ),
  )
    .option('--fix', 'set owner, group and mode where they differ (what samba apply does too)')
    .option('--dry-run', 'with --fix: say what would change, change nothing')
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { fix?: boolean; dryRun?: boolean; json?: boolean }) => {
      const { config } = resolveConfig(opts);
      if (opts.fix) {
        const changes = await fixShareRoots(config, { dryRun: opts.dryRun });
        if (opts.json) return printJson({ dryRun: !!opts.dryRun, changes });
        for (const c of changes) process.stdout.write(`${describeRootChange(c, !!opts.dryRun)}\n`);
        return;
      }
      const roots = await inspectShareRoots(config);
      if (opts.json) return printJson(roots);
      for (const r of roots) process.stdout.write(r.problem ? `${shareRootReport(r)}\n` : `${r.spec.path}: ${r.now}\n`);
      if (roots.some((r) => r.problem)) process.exitCode = 1;
    });

  withConfigOptions(
    samba
      .command('apply')
      .description('write the include file and smb.conf include line, reload smbd, verify; roll back on failure'),
  )
    .option('--dry-run', 'show the diff and check it, write nothing')
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { dryRun?: boolean; json?: boolean }) => {
      const { config } = resolveConfig(opts);
      try {
        const r = await asUsage(() => applySamba(config, realSambaSystem(), { dryRun: opts.dryRun }));
        if (r.changed && !r.dryRun) {
          const store = openStore(config.store.path);
          try {
            publishShareChange(new EventBus(store.events), r, 'apply from the command line');
          } finally {
            store.close();
          }
        }
        // The share folders too: a disk mounted over the install's folder brings root:root 0755.
        const roots = await fixShareRoots(config, { dryRun: opts.dryRun });
        // Accounts made before the household group or per-user Time Machine existed get them now.
        if (!opts.dryRun) {
          for (const user of await listSambaUsers(config.samba.smbConf)) {
            const m = await ensureMembership(config, user).catch((err: Error) => {
              process.stderr.write(`warning: ${user}: ${err.message}\n`);
              return null;
            });
            if (m?.addedToGroup) process.stderr.write(`added ${user} to the household group ${m.addedToGroup}\n`);
            for (const f of m?.createdFolders ?? [])
              process.stderr.write(`made ${f} (${user}'s own Time Machine folder, 0700)\n`);
          }
        }
        if (opts.json) return printJson({ ...r, roots });
        for (const w of r.warnings) process.stderr.write(`testparm: ${w}\n`);
        for (const c of roots) process.stdout.write(`${describeRootChange(c, !!r.dryRun)}\n`);
        if (!r.changed) return void process.stdout.write('Samba configuration is up to date; nothing written\n');
        process.stdout.write(r.diff);
        process.stdout.write(
          r.dryRun
            ? 'dry run: testparm accepts it; nothing written\n'
            : `applied and reloaded: ${r.written.join(', ')}\n`,
        );
      } catch (err) {
        if (err instanceof SambaApplyError) {
          process.exitCode = 1;
          if (opts.json)
            return printJson({
              error: 'apply-failed',
              stage: err.stage,
              rolledBack: err.rolledBack,
              message: err.message,
              problems: err.problems,
            });
        }
        throw err;
      }
    });

  const users = samba
    .command('users')
    .description(
      'Samba users: add, passwd, disable, remove (passwords typed at a prompt, piped on stdin, or generated)',
    );
  withConfigOptions(
    users.command('add <name>').description('create the Unix user if missing (no login shell) and the Samba account'),
  )
    .option('--password-stdin', 'read the password from piped stdin (at a terminal it is asked for, hidden)')
    .option('--generate', 'generate a random password (also the default when stdin is not a terminal)')
    .option('--json', 'print JSON (the generated password is included only when nothing else stores it)')
    .action(async (name: string, opts: ConfigOptions & PasswordFlags & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const password = await passwordFor(name, opts);
      const vault = await vaultFor(config);
      const o = await asUsage(() => addUser(config, name, { password, vault }));
      if (opts.json)
        return printJson({
          user: o.user,
          createdUnixUser: o.createdUnixUser,
          addedToGroup: o.addedToGroup,
          createdFolders: o.createdFolders,
          storedIn: o.storedIn,
          ...(o.generated && !o.storedIn ? { password: o.generated } : {}),
        });
      reportPassword(o, 'added');
    });
  withConfigOptions(
    users.command('passwd <name>').description('rotate the password: Key Vault first (when configured), then Samba'),
  )
    .option('--password-stdin', 'read the new password from piped stdin (at a terminal it is asked for, hidden)')
    .option('--generate', 'generate a random password (also the default when stdin is not a terminal)')
    .option('--json', 'print JSON (the generated password is included only when nothing else stores it)')
    .action(async (name: string, opts: ConfigOptions & PasswordFlags & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const password = await passwordFor(name, opts);
      const vault = await vaultFor(config);
      const o = await asUsage(() => changePassword(config, name, { password, vault }));
      if (opts.json)
        return printJson({
          user: o.user,
          storedIn: o.storedIn,
          ...(o.generated && !o.storedIn ? { password: o.generated } : {}),
        });
      reportPassword(o, 'changed the password of');
    });
  withConfigOptions(users.command('disable <name>').description('keep the account but refuse its logins')).action(
    async (name: string, opts: ConfigOptions) => {
      const { config } = resolveConfig(opts);
      await asUsage(() => disableUser(config, name));
      process.stdout.write(`disabled Samba user ${name}\n`);
    },
  );
  withConfigOptions(users.command('remove <name>').description('delete the Samba account'))
    .option('--unix-user', 'delete the Unix user too (its files stay)')
    .action(async (name: string, opts: ConfigOptions & { unixUser?: boolean }) => {
      const { config } = resolveConfig(opts);
      await asUsage(() => removeUser(config, name, { unixUser: opts.unixUser }));
      process.stdout.write(`removed Samba user ${name}${opts.unixUser ? ' and its Unix user' : ''}\n`);
    });

  withConfigOptions(samba.command('sessions').description('who is connected and which files are open (smbstatus)'))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const st = await sambaSessions(config);
      if (opts.json) return printJson(st);
      if (st.sessions.length === 0) process.stdout.write('no sessions\n');
      for (const s of st.sessions)
        process.stdout.write(
          `${s.user.padEnd(16)} ${s.remoteMachine.padEnd(20)} ${s.dialect.padEnd(8)} ${s.shares.join(', ')}\n`,
        );
      if (st.openFiles.length) process.stdout.write('\nOpen files:\n');
      for (const f of st.openFiles)
        process.stdout.write(`  ${f.path}${f.share ? `  (${f.share})` : ''}  ${f.access}\n`);
    });
}
