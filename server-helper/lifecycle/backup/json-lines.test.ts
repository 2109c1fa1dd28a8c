import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonLine } from './json-lines.js';

/** The objects of a whole output, as the engines read it line by line. */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .map(parseJsonLine)
    .filter((j) => j !== null);
const fx = (tool: 'restic' | 'rclone', name: string) =>
  readFileSync(join(__dirname, '../../../test/fixtures', tool, name), 'utf8');

describe('JSON lines of restic and rclone', () => {
  it("reads every object of restic backup --json, and skips restic's plain-text warning between them", () => {
    const ok = jsonLines(fx('restic', 'backup-ok.jsonl'));
    expect(ok.length).toBe(fx('restic', 'backup-ok.jsonl').trim().split('\n').length);
    expect(ok.at(-1)).toMatchObject({ message_type: 'summary' });
    const stderr = fx('restic', 'backup-exit3.stderr');
    expect(stderr).toContain('Warning: at least one source file could not be read');
    expect(jsonLines(stderr)).toEqual([
      {
        message_type: 'error',
        error: { Op: 'open', Path: '/tmp/rx/data/f2', Err: 13 },
        during: 'archival',
        item: '/tmp/rx/data/f2',
      },
    ]);
  });

  it("reads rclone's JSON log lines, and none of its plain-text failure output", () => {
    const lines = jsonLines(fx('rclone', 'sync-new.jsonl'));
    expect(lines.length).toBe(fx('rclone', 'sync-new.jsonl').trim().split('\n').length);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'Copied (new)', object: '.fts-tmp1' });
    expect(lines.some((l) => typeof l.stats === 'object')).toBe(true);
  });

  it('is null for a line that is not one JSON object: text, blank, cut off, an array, a number', () => {
    const line = fx('restic', 'backup-ok.jsonl').split('\n')[0]!;
    expect(parseJsonLine(`${line}\r`)).toMatchObject({ message_type: expect.any(String) });
    for (const bad of ['', '   ', 'Warning: x', line.slice(0, line.length - 5), '[1,2]', '42', 'null'])
      expect(parseJsonLine(bad), bad).toBeNull();
  });
});
