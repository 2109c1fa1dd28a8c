/** Check, subset rotation, waiting for a resource, and the sandbox, with real restic on local repositories. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobScheduler } from '../server-helper/jobs/scheduler.js';
import type { Task } from '../server-helper/runs/task.js';
import { backupInstall, fillRandom, JobHarness } from './support/backup-env.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-backup-local-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('check and schedules (local repository)', () => {
  it('check reports a corrupted pack as a failed run with the damage named', async () => {
    const root = join(tmp, 'corrupt');
    mkdirSync(root, { recursive: true });
    const { config, space } = backupInstall(root, {
      repository: join(root, 'repo'),
      initIfMissing: true,
      check: { readDataSubsets: 1 },
    });
    fillRandom(space, 3, 200_000);
    const h = new JobHarness(config);
    try {
      expect((await h.run('backup')).status).toBe('succeeded');
      expect((await h.run('check')).status).toBe('succeeded');
      const packs = execFileSync('find', [join(root, 'repo', 'data'), '-type', 'f', '-size', '+100k'])
        .toString()
        .trim()
        .split('\n');
      const pack = packs[0]!;
      chmodSync(pack, 0o644);
      const buf = readFileSync(pack);
      buf.write('CORRUPTCORRUPT', 1000);
      writeFileSync(pack, buf);
      const r = await h.run('check');
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(/^the repository check found damage: Pack ID does not match/);
      expect(h.eventsOf(r.id).at(-1)).toMatchObject({
        type: 'backup.failed',
        data: { operation: 'check', reason: r.error },
      });
    } finally {
      await h.close();
    }
  });

  it('rotates the data subset a check reads', async () => {
    const root = join(tmp, 'rotate');
    mkdirSync(root, { recursive: true });
    const { config, space } = backupInstall(root, {
      repository: join(root, 'repo'),
      initIfMissing: true,
      check: { readDataSubsets: 2 },
    });
    fillRandom(space, 2, 1000);
    const h = new JobHarness(config);
    try {
      await h.run('backup');
      const subsets: unknown[] = [];
      for (let i = 0; i < 3; i++) subsets.push((await h.run('check')).summary!.subset);
      expect(subsets).toEqual(['1/2', '2/2', '1/2']);
    } finally {
      await h.close();
    }
  });

  it('a scheduled backup due while graduation writes into space waits, then runs', async () => {
    const root = join(tmp, 'sched');
    mkdirSync(root, { recursive: true });
    const { config, space } = backupInstall(root, { repository: join(root, 'repo'), initIfMissing: true });
    fillRandom(space, 2, 1000);
    let finishGraduation = () => {};
    const graduation: Task = {
      kind: 'graduation',
      resources: () => ['flux', 'space'],
      run: (ctx) =>
        new Promise((resolve) => {
          finishGraduation = () => {
            // Written while backup waits: the snapshot must contain it.
            writeFileSync(join(space, 'graduated.txt'), 'arrived');
            resolve({ status: 'succeeded', summary: null, error: null });
          };
          ctx.appendLog('graduating\n');
        }),
    };
    const h = new JobHarness(config, [graduation]);
    const scheduler = new JobScheduler(h.jobs.runner, h.store, pino({ level: 'silent' }), () => true);
    try {
      const g = h.jobs.runner.start('graduation', 'schedule');
      for (let i = 0; i < 100 && h.store.runs.get(g.runId)!.status !== 'running'; i++)
        await new Promise((r) => setTimeout(r, 20));
      const b = scheduler.fire('backup')!;
      for (let i = 0; i < 100 && !(h.store.runs.log(b) ?? '').includes('waiting'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(h.store.runs.get(b)!.status).toBe('queued');
      expect(h.store.runs.log(b)).toContain(`space is in use by run ${g.runId} (graduation)`);
      expect(h.eventsOf(b)).toEqual([]);
      finishGraduation();
      await g.done;
      for (let i = 0; i < 600 && ['queued', 'running'].includes(h.store.runs.get(b)!.status); i++)
        await new Promise((r) => setTimeout(r, 50));
      const run = h.store.runs.get(b)!;
      expect(run).toMatchObject({ status: 'succeeded', trigger: 'schedule' });
      expect(new Date(run.startedAt!).getTime()).toBeGreaterThanOrEqual(
        new Date(h.store.runs.get(g.runId)!.finishedAt!).getTime(),
      );
      expect(run.summary).toMatchObject({ filesNew: 3 });
    } finally {
      scheduler.stop();
      await h.close();
    }
  });

  it('a file restic cannot read makes the run a warning that names it (restic exit 3), and the snapshot is kept', async () => {
    // restic runs as an unprivileged user here (through a PATH wrapper), so a 000 file is really unreadable to it.
    const root = join(tmp, 'exit3');
    mkdirSync(root, { recursive: true });
    chmodSync(tmp, 0o755);
    const { config, space } = backupInstall(root, { repository: join(root, 'repo'), initIfMissing: true });
    fillRandom(space, 2, 1000);
    writeFileSync(join(space, 'locked.txt'), 'secret diary');
    chmodSync(join(space, 'locked.txt'), 0o000);
    const wrapDir = join(root, 'bin');
    mkdirSync(wrapDir);
    const real = execFileSync('sh', ['-c', 'command -v restic']).toString().trim();
    writeFileSync(
      join(wrapDir, 'restic'),
      `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups ${real} "$@"\n`,
      { mode: 0o755 },
    );
    for (const d of [root, join(root, 'cache')]) mkdirSync(d, { recursive: true });
    execFileSync('chown', ['-R', '65534:65534', join(root, 'cache'), config.backup!.passwordFile!]);
    execFileSync('chmod', ['-R', 'a+rX', space]);
    chmodSync(join(root, 'secrets'), 0o755);
    chmodSync(join(space, 'locked.txt'), 0o000);
    chmodSync(root, 0o777);
    const savedPath = process.env.PATH;
    process.env.PATH = `${wrapDir}:${savedPath}`;
    const h = new JobHarness(config);
    try {
      const r = await h.run('backup');
      expect(r.status, r.error ?? '').toBe('warning');
      expect(r.error).toMatch(/^1 file\(s\) could not be read and are not in the snapshot, e\.g\. .*locked\.txt/);
      expect(r.summary).toMatchObject({ unreadable: [join(space, 'locked.txt')], filesNew: 2 });
      const fin = h.eventsOf(r.id).find((e) => e.type === 'backup.finished')!;
      expect(fin.data).toMatchObject({ unreadable: [join(space, 'locked.txt')], warning: r.error });
      expect(fin.data).toHaveProperty('snapshotId', expect.stringMatching(/^[0-9a-f]{8}$/));
      expect(h.store.runs.log(r.id)).toContain(`unreadable: ${join(space, 'locked.txt')}: open: permission denied`);
    } finally {
      process.env.PATH = savedPath;
      await h.close();
    }
  });

  it('the sandbox backs up to its local repository, creating it on the first run', async () => {
    const { ensureSandbox } = await import('../server-helper/sandbox.js');
    const sb = ensureSandbox(join(tmp, 'sandbox'));
    writeFileSync(join(sb.dir, 'space', 'hello.txt'), 'hello');
    expect(statSync(sb.config.backup!.passwordFile!).mode & 0o777).toBe(0o600);
    expect(existsSync(join(sb.dir, 'restic-repo'))).toBe(false);
    const h = new JobHarness(sb.config);
    try {
      const r = await h.run('backup');
      expect(r.status, r.error ?? '').toBe('succeeded');
      expect(existsSync(join(sb.dir, 'restic-repo', 'config'))).toBe(true);
      expect(h.store.runs.log(r.id)).toContain('creating the restic repository');
    } finally {
      await h.close();
    }
  });
});
