/**
 * A value larger than one keychain item (Windows Credential Manager: 2,560 bytes), split across items.
 * Chunks are written under a new generation first and the manifest last, so a crash mid-write leaves
 * the previous value readable; the old generation is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { CredentialStore } from '../platform/index.js';

/** Characters per chunk: base64 of 1,500 bytes, comfortably under every keychain's item limit. */
export const CHUNK_CHARS = 2000;

interface Manifest {
  gen: string;
  chunks: number;
}

/** Reads and writes one large value in the keychain as base64 chunks. */
export class ChunkedSecret {
  constructor(
    private readonly store: CredentialStore,
    private readonly key: string,
  ) {}

  private chunkKey(gen: string, i: number): string {
    return `${this.key}.${gen}.${i}`;
  }

  private async manifest(): Promise<Manifest | null> {
    const raw = await this.store.get(this.key);
    if (!raw) return null;
    try {
      const m = JSON.parse(raw) as Manifest;
      return typeof m.gen === 'string' && Number.isInteger(m.chunks) ? m : null;
    } catch {
      return null;
    }
  }

  /** The value, or null when absent or incomplete. */
  async read(): Promise<string | null> {
    const m = await this.manifest();
    if (!m) return null;
    const parts: string[] = [];
    for (let i = 0; i < m.chunks; i++) {
      const part = await this.store.get(this.chunkKey(m.gen, i));
      if (part === null) return null;
      parts.push(part);
    }
    return Buffer.from(parts.join(''), 'base64').toString('utf8');
  }

  /** Replaces the value; returns how many keychain items hold it. */
  async write(value: string): Promise<number> {
    const old = await this.manifest();
    const gen = randomBytes(4).toString('hex');
    const b64 = Buffer.from(value, 'utf8').toString('base64');
    const chunks = Math.max(1, Math.ceil(b64.length / CHUNK_CHARS));
    for (let i = 0; i < chunks; i++)
      await this.store.set(this.chunkKey(gen, i), b64.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS));
    await this.store.set(this.key, JSON.stringify({ gen, chunks } satisfies Manifest));
    if (old) await this.dropGeneration(old);
    return chunks;
  }

  /** Removes the value and all its chunks. */
  async clear(): Promise<boolean> {
    const m = await this.manifest();
    const had = await this.store.delete(this.key);
    if (m) await this.dropGeneration(m);
    return had;
  }

  private async dropGeneration(m: Manifest): Promise<void> {
    for (let i = 0; i < m.chunks; i++) await this.store.delete(this.chunkKey(m.gen, i));
  }
}
