/** The rclone engine with real rclone against s3rver over TLS: sync, replaced and deleted files kept, check, secrets out of argv. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupInstall, fillRandom, JobHarness } from './support/backup-env.js';
import { installResticSpy, ORIGINAL_PATH } from './support/restic-hand.js';
import { startS3rver, type S3Server } from './support/s3rver.js';

let tmp: string;
let s3: S3Server;
let calls: ReturnType<typeof installResticSpy>;

/** An object as s3rver stores it. */
const objectFile = (key: string) => join(s3.dataDir, s3.bucket, `${key}._S3rver_object`);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-rclone-'));
  s3 = await startS3rver(tmp);
  calls = installResticSpy(join(tmp, 'spy'), 'rclone');
  // Set on the build machines; with it rclone would ignore --ca-cert. The helper must not pass it on.
  process.env.AWS_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
});
afterAll(async () => {
  process.env.PATH = ORIGINAL_PATH;
  await s3?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('backup with rclone', () => {
  it('syncs space with --checksum, keeps replaced and deleted files in the backup dir, and checks the copy', async () => {
    const { config, space, secrets } = backupInstall(tmp, {
      engine: 'rclone',
      repository: s3.repository('mirror'),
      caCert: s3.certFile,
    });
    const files = fillRandom(space, 5, 20_000);
    writeFileSync(join(space, '.fts-half-graduated'), 'partial');
    const h = new JobHarness(config);
    try {
      const first = await h.run('backup');
      expect(first.status, first.error ?? '').toBe('succeeded');
      const ev = h.eventsOf(first.id);
      expect(ev[0]).toMatchObject({ type: 'backup.started', data: { engine: 'rclone', operation: 'backup' } });
      expect(ev.some((e) => e.type === 'backup.progress')).toBe(true);
      expect(ev.at(-1)).toMatchObject({
        type: 'backup.finished',
        data: { snapshotId: null, filesNew: 5, dataAdded: 100_000 },
      });
      for (const f of files)
        expect(readFileSync(objectFile(`mirror/current/${f}`))).toEqual(readFileSync(join(space, f)));
      expect(existsSync(objectFile('mirror/current/.fts-half-graduated'))).toBe(false);

      const old = readFileSync(join(space, files[0]!));
      writeFileSync(join(space, files[0]!), 'replaced');
      unlinkSync(join(space, files[1]!));
      const second = await h.run('backup');
      expect(second.status, second.error ?? '').toBe('succeeded');
      expect(second.summary!.transfers).toBeGreaterThanOrEqual(1);
      const runs = readdirSync(join(s3.dataDir, s3.bucket, 'mirror', 'deleted'));
      expect(runs).toHaveLength(1);
      expect(readFileSync(objectFile(`mirror/deleted/${runs[0]}/${files[0]}`))).toEqual(old);
      expect(existsSync(objectFile(`mirror/deleted/${runs[0]}/${files[1]}`))).toBe(true);
      expect(readFileSync(objectFile(`mirror/current/${files[0]}`), 'utf8')).toBe('replaced');
      expect(existsSync(objectFile(`mirror/current/${files[1]}`))).toBe(false);

      const check = await h.run('check');
      expect(check.status, check.error ?? '').toBe('succeeded');
      unlinkSync(objectFile(`mirror/current/${files[2]}`));
      const bad = await h.run('check');
      expect(bad.status).toBe('failed');
      expect(bad.error).toMatch(
        /^the repository check found damage: 1 difference\(s\) between the source and the copy/,
      );

      const spied = calls();
      expect(spied.length).toBeGreaterThanOrEqual(4);
      for (const c of spied) {
        expect(c.argv.join(' ')).not.toContain(secrets.applicationKey);
        expect(c.argv).toContain('--ca-cert');
        expect(c.env.AWS_CA_BUNDLE).toBeUndefined();
        expect(c.env.RCLONE_CONFIG_FTS_SECRET_ACCESS_KEY).toBe(secrets.applicationKey);
      }
      const logs =
        JSON.stringify(h.events) +
        h.store.runs
          .list()
          .map((r) => h.store.runs.log(r.id))
          .join('');
      expect(logs).not.toContain(secrets.applicationKey);
    } finally {
      await h.close();
    }
  });

  it('reports a rejected key in one line', async () => {
    const root = join(tmp, 'badkey');
    mkdirSync(root);
    const { config, space } = backupInstall(
      root,
      { engine: 'rclone', repository: s3.repository('mirror2'), caCert: s3.certFile },
      { keyId: 'WRONGKEYID' },
    );
    fillRandom(space, 1, 100);
    const h = new JobHarness(config);
    try {
      const r = await h.run('backup');
      expect(r.status).toBe('failed');
      expect(r.error).toBe(
        'B2 rejected the application key: check the key id and application key (files or Key Vault)',
      );
    } finally {
      await h.close();
    }
  });
});
