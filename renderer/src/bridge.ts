/**
 * The tray window's link to the core: `window.fts` from the Electron preload, or, in a browser, the same verbs
 * over HTTP to the headless core's bridge (POST /ipc/<channel>, GET /ipc/events).
 */
import { bridgeVerbs, type FtsBridge, type TrayState } from '../../contract/ipc.js';
import { SseParser } from '../../contract/sse.js';

declare global {
  interface Window {
    fts?: FtsBridge;
  }
}

/** An IPC call the core refused or that failed, with the core's message. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
}

/** The HTTP bridge for browsers: the same verbs, served by electron/dev/web-bridge.ts. */
export function createHttpBridge(base: string): FtsBridge {
  const invoke = async (channel: string, arg?: unknown) => {
    const res = await fetch(new URL(`/ipc/${channel}`, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(arg === undefined ? {} : { arg }),
    });
    const body = (await res.json().catch(() => ({}))) as { result?: unknown; message?: string };
    if (!res.ok) throw new BridgeError(body.message ?? `HTTP ${res.status}`);
    return body.result;
  };
  const verbs = Object.fromEntries(
    Object.entries(bridgeVerbs).map(([verb, channel]) => [verb, (arg?: unknown) => invoke(channel, arg)]),
  );
  const onStateChange = (listener: (s: TrayState) => void) => {
    const abort = new AbortController();
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          const res = await fetch(new URL('/ipc/events', base), { signal: abort.signal });
          if (!res.body) throw new Error('no body');
          const parser = new SseParser();
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const f of parser.push(value)) listener(JSON.parse(f.data) as TrayState);
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    return () => abort.abort();
  };
  return { ...verbs, onStateChange, kind: 'http' } as unknown as FtsBridge;
}

/** The bridge for this page: Electron's preload when present, else HTTP to the page's own origin. */
export function getBridge(): FtsBridge {
  return window.fts ?? createHttpBridge(window.location.origin);
}
