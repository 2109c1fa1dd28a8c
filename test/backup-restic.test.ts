/**
 * Backup with real restic against a B2 stand-in (s3rver over TLS): backup, restore, retention, and failures
 * that must be clear and harmless, with secrets kept out of argv, the environment and logs.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelperConfig } from '../server-helper/config/schema.js';
import { backupInstall, fillRandom, JobHarness, sha256, type TestSecrets } from './support/backup-env.js';
import { installResticSpy, ORIGINAL_PATH, resticHand as hand } from './support/restic-hand.js';
import { startS3rver, type S3Server } from './support/s3rver.js';

let tmp: string;
let s3: S3Server;
let spyCalls: ReturnType<typeof installResticSpy>;

function resticHand(repo: string, secrets: TestSecrets, args: string[], opts: { cacert?: string } = {}) {
  return hand(repo, secrets, args, { ...opts, home: tmp });
}

function install(name: string, backup: Record<string, unknown> = {}, secrets: Partial<TestSecrets> = {}) {
  const root = join(tmp, name);
  mkdirSync(root, { recursive: true });
  return backupInstall(root, { repository: s3.repository(name), caCert: s3.certFile, ...backup }, secrets);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-backup-'));
  s3 = await startS3rver(tmp);
  spyCalls = installResticSpy(join(tmp, 'spy'));
  process.env.FTS_TEST_INHERITED_SECRET = 'inherited-secret-must-not-reach-restic';
});
afterAll(async () => {
  process.env.PATH = ORIGINAL_PATH;
  delete process.env.FTS_TEST_INHERITED_SECRET;
  await s3?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('backup with restic to an S3 repository over TLS', () => {
  it('backs up space, lists the snapshot, restores files that match by SHA-256; a second backup adds almost nothing', async () => {
    const { config, space, secrets } = install('roundtrip', { initIfMissing: true });
    const files = fillRandom(space, 12, 50_000);
    writeFileSync(join(space, 'd0', '.fts-graduating.tmp'), 'half a file');
    const h = new JobHarness(config);
    try {
      const first = await h.run('backup');
      expect(first.status, first.error ?? '').toBe('succeeded');
      const ev = h.eventsOf(first.id);
      expect(ev[0]).toMatchObject({
        type: 'backup.started',
        data: { engine: 'restic', operation: 'backup', repository: s3.repository('roundtrip') },
      });
      expect(ev.some((e) => e.type === 'backup.progress')).toBe(true);
      const fin = ev.find((e) => e.type === 'backup.finished')!;
      expect(fin.data).toMatchObject({ filesNew: 12, filesChanged: 0, warning: null, snapshotsRemoved: 0 });
      const snapshotId = (fin.data as { snapshotId: string }).snapshotId;
      expect(first.summary).toMatchObject({ snapshotId, filesNew: 12 });

      const { resticEngineFor } = await import('../server-helper/lifecycle/backup/tasks.js');
      const engine = await resticEngineFor(config);
      const snaps = await engine.snapshots();
      expect(snaps.map((s) => s.shortId)).toEqual([snapshotId]);
      expect(snaps[0]!.paths).toEqual([space]);
      expect(snaps[0]!.hostname).toBe('motoko');

      // Restore one file by path, then everything, and compare a random sample by content.
      const one = files[Math.floor(Math.random() * files.length)]!;
      const to = join(tmp, 'restored-one');
      await engine.restore(snapshotId, join(space, one), to);
      expect(sha256(join(to, space, one))).toBe(sha256(join(space, one)));
      expect(readdirSync(join(to, space)).length).toBe(1);
      const all = join(tmp, 'restored-all');
      await engine.restore(snapshotId, null, all);
      for (const rel of [...files].sort(() => Math.random() - 0.5).slice(0, 5))
        expect(sha256(join(all, space, rel))).toBe(sha256(join(space, rel)));
      expect(existsSync(join(all, space, 'd0', '.fts-graduating.tmp'))).toBe(false);

      const second = await h.run('backup');
      const fin2 = h.eventsOf(second.id).find((e) => e.type === 'backup.finished')!.data as {
        filesNew: number;
        filesChanged: number;
        dataAdded: number;
      };
      expect(fin2.filesNew).toBe(0);
      expect(fin2.filesChanged).toBe(0);
      // Only a new tree and the snapshot's metadata: far less than one file of the data.
      expect(fin2.dataAdded).toBeLessThan(10_000);

      // Secrets: never in argv; the password only as a file; no inherited variable; nothing in logs or events.
      const calls = spyCalls().filter((c) => c.env.RESTIC_REPOSITORY === s3.repository('roundtrip'));
      expect(calls.length).toBeGreaterThanOrEqual(3);
      for (const c of calls) {
        const argv = c.argv.join(' ');
        expect(argv).not.toContain(secrets.password);
        expect(argv).not.toContain(secrets.applicationKey);
        expect(c.env.RESTIC_PASSWORD).toBeUndefined();
        expect(c.env.RESTIC_PASSWORD_FILE).toBe(config.backup!.passwordFile);
        expect(c.env.AWS_SECRET_ACCESS_KEY).toBe(secrets.applicationKey);
        expect(c.env.FTS_TEST_INHERITED_SECRET).toBeUndefined();
        expect(
          Object.keys(c.env).every((k) =>
            /^(PATH|HOME|LANG|LC_ALL|TMPDIR|USER|XDG_RUNTIME_DIR|DBUS_SESSION_BUS_ADDRESS|RESTIC_\w+|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PWD|SHLVL|_)$/.test(
              k,
            ),
          ),
        ).toBe(true);
      }
      const everything =
        JSON.stringify(h.events) + (h.store.runs.log(first.id) ?? '') + (h.store.runs.log(second.id) ?? '');
      expect(everything).not.toContain(secrets.password);
      expect(everything).not.toContain(secrets.applicationKey);
    } finally {
      await h.close();
    }
  });

  it('retention (the prune job) removes the snapshots it should and keeps the newest', async () => {
    const { config, space, secrets } = install('retention', {
      initIfMissing: true,
      prune: { schedule: '0 6 * * *' },
      retention: { daily: 1, weekly: 0, monthly: 0 },
    });
    fillRandom(space, 3, 10_000);
    const h = new JobHarness(config);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        writeFileSync(join(space, `change-${i}.txt`), `run ${i}`);
        const r = await h.run('backup');
        expect(r.status, r.error ?? '').toBe('succeeded');
        // With a prune schedule, retention does not run after each backup.
        expect(r.summary).toMatchObject({ snapshotsRemoved: null });
        ids.push(String(r.summary!.snapshotId));
      }
      const prune = await h.run('prune');
      expect(prune.status, prune.error ?? '').toBe('succeeded');
      expect(h.eventsOf(prune.id).at(-1)).toMatchObject({
        type: 'backup.pruned',
        data: { snapshotsKept: 1, snapshotsRemoved: 2 },
      });
      const left = JSON.parse(
        resticHand(s3.repository('retention'), secrets, ['snapshots', '--json'], { cacert: s3.certFile }).out,
      ) as { short_id: string }[];
      expect(left.map((s) => s.short_id)).toEqual([ids[2]]);
      expect(resticHand(s3.repository('retention'), secrets, ['check'], { cacert: s3.certFile }).code).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('fails clearly and harmlessly: wrong password, unreachable endpoint, missing bucket, rejected key, no repository, space not mounted', async () => {
    const good = install('failures', { initIfMissing: true });
    fillRandom(good.space, 2, 5_000);
    const h0 = new JobHarness(good.config);
    expect((await h0.run('backup')).status).toBe('succeeded');
    await h0.close();

    const variants: [string, (c: HelperConfig) => void, RegExp][] = [
      [
        'wrong password',
        (c) => writeFileSync(c.backup!.passwordFile!, 'not-the-password', { mode: 0o600 }),
        /^the repository password is wrong/,
      ],
      [
        'unreachable',
        (c) => (c.backup!.repository = 's3:https://127.0.0.1:1/fts/failures'),
        /^the backup endpoint is unreachable/,
      ],
      [
        'missing bucket',
        (c) => (c.backup!.repository = `s3:https://127.0.0.1:${s3.port}/no-such-bucket/failures`),
        /^the bucket of .* does not exist/,
      ],
      [
        'rejected key',
        (c) => writeFileSync(c.backup!.keyIdFile!, 'WRONGKEYID', { mode: 0o600 }),
        /^B2 rejected the application key/,
      ],
      [
        'no repository',
        (c) => ((c.backup!.repository = s3.repository('never-made')), (c.backup!.initIfMissing = false)),
        /^there is no restic repository at .*fts-helper backup init/,
      ],
      [
        'not mounted',
        (c) => (c.drives.space = { mountPoint: join(tmp, 'failures', 'gone'), requireMount: true, fsType: 'ext4' }),
        /^space is not mounted/,
      ],
      [
        'secret file open to others',
        (c) => chmodSync(c.backup!.passwordFile!, 0o644),
        /readable by others .*chmod 600/,
      ],
    ];
    for (const [label, mutate, reason] of variants) {
      const root = join(tmp, `failures-${label.replace(/ /g, '-')}`);
      mkdirSync(root, { recursive: true });
      const v = backupInstall(
        root,
        { repository: s3.repository('failures'), caCert: s3.certFile, initIfMissing: true },
        good.secrets,
      );
      fillRandom(v.space, 2, 5_000);
      mutate(v.config);
      const h = new JobHarness(v.config);
      try {
        const r = await h.run('backup');
        expect(r.status, label).toBe('failed');
        expect(r.error, label).toMatch(reason);
        const failed = h.eventsOf(r.id).find((e) => e.type === 'backup.failed');
        expect(failed?.data, label).toMatchObject({ reason: r.error, operation: 'backup', cancelled: false });
        expect(r.error!.includes('\n'), label).toBe(false);
        const logs = JSON.stringify(h.events) + (h.store.runs.log(r.id) ?? '');
        expect(logs, label).not.toContain(good.secrets.password);
        expect(logs, label).not.toContain(good.secrets.applicationKey);
      } finally {
        await h.close();
      }
    }
    // Nothing was created by mistake, and the good repository is intact.
    expect(existsSync(join(s3.dataDir, 'no-such-bucket'))).toBe(false);
    expect(existsSync(join(s3.dataDir, s3.bucket, 'never-made'))).toBe(false);
    const hand = resticHand(s3.repository('failures'), good.secrets, ['check'], { cacert: s3.certFile });
    expect(hand.code, hand.out).toBe(0);
    expect(
      JSON.parse(
        resticHand(s3.repository('failures'), good.secrets, ['snapshots', '--json'], { cacert: s3.certFile }).out,
      ),
    ).toHaveLength(1);
  });
});
