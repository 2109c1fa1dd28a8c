/**
 * The preload: exposes `window.fts`, one typed verb per IPC channel and a state subscription. The renderer never
 * sees ipcRenderer, so it cannot call a channel the contract does not list. Bundled to one CommonJS file because a
 * sandboxed preload can only require 'electron'.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { bridgeVerbs } from '../../contract/ipc-verbs.js';
import type { FtsBridge, TrayState } from '../../contract/ipc.js';

/** Builds the bridge object from the verb map and an invoke function (exported for the tests). */
export function buildBridge(
  invoke: (channel: string, arg?: unknown) => Promise<unknown>,
  subscribe: (listener: (state: TrayState) => void) => () => void,
): FtsBridge {
  const verbs = Object.fromEntries(
    Object.entries(bridgeVerbs).map(([verb, channel]) => [verb, (arg?: unknown) => invoke(channel, arg)]),
  );
  return Object.freeze({ ...verbs, onStateChange: subscribe, kind: 'electron' as const }) as unknown as FtsBridge;
}

const bridge = buildBridge(
  (channel, arg) => ipcRenderer.invoke(channel, arg),
  (listener) => {
    const wrapped = (_e: IpcRendererEvent, state: TrayState) => listener(state);
    ipcRenderer.on('fts:state:changed', wrapped);
    return () => void ipcRenderer.removeListener('fts:state:changed', wrapped);
  },
);

contextBridge.exposeInMainWorld('fts', bridge);
