/**
 * What the tray asks the helper about this computer's files and backups: its own Mac's Time Machine backups, "Where
 * is my file?" in the shares it has, and "Bring back to flux". The helper scopes each answer to this client's token
 * (its own Mac, its shares, its Samba user's files); a refusal comes back as the helper's message.
 */
import { routes } from '../../contract/api.js';
import type { TrayTimeMachine } from '../../contract/ipc.js';
import { ActionStarted, SearchReport } from '../../contract/restore.js';
import { TimeMachineReport } from '../../contract/timemachine.js';
import type { ClientCore } from './client.js';
import { requestJson } from './http.js';

/** This Mac's backups on the server's time share; null on Windows and Linux (no Time Machine there). */
export async function ownTimeMachine(core: ClientCore): Promise<TrayTimeMachine> {
  if (core.host.os !== 'darwin') return null;
  // The helper names a Mac by its bundle and folds both names (timeMachineHostKey), so the host name as the OS
  // gives it (`Alices-MacBook-Pro.local`) finds the bundle `Alice's MacBook Pro.backupbundle`.
  const path = `${routes.timeMachine.path}?${new URLSearchParams({ host: core.host.hostName })}`;
  const report = TimeMachineReport.parse(
    await core.withHelper((ep) => requestJson(ep, routes.timeMachine.method, path)),
  );
  return {
    macs: report.macs.map((m) => ({
      name: m.name,
      lastBackup: m.lastBackup,
      running: m.running,
      warnings: m.warnings,
    })),
  };
}

/** "Where is my file?": part of a name in the shares this client has (the helper limits it to them). */
export async function searchFiles(core: ClientCore, q: string, limit = 50): Promise<SearchReport> {
  const path = `${routes.search.path}?${new URLSearchParams({ q, limit: String(limit) })}`;
  return SearchReport.parse(
    await core.withHelper((ep) => requestJson(ep, routes.search.method, path, undefined, 60_000)),
  );
}

/** Starts bringing a file or folder back from space to flux (a run; its events tell how it went). */
export async function bringBackFile(core: ClientCore, path: string): Promise<ActionStarted> {
  return ActionStarted.parse(
    await core.withHelper((ep) => requestJson(ep, routes.bringBack.method, routes.bringBack.path, { path })),
  );
}
