/**
 * Parses the plists of one Time Machine reading in a worker thread with a memory bound and a time bound. The
 * size checks (bundle.ts: at most MAX_PLIST_BYTES, binary ones expanding to a bounded tree) run here first and
 * already keep a parse near 150 ms; the worker is the second wall: whatever a file a member wrote makes the
 * `plist` library do, it does it off the daemon's event loop, within PARSE_LIMITS, and is then ended.
 */
import { Worker } from 'node:worker_threads';
import type { PlistValue } from 'plist';
import { checkPlistSize, plistEncoding, PlistError } from './bundle.js';

/** What one parse may take. */
export interface ParseLimits {
  /** V8 old-generation heap of the worker, in MiB: the greediest plist within the size checks (256 KiB of `<a/>`) needs about 60. */
  heapMb: number;
  /** A parse not answered in this time ends the worker: one within the size checks takes under 200 ms. */
  timeoutMs: number;
}

/** The bounds used by the daemon. */
export const PARSE_LIMITS: ParseLimits = { heapMb: 128, timeoutMs: 5_000 };

interface Pending {
  resolve: (v: PlistValue) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** One worker, started on the first parse and again after one was ended; close() ends it. */
export class PlistParser {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Plists handed to the worker (a refused one never is): what the tests count. */
  parsed = 0;

  constructor(private readonly limits: ParseLimits = PARSE_LIMITS) {}

  /** Checks the plist's size here, then parses it in the worker; a plist refused or failing throws PlistError. */
  parse(data: Uint8Array): Promise<PlistValue> {
    checkPlistSize(data);
    const encoding = plistEncoding(data);
    const worker = this.started();
    const id = this.nextId++;
    this.parsed++;
    return new Promise<PlistValue>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new PlistError(`not parsed within ${this.limits.timeoutMs} ms`)),
        this.limits.timeoutMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, data: Uint8Array.from(data), binary: encoding === 'binary' });
    }).catch((err: Error) => {
      throw err instanceof PlistError ? err : new PlistError(`not a property list (${encoding}): ${err.message}`);
    });
  }

  /** Ends the worker; parses still waiting fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.fail(new PlistError('the parser was closed'));
    await w?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./plist-worker.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    w.unref();
    w.on('message', (m: { id: number; value?: PlistValue; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.value!);
    });
    w.on('error', (err: Error & { code?: string }) =>
      this.fail(
        new PlistError(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `needs more than ${this.limits.heapMb} MiB to parse`
            : `the parser failed: ${err.message}`,
        ),
      ),
    );
    w.on('exit', () => {
      if (this.worker === w) this.fail(new PlistError('the parser ended'));
    });
    this.worker = w;
    return w;
  }

  /** Ends the worker (a new one starts on the next parse) and fails every parse waiting on it. */
  private fail(err: PlistError): void {
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
