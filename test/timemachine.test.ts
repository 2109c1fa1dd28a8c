/**
 * Time Machine health on bundle folders built the way a Mac leaves them (plists written by python3's plistlib in
 * XML and binary, bands with set mtimes): what each Mac's entry says, the per-user layout, the fallbacks, and
 * warnings announced once per state change.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeMachineReport, timeMachineHostKey, type FtsEvent } from '../contract/index.js';
import { HelperConfig } from '../server-helper/config/schema.js';
import { EventBus } from '../server-helper/runs/bus.js';
import { openStore, type Store } from '../server-helper/store/index.js';
import { bundleNameOf, lastCompletion, parsePlist, readMachineId } from '../server-helper/timemachine/bundle.js';
import { checkTimeMachineAndWarn } from '../server-helper/timemachine/check.js';
import { inspectTimeMachine, type TimeMachineProbe } from '../server-helper/timemachine/inspect.js';
import { buildBundle, encodePlist } from './support/timemachine.js';

const DAY = 86_400_000;
const NOW = Date.parse('2025-03-10T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * DAY);
const noOpens: TimeMachineProbe = { openPaths: async () => new Set() };

let dir: string;
let timeRoot: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-tm-'));
  timeRoot = join(dir, 'time');
  mkdirSync(timeRoot);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configFor(opts: { maxSize?: string; staleAfter?: string } = {}): HelperConfig {
  return HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    shares: [
      { name: 'time', role: 'time', path: timeRoot, timeMachine: opts.maxSize ? { maxSize: opts.maxSize } : {} },
    ],
    timeMachine: { staleAfter: opts.staleAfter ?? '7d' },
  });
}

describe('plists as macOS writes them', () => {
  for (const format of ['xml', 'binary'] as const) {
    it(`reads MachineID.plist and SnapshotHistory.plist in ${format}`, () => {
      const id = encodePlist(
        {
          'com.apple.backupd.HostUUID': 'ABCD-1234',
          'com.apple.backupd.ModelID': 'Mac14,2',
          VerificationState: 1,
          VerificationDate: daysAgo(3),
        },
        format,
      );
      expect(id.subarray(0, 6).toString('latin1') === 'bplist').toBe(format === 'binary');
      expect(readMachineId(parsePlist(id))).toEqual({
        hostUuid: 'ABCD-1234',
        model: 'Mac14,2',
        verification: 'passed',
        verifiedAt: daysAgo(3),
      });
      // Snapshots are not in date order in the file; the newest completion wins.
      const history = encodePlist(
        {
          Snapshots: [daysAgo(5), daysAgo(1), daysAgo(9)].map((d) => ({
            'com.apple.backupd.SnapshotCompletionDate': d,
            'com.apple.backupd.SnapshotName': 'x.backup',
          })),
        },
        format,
      );
      expect(lastCompletion(parsePlist(history))).toEqual(daysAgo(1));
    });
  }

  it('maps VerificationState 2 and a declined recovery to failed, 0 or none to unknown', () => {
    const state = (v: Record<string, number | Date>) =>
      readMachineId(parsePlist(encodePlist(v, 'binary'))).verification;
    expect(state({ VerificationState: 2 })).toBe('failed');
    expect(state({ VerificationState: 0, RecoveryBackupDeclinedDate: daysAgo(1) })).toBe('failed');
    expect(state({ VerificationState: 0 })).toBe('unknown');
    expect(state({})).toBe('unknown');
  });

  it('refuses a file that is no plist, naming the encoding it tried', () => {
    expect(() => parsePlist(Buffer.from('bplist00garbage'))).toThrow(/not a property list \(binary\)/);
    expect(() => parsePlist(Buffer.from('<html>'))).toThrow(/not a property list \(XML\)/);
  });

  it('names bundles: NAME.sparsebundle, NAME.backupbundle, and Leopard’s NAME_MACADDRESS', () => {
    expect(bundleNameOf('count-zero.backupbundle')).toEqual({ name: 'count-zero', kind: 'backupbundle' });
    expect(bundleNameOf("Alice's MacBook Pro.sparsebundle")).toEqual({
      name: "Alice's MacBook Pro",
      kind: 'sparsebundle',
    });
    expect(bundleNameOf('old-mac_001122aabbcc.sparsebundle')).toEqual({ name: 'old-mac', kind: 'sparsebundle' });
    expect(bundleNameOf('notes.txt')).toBeNull();
    expect(bundleNameOf('.sparsebundle')).toBeNull();
  });

  it('folds a computer name and a host name the same way', () => {
    expect(timeMachineHostKey("Alice's MacBook Pro")).toBe('alices-macbook-pro');
    expect(timeMachineHostKey('Alices-MacBook-Pro.local')).toBe('alices-macbook-pro');
    expect(timeMachineHostKey('Zoë’s iMac')).toBe('zoes-imac');
  });
});

describe('inspectTimeMachine', () => {
  it('reports each Mac at the root and in per-user folders, with size, last backup, last write and verification', async () => {
    // macOS 11+: a backupbundle with binary plists and a snapshot history.
    buildBundle(timeRoot, {
      name: 'count-zero',
      format: 'binary',
      model: 'MacBookPro18,3',
      verificationState: 1,
      verificationDate: daysAgo(2),
      completions: [daysAgo(4), daysAgo(1)],
      bands: [
        { name: '0', bytes: 65536, mtime: daysAgo(1) },
        { name: '1', bytes: 4096, mtime: daysAgo(30) },
      ],
    });
    // An older Mac in alice's own folder: sparsebundle, XML, no SnapshotHistory.plist.
    buildBundle(timeRoot, {
      owner: 'alice',
      name: "Alice's MacBook Air",
      kind: 'sparsebundle',
      format: 'xml',
      verificationState: 2,
      bands: [
        { name: '0', bytes: 8192, mtime: daysAgo(12) },
        { name: '1f', bytes: 8192, mtime: daysAgo(3) },
      ],
    });
    // Not bundles, or not the Mac's: a file, a symlink to a bundle, a bundle two levels down.
    mkdirSync(join(timeRoot, 'bob', 'nested'), { recursive: true });
    buildBundle(join(timeRoot, 'bob', 'nested'), { name: 'too-deep', bands: [] });
    symlinkSync(join(timeRoot, 'count-zero.backupbundle'), join(timeRoot, 'evil.backupbundle'));

    const report = TimeMachineReport.parse(
      await inspectTimeMachine(configFor({ maxSize: '1M' }), {
        clients: [{ id: 'count-zero', hostName: 'Count-Zero.local' }],
        now: NOW,
        probe: noOpens,
      }),
    );
    expect(report.share).toBe('time');
    expect(report.openFilesKnown).toBe(true);
    expect(report.macs.map((m) => m.path)).toEqual([
      "alice/Alice's MacBook Air.sparsebundle",
      'count-zero.backupbundle',
    ]);

    const [air, cz] = report.macs as [(typeof report.macs)[0], (typeof report.macs)[0]];
    expect(cz).toMatchObject({
      name: 'count-zero',
      owner: null,
      kind: 'backupbundle',
      model: 'MacBookPro18,3',
      clientIds: ['count-zero'],
      lastBackup: daysAgo(1).toISOString(),
      lastBackupSource: 'snapshot-history',
      lastWrite: daysAgo(1).toISOString(),
      running: false,
      verification: 'passed',
      verifiedAt: daysAgo(2).toISOString(),
      maxSizeBytes: 1024 * 1024,
    });
    // Size on disk is the blocks the files take, as du counts them.
    const blocks = (d: string): number =>
      readdirSync(d).reduce((sum, n) => {
        const st = lstatSync(join(d, n));
        return sum + (st.isDirectory() ? blocks(join(d, n)) : st.blocks * 512);
      }, 0);
    expect(cz.sizeBytes).toBe(blocks(join(timeRoot, 'count-zero.backupbundle')));
    expect(cz.sizeBytes).toBeGreaterThan(65536);
    expect(cz.usage).toBeCloseTo(cz.sizeBytes / (1024 * 1024), 6);
    expect(cz.warnings).toEqual([]);

    // No history file: the newest band write is the end of the last backup.
    expect(air).toMatchObject({
      name: "Alice's MacBook Air",
      owner: 'alice',
      kind: 'sparsebundle',
      lastBackup: daysAgo(3).toISOString(),
      lastBackupSource: 'last-write',
      verification: 'failed',
      clientIds: [],
    });
    expect(air.warnings.map((w) => w.code)).toEqual(['verification-failed']);
    expect(statSync(join(timeRoot, 'evil.backupbundle')).isDirectory()).toBe(true); // the symlink does point at a bundle
  });

  it('warns of a stale backup, a nearly full one, and a bundle without any completed backup', async () => {
    buildBundle(timeRoot, {
      name: 'stale-mac',
      completions: [daysAgo(8)],
      bands: [{ name: '0', bytes: 4096, mtime: daysAgo(8) }],
    });
    buildBundle(timeRoot, {
      name: 'big-mac',
      completions: [daysAgo(0.5)],
      bands: [{ name: '0', bytes: 950 * 1024, mtime: daysAgo(0.5) }],
    });
    buildBundle(timeRoot, { name: 'new-mac', bands: [] });
    const report = await inspectTimeMachine(configFor({ maxSize: '1M' }), { clients: [], now: NOW, probe: noOpens });
    const codes = Object.fromEntries(report.macs.map((m) => [m.name, m.warnings.map((w) => w.code)]));
    expect(codes).toEqual({ 'big-mac': ['nearly-full'], 'new-mac': ['stale'], 'stale-mac': ['stale'] });
    expect(report.macs.find((m) => m.name === 'stale-mac')!.warnings[0]!.message).toBe(
      'stale-mac has not completed a Time Machine backup in 8 days (over 7)',
    );
    // The threshold is configuration.
    const relaxed = await inspectTimeMachine(configFor({ maxSize: '1M', staleAfter: '10d' }), {
      clients: [],
      now: NOW,
      probe: noOpens,
    });
    expect(relaxed.macs.find((m) => m.name === 'stale-mac')!.warnings).toEqual([]);
  });

  it('says running when Samba holds a file inside the bundle open, and does not call a running backup stale', async () => {
    const bundle = buildBundle(timeRoot, {
      owner: 'alice',
      name: 'old-mac',
      kind: 'sparsebundle',
      bands: [{ name: '0', bytes: 4096, mtime: daysAgo(20) }],
    });
    const probe: TimeMachineProbe = {
      openPaths: async () => new Set([join(bundle, 'bands', '0'), join(timeRoot, 'other.txt')]),
    };
    const mac = (await inspectTimeMachine(configFor(), { clients: [], now: NOW, probe })).macs[0]!;
    // The band being written is the running backup's, so it says nothing about the last completed one.
    expect(mac).toMatchObject({
      running: true,
      lastBackup: null,
      lastBackupSource: null,
      lastWrite: daysAgo(20).toISOString(),
      warnings: [],
    });
    const unknown = await inspectTimeMachine(configFor(), {
      clients: [],
      now: NOW,
      probe: { openPaths: async () => null },
    });
    expect(unknown.openFilesKnown).toBe(false);
    expect(unknown.macs[0]!.running).toBe(false);
  });

  it("scans the users' folders of a per-user share whose path is /time/%U", async () => {
    buildBundle(timeRoot, { owner: 'alice', name: 'count-zero', completions: [daysAgo(1)], bands: [] });
    const config = HelperConfig.parse({
      store: { path: join(dir, 'h.db') },
      shares: [{ name: 'time', role: 'time', path: join(timeRoot, '%U'), timeMachine: {} }],
    });
    const report = await inspectTimeMachine(config, { clients: [], now: NOW, probe: noOpens });
    expect(report.macs.map((m) => [m.owner, m.path])).toEqual([['alice', 'alice/count-zero.backupbundle']]);
  });

  it('reports no Macs without a Time Machine share', async () => {
    const config = HelperConfig.parse({
      store: { path: join(dir, 'h.db') },
      shares: [{ name: 'flux', path: timeRoot }],
    });
    expect(await inspectTimeMachine(config, { clients: [], now: NOW, probe: noOpens })).toMatchObject({
      share: null,
      macs: [],
    });
  });
});

describe('checkTimeMachineAndWarn', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(join(dir, 'helper.db'));
  });
  afterEach(() => store.close());

  it('announces each warning once, forgets it when it clears, and announces its return', async () => {
    const config = configFor({ maxSize: '1M' });
    store.clients.record('count-zero', { hostName: 'count-zero.local', os: 'darwin', appVersion: '1.0.0', shares: [] });
    buildBundle(timeRoot, {
      name: 'count-zero',
      format: 'binary',
      completions: [daysAgo(9)],
      verificationState: 2,
      bands: [{ name: '0', bytes: 4096, mtime: daysAgo(9) }],
    });
    const bus = new EventBus(store.events);
    const seen: FtsEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const check = (now: number) => checkTimeMachineAndWarn({ config, store, bus, probe: noOpens, now });

    const first = await check(NOW);
    expect(first.announced.map((a) => a.code).sort()).toEqual(['stale', 'verification-failed']);
    expect(seen.map((e) => e.type)).toEqual(['timemachine.warning', 'timemachine.warning']);
    const stale = seen.find((e) => e.type === 'timemachine.warning' && e.data.code === 'stale')!;
    expect(stale.data).toMatchObject({
      host: 'count-zero',
      hostKey: 'count-zero',
      clientIds: ['count-zero'],
      bundle: 'count-zero.backupbundle',
      lastBackup: daysAgo(9).toISOString(),
    });

    // The same state an hour later: nothing new is said.
    expect((await check(NOW + 3600_000)).announced).toEqual([]);
    expect(seen).toHaveLength(2);

    // A backup completes (newer history): stale clears, verification still failed and not repeated.
    buildBundle(timeRoot, {
      name: 'count-zero',
      format: 'binary',
      completions: [daysAgo(9), daysAgo(0)],
      verificationState: 2,
      bands: [],
    });
    expect((await check(NOW + 2 * 3600_000)).announced).toEqual([]);
    // Eight days on without another backup: stale again, announced again.
    const again = await check(NOW + 8 * DAY);
    expect(again.announced.map((a) => a.code)).toEqual(['stale']);
    expect(seen).toHaveLength(3);
  });
});
