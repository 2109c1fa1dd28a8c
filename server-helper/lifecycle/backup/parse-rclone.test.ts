import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyRcloneError, parseRcloneLine } from './parse-rclone.js';

const fx = (name: string) => readFileSync(join(__dirname, '../../../test/fixtures/rclone', name), 'utf8');

describe('parseRcloneLine', () => {
  it('reads the stats of a first sync', () => {
    const lines = fx('sync-new.jsonl').trim().split('\n').map(parseRcloneLine);
    expect(lines.filter((l) => l?.type === 'file')).toHaveLength(5);
    expect(lines.at(-1)).toEqual({
      type: 'stats',
      stats: {
        bytes: 600004,
        totalBytes: 600004,
        transfers: 5,
        totalTransfers: 5,
        checks: 0,
        deletes: 0,
        renames: 0,
        errors: 0,
        elapsedMs: 208,
      },
    });
  });

  it('sees files moved into the backup dir', () => {
    const lines = fx('sync-changes.jsonl').trim().split('\n').map(parseRcloneLine);
    expect(lines).toContainEqual({ type: 'file', action: 'Moved into backup dir', object: 'f3' });
    expect(lines.at(-1)).toMatchObject({ type: 'stats', stats: { deletes: 3, renames: 2, transfers: 3 } });
  });

  it('turns a rejected key into one actionable line', () => {
    const text = fx('sync-bad-key.txt');
    const errors = text
      .split('\n')
      .map(parseRcloneLine)
      .filter((l) => l?.type === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(classifyRcloneError(text, 's3:https://x/fts')).toBe(
      'B2 rejected the application key: check the key id and application key (files or Key Vault)',
    );
    expect(classifyRcloneError('2026/11/25 22:15:39 Failed to sync: something odd', 'r')).toBe(
      'rclone failed: Failed to sync: something odd',
    );
  });
});
