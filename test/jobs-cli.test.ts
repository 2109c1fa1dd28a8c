/** `fts-helper jobs …` and `backup …` as a person runs them, on the embedded sandbox: output, JSON and exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job, JobRun } from '../contract/index.js';
import { main } from '../server-helper/cli.js';

let dir: string;

/** Runs the CLI in this process (as bin/fts-helper.mjs does) and captures its output and exit code. */
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
    const code = await main([...args, '--sandbox', join(dir, 'sb')]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-jobs-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fts-helper jobs and backup', () => {
  it('runs a backup, lists it in history and snapshots, restores a file, and refuses bad input with exit 2', async () => {
    expect((await cli('jobs', 'list', '--json')).code).toBe(0);
    writeFileSync(join(dir, 'sb', 'space', 'note.txt'), 'keep me');

    const run = await cli('backup', 'run', '--json');
    expect(run.code, run.err).toBe(0);
    const r = JSON.parse(run.out) as JobRun;
    expect(r).toMatchObject({ job: 'backup', status: 'succeeded', trigger: 'manual', summary: { filesNew: 1 } });

    const jobs = JSON.parse((await cli('jobs', 'list', '--json')).out) as Job[];
    expect(jobs.find((j) => j.name === 'backup')).toMatchObject({
      lastRun: { id: r.id, status: 'succeeded' },
      running: false,
    });
    const history = await cli('jobs', 'history', 'backup');
    expect(history.out).toMatch(new RegExp(`^#${r.id} +backup +succeeded +manual`, 'm'));

    const snaps = JSON.parse((await cli('backup', 'snapshots', '--json')).out) as { shortId: string }[];
    expect(snaps.map((s) => s.shortId)).toEqual([r.summary!.snapshotId]);
    const to = join(dir, 'restored');
    const restore = await cli(
      'backup',
      'restore',
      '--snapshot',
      String(r.summary!.snapshotId),
      '--path',
      join(dir, 'sb', 'space', 'note.txt'),
      '--to',
      to,
    );
    expect(restore.code, restore.err).toBe(0);
    expect(readFileSync(join(to, dir, 'sb', 'space', 'note.txt'), 'utf8')).toBe('keep me');

    expect(await cli('jobs', 'run', 'nope')).toMatchObject({
      code: 2,
      err: expect.stringContaining('no job named "nope"'),
    });
    expect((await cli('backup', 'restore', '--snapshot', 'x;rm', '--to', to)).code).toBe(2);
    // Graduation is a job like the others: it runs (nothing in this flux is old enough to move).
    const grad = await cli('jobs', 'run', 'graduation', '--json');
    expect(grad.code, grad.err).toBe(0);
    expect(JSON.parse(grad.out)).toMatchObject({ job: 'graduation', status: 'succeeded' });
    const cancel = await cli('jobs', 'cancel', String(r.id), '--json');
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.out)).toMatchObject({ id: r.id, status: 'succeeded' });
  });
});
