/** The preload exposes typed verbs only: each verb invokes its contract channel; ipcRenderer never leaks. */
import { describe, expect, it, vi } from 'vitest';
import { bridgeVerbs } from '../../contract/ipc-verbs.js';
import { IPC_CHANNELS } from '../../contract/ipc.js';

const exposed = vi.hoisted(() => ({
  key: '',
  api: null as Record<string, unknown> | null,
  invoked: [] as unknown[][],
  listeners: new Map<string, unknown>(),
}));
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: Record<string, unknown>) => {
      exposed.key = key;
      exposed.api = api;
    },
  },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => (exposed.invoked.push(args), { ok: true }),
    on: (channel: string, l: unknown) => exposed.listeners.set(channel, l),
    removeListener: (channel: string) => exposed.listeners.delete(channel),
  },
}));

describe('preload', () => {
  it('exposes window.fts with one verb per channel and nothing else', async () => {
    await import('./preload.js');
    expect(exposed.key).toBe('fts');
    const api = exposed.api!;
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(bridgeVerbs), 'kind', 'onStateChange'].sort());
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'sendSync'])
      expect(api).not.toHaveProperty(forbidden);
    // Every channel in the contract is reachable through exactly one verb.
    expect(new Set(Object.values(bridgeVerbs))).toEqual(new Set(IPC_CHANNELS));
  });

  it('each verb invokes its channel with its argument', async () => {
    await import('./preload.js');
    const api = exposed.api as unknown as Record<string, (a?: unknown) => Promise<unknown>>;
    exposed.invoked.length = 0;
    await api.mount!({ share: 'flux' });
    await api.mountAll!();
    expect(exposed.invoked).toEqual([
      ['fts:share:mount', { share: 'flux' }],
      ['fts:shares:mount-all', undefined],
    ]);
  });

  it('onStateChange subscribes to the push channel and unsubscribes', async () => {
    await import('./preload.js');
    const api = exposed.api as unknown as { onStateChange(l: (s: unknown) => void): () => void };
    const seen: unknown[] = [];
    const stop = api.onStateChange((s) => seen.push(s));
    (exposed.listeners.get('fts:state:changed') as (e: unknown, s: unknown) => void)({ sender: 'x' }, { busy: true });
    expect(seen).toEqual([{ busy: true }]);
    stop();
    expect(exposed.listeners.has('fts:state:changed')).toBe(false);
  });
});
