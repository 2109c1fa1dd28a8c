import { describe, expect, it } from 'vitest';
import { FtsEvent, type EventDataOf } from '../../contract/index.js';
import { parseClientConfig, smbHost } from './config.js';
import { formatBytes, NotificationModel } from './notifications.js';

let nextId = 1;
const ts = '2026-11-25T22:00:00.000Z';
/** An event as the helper would stream it: publisher data with the contract's defaults applied. */
function ev<T extends FtsEvent['type']>(type: T, data: EventDataOf<T>, id = nextId++): FtsEvent {
  return FtsEvent.parse({ id, ts, type, data });
}
const finished = (runId: number, moved: number, bytes: number) =>
  ev('graduation.finished', {
    runId,
    job: 'graduation',
    scanned: 2000,
    eligible: moved,
    moved,
    bytesMoved: bytes,
    skipped: {},
    failed: 0,
    examples: ['a.mov', 'b.psd'],
    from: 'flux',
    to: 'space',
    durationMs: 1000,
  });

describe('notifications', () => {
  it('one notification per run, worded for people; replays and progress are silent', () => {
    const m = new NotificationModel();
    expect(
      m.ingest(ev('graduation.started', { runId: 7, job: 'graduation', from: 'flux', to: 'space', dryRun: false })),
    ).toBeNull();
    expect(
      m.ingest(
        ev('graduation.progress', {
          runId: 7,
          job: 'graduation',
          scanned: 10,
          moved: 5,
          bytesMoved: 10,
          currentPath: null,
        }),
      ),
    ).toBeNull();
    const f = finished(7, 1234, 5.6e9);
    expect(m.ingest(f)).toMatchObject({
      key: 'graduation#7',
      title: 'Graduated 1,234 files (5.6 GB) from Flux to Space',
      level: 'info',
    });
    expect(m.ingest(f)).toBeNull();
    expect(m.ingest({ ...f, id: nextId++ })).toBeNull();
    expect(m.ingest(finished(8, 0, 0))).toBeNull();
  });
  it('backups name the destination and failures say why', () => {
    const m = new NotificationModel();
    m.ingest(
      ev('backup.started', {
        runId: 3,
        job: 'backup',
        engine: 'restic',
        repository: 's3:https://s3.us-west-004.backblazeb2.com/fts/space',
      }),
    );
    expect(m.ingest(ev('backup.failed', { runId: 3, job: 'backup', reason: 'repository is locked' }))?.title).toBe(
      'Backup to B2 failed: repository is locked',
    );
    expect(
      m.ingest(
        ev('backup.finished', {
          runId: 4,
          job: 'backup',
          snapshotId: 'abc',
          filesNew: 3,
          filesChanged: 1,
          dataAdded: 2048,
          durationMs: 5,
          warning: null,
        }),
      ),
    ).toMatchObject({ title: 'Backup to the backup repository finished', body: '3 new, 1 changed, 2 KB added' });
  });
  it('formats sizes in decimal units', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(5.6e9)).toBe('5.6 GB');
    expect(formatBytes(123e12)).toBe('123 TB');
  });
});

describe('client config', () => {
  it('has the seed defaults and names the key at fault', () => {
    const c = parseClientConfig('{}');
    expect(c.shares.map((s) => [s.name, s.driveLetter])).toEqual([
      ['flux', 'F:'],
      ['time', undefined],
      ['space', 'S:'],
    ]);
    expect(c.keyVault.name).toBe('kv-miket-ops');
    // Secret names are not configuration: contract/secrets.ts names them (one name per secret, everywhere).
    expect(() => parseClientConfig('keyVault:\n  secrets:\n    helperToken: fts-helper-token\n')).toThrow(
      /keyVault|secrets|Unrecognized/,
    );
    expect(() => parseClientConfig('clientId: Count-Zero.local\n')).toThrow(/clientId/);
    expect(smbHost(c)).toBe('motoko');
    expect(smbHost(parseClientConfig('helper: { url: "https://nas.local:8642" }'))).toBe('nas.local');
    expect(smbHost(parseClientConfig('server: { host: motoko2 }\nhelper: { url: "https://nas.local:8642" }'))).toBe(
      'motoko2',
    );
    expect(() => parseClientConfig('shares:\n  - name: "fl[ux"\n')).toThrow(/shares\.0\.name/);
    expect(() => parseClientConfig('server:\n  smbPort: 0\n')).toThrow(/server\.smbPort/);
    expect(() => parseClientConfig('bogus: 1\n')).toThrow(/bogus|Unrecognized/);
  });
});
