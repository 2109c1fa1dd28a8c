/** The bridge verbs and the IPC channel each calls; zod-free so the sandboxed preload bundle stays small. */
import type { IpcChannel } from './ipc.js';

/** Which invoke channel each bridge verb calls: the preload and the HTTP bridge both build their verbs from this. */
export const bridgeVerbs = {
  getState: 'fts:state:get',
  mountAll: 'fts:shares:mount-all',
  unmountAll: 'fts:shares:unmount-all',
  mount: 'fts:share:mount',
  unmount: 'fts:share:unmount',
  openShare: 'fts:share:open',
  signIn: 'fts:auth:sign-in',
  signOut: 'fts:auth:sign-out',
  getSettings: 'fts:settings:get',
  setSettings: 'fts:settings:set',
  setStartAtLogin: 'fts:app:start-at-login',
  pair: 'fts:app:pair',
  getTimeMachine: 'fts:timemachine:get',
  searchFiles: 'fts:files:search',
  bringBack: 'fts:files:bring-back',
} as const satisfies Record<string, IpcChannel>;
