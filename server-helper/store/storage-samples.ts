/** The storage_samples table: each drive's used, available and total bytes at a time. */
import type { StorageSample } from '../../contract/index.js';
import type { Db } from './db.js';

interface Row {
  role: StorageSample['role'];
  at: number;
  used_bytes: number;
  available_bytes: number;
  size_bytes: number;
}

/** Reads and writes storage_samples. */
export class StorageSampleStore {
  constructor(private readonly db: Db) {}

  /** Stores samples taken at one time and removes those older than `keepMs`; a second sample of a role at the same millisecond replaces the first. */
  add(samples: readonly Omit<StorageSample, 'at'>[], at: number, keepMs: number): void {
    this.db
      .transaction(() => {
        const put = this.db.prepare(
          'INSERT OR REPLACE INTO storage_samples (role, at, used_bytes, available_bytes, size_bytes) VALUES (?, ?, ?, ?, ?)',
        );
        for (const s of samples) put.run(s.role, at, s.usedBytes, s.availableBytes, s.sizeBytes);
        this.db.prepare('DELETE FROM storage_samples WHERE at < ?').run(at - keepMs);
      })
      .immediate();
  }

  /** The samples taken at or after `since` (ms), oldest first. */
  since(since: number): StorageSample[] {
    return this.db
      .prepare<[number], Row>(
        'SELECT role, at, used_bytes, available_bytes, size_bytes FROM storage_samples WHERE at >= ? ORDER BY at, role',
      )
      .all(since)
      .map((r) => ({
        role: r.role,
        at: new Date(r.at).toISOString(),
        usedBytes: r.used_bytes,
        availableBytes: r.available_bytes,
        sizeBytes: r.size_bytes,
      }));
  }
}
