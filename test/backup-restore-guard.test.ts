/**
 * `fts-helper backup restore --to` on the sandbox with real restic: `/`, a live folder and any folder above one
 * are refused (exit 2, nothing restored or created) unless `--in-place` is given; then files go back where they were.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobRun } from '../contract/index.js';
import { main } from '../server-helper/cli.js';
import { requireBinaries } from './support/require.js';

let dir: string;
let sb: string;

const cli = async (...args: string[]) => {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    const code = await main([...args, '--sandbox', sb]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
};

beforeAll(() => {
  requireBinaries('/usr/bin/restic');
  dir = mkdtempSync(join(tmpdir(), 'fts-restore-guard-'));
  sb = join(dir, 'sb');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backup restore --to', () => {
  it('refuses /, live folders and their parents without --in-place; with it, puts a lost file back in place', async () => {
    expect((await cli('status', '--json')).code).toBe(0); // creates the sandbox
    const note = join(sb, 'space', 'note.txt');
    writeFileSync(note, 'keep me');
    const run = await cli('backup', 'run', '--json');
    expect(run.code, run.err).toBe(0);
    const snapshot = String((JSON.parse(run.out) as JobRun).summary!.snapshotId);
    writeFileSync(note, 'edited since the backup');
    symlinkSync('/', join(dir, 'link-to-root'));
    symlinkSync(join(sb, 'space'), join(dir, 'link-to-space'));

    for (const to of [
      '/',
      join(sb, 'space'),
      join(sb, 'flux'),
      sb,
      dir,
      join(dir, 'link-to-root'),
      join(dir, 'link-to-space'),
      join(dir, 'link-to-root', dir.slice(1), 'sb'),
    ]) {
      const r = await cli('backup', 'restore', '--snapshot', snapshot, '--path', note, '--to', to);
      expect(r.code, `--to ${to}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/--to .* (would restore over the live files|is the live folder|is above the live folder)/);
      expect(r.err).toContain('--in-place');
    }
    // Refusals changed nothing: the live file is as edited, and nothing was restored under the targets.
    expect(readFileSync(note, 'utf8')).toBe('edited since the backup');
    expect(existsSync(join(sb, 'space', sb))).toBe(false);

    // A folder of its own is fine, as before.
    const elsewhere = join(dir, 'restored');
    expect((await cli('backup', 'restore', '--snapshot', snapshot, '--path', note, '--to', elsewhere)).code).toBe(0);
    expect(readFileSync(join(elsewhere, note), 'utf8')).toBe('keep me');

    // --in-place: the file goes back where it was backed up from.
    unlinkSync(note);
    const inPlace = await cli('backup', 'restore', '--snapshot', snapshot, '--path', note, '--to', '/', '--in-place');
    expect(inPlace.code, inPlace.err).toBe(0);
    expect(readFileSync(note, 'utf8')).toBe('keep me');
  });
});
