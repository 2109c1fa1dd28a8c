/**
 * IPC handlers as plain functions: one per channel of contract/ipc.ts, each validating its input with the
 * channel's schema, and a sender check that only the app's own window may call them. main.ts registers them on
 * ipcMain; the web bridge serves the same handlers over HTTP.
 */
import { ipcChannels, type IpcChannel, type IpcRequest, type IpcResponse } from '../../contract/ipc.js';
import { decodePairing } from '../../contract/secrets.js';
import type { CoreFacade } from './core-facade.js';

/** What a handler may ask of the shell. */
export interface IpcShell {
  openPath(path: string): Promise<void>;
  setLoginItem(enabled: boolean): void;
}

/** A rejected IPC call: bad input, an unknown sender or an unknown channel. The message names the field. */
export class IpcRejected extends Error {
  override readonly name = 'IpcRejected';
  constructor(
    readonly code: 'invalid-input' | 'forbidden-sender' | 'unknown-channel' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

type Handlers = { [C in IpcChannel]: (arg: IpcRequest<C>) => Promise<IpcResponse<C>> };

const OK = { ok: true as const };

/** The handlers behind every channel, already typed by the contract. */
export function createIpcHandlers(core: CoreFacade, shell: IpcShell): Handlers {
  const known = (share: string) => {
    if (!core.getState().shares.some((s) => s.name === share))
      throw new IpcRejected('not-found', `no share named "${share}"`);
  };
  return {
    'fts:state:get': async () => core.getState(),
    'fts:shares:mount-all': async () => (await core.mountAll(), OK),
    'fts:shares:unmount-all': async () => (await core.unmountAll(), OK),
    'fts:share:mount': async ({ share }) => (known(share), await core.mount(share), OK),
    'fts:share:unmount': async ({ share }) => (known(share), await core.unmount(share), OK),
    'fts:share:open': async ({ share }) => {
      known(share);
      const path = await core.openShare(share);
      if (!path) throw new IpcRejected('not-found', `share "${share}" is not mounted`);
      await shell.openPath(path);
      return OK;
    },
    'fts:auth:sign-in': async () => (await core.signIn(), OK),
    'fts:auth:sign-out': async () => (await core.signOut(), OK),
    'fts:settings:get': async () => core.getSettings(),
    'fts:settings:set': async (patch) => {
      const after = await core.updateSettings(patch);
      if (patch.startAtLogin !== undefined) shell.setLoginItem(patch.startAtLogin);
      return after;
    },
    'fts:app:start-at-login': async ({ enabled }) => {
      await core.setStartAtLogin(enabled);
      shell.setLoginItem(enabled);
      return OK;
    },
    'fts:timemachine:get': async () => core.timeMachine(),
    'fts:files:search': async ({ q }) => core.searchFiles(q),
    'fts:files:bring-back': async ({ path }) => core.bringBack(path),
    'fts:app:pair': async ({ pairing }) => {
      let info;
      try {
        info = decodePairing(pairing);
      } catch (err) {
        throw new IpcRejected('invalid-input', `pairing: ${(err as Error).message}`);
      }
      return core.pair(info);
    },
  };
}

/** Validates a raw argument against the channel's request schema; throws IpcRejected naming the field. */
export function validateRequest<C extends IpcChannel>(channel: C, raw: unknown): IpcRequest<C> {
  const schema = ipcChannels[channel]?.request;
  if (!schema) throw new IpcRejected('unknown-channel', `unknown channel "${String(channel)}"`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'argument';
    throw new IpcRejected('invalid-input', `${channel}: ${field}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as IpcRequest<C>;
}

/** True when a URL belongs to the app's own renderer: the packaged file, or the dev server's exact origin. */
export function isTrustedSenderUrl(url: string | undefined, trusted: { fileRoot?: string; origin?: string }): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'file:' && trusted.fileRoot) {
    const root = new URL(trusted.fileRoot.endsWith('/') ? trusted.fileRoot : `${trusted.fileRoot}/`);
    // Decoded paths and `..` are resolved by URL already; the page must sit inside the renderer folder.
    return u.pathname.startsWith(root.pathname);
  }
  return trusted.origin !== undefined && u.origin === trusted.origin;
}

/** The slice of Electron's invoke event the dispatcher reads. */
export interface SenderInfo {
  senderFrame: { url: string } | null;
}

/**
 * Checks the sender, validates the input, runs the handler and validates the output (a core bug must not send
 * the renderer something the contract does not allow).
 */
export async function dispatchIpc(
  handlers: Handlers,
  channel: string,
  event: SenderInfo,
  raw: unknown,
  trusted: { fileRoot?: string; origin?: string },
): Promise<unknown> {
  if (!isTrustedSenderUrl(event.senderFrame?.url, trusted))
    throw new IpcRejected('forbidden-sender', `IPC from an unknown sender refused (${channel})`);
  if (!Object.hasOwn(ipcChannels, channel)) throw new IpcRejected('unknown-channel', `unknown channel "${channel}"`);
  const c = channel as IpcChannel;
  const arg = validateRequest(c, raw);
  const result = await (handlers[c] as (a: unknown) => Promise<unknown>)(arg);
  return ipcChannels[c].response.parse(result);
}
