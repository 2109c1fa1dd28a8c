/**
 * The Time Machine reader against files a household member writes in their own folder of the time share (the
 * attacker review's findings): plists that would freeze or kill the daemon when parsed, more bundles than any Mac
 * makes, bundles with more entries than a walk should count. Each is refused or cut short with a warning, and
 * the other members' Macs are still read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeMachineReport } from '../contract/index.js';
import { HelperConfig } from '../server-helper/config/schema.js';
import { MACHINE_ID_PLIST, SNAPSHOT_HISTORY_PLIST } from '../server-helper/timemachine/bundle.js';
import { inspectTimeMachine, type TimeMachineProbe } from '../server-helper/timemachine/inspect.js';
import { PlistParser } from '../server-helper/timemachine/plist-parser.js';
import { READ_BOUNDS } from '../server-helper/timemachine/read.js';
import { stringReferenceBomb } from './support/plist-bombs.js';
import { buildBundle, encodePlist } from './support/timemachine.js';

const NOW = Date.parse('2025-03-10T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000);
const noOpens: TimeMachineProbe = { openPaths: async () => new Set() };

let dir: string;
let timeRoot: string;
let parser: PlistParser;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-tm-hostile-'));
  timeRoot = join(dir, 'time');
  mkdirSync(timeRoot);
  parser = new PlistParser();
});
afterEach(async () => {
  await parser.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = () =>
  HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    shares: [{ name: 'time', role: 'time', path: join(timeRoot, '%U'), timeMachine: {} }],
  });

/** A folder named like a bundle, as a member makes one over SMB, holding these files. */
function fakeBundle(owner: string, folder: string, files: Record<string, Buffer> = {}): string {
  const bundle = join(timeRoot, owner, folder);
  mkdirSync(bundle, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(bundle, name), data);
  return bundle;
}

describe('a member’s plists', () => {
  it('a reference bomb and an oversized plist make that bundle unreadable, are never parsed, and the other Macs are read', async () => {
    buildBundle(timeRoot, { owner: 'bob', name: 'bobs-mac', model: 'Mac14,2', completions: [daysAgo(1)], bands: [] });
    // 200 KB on disk, 2 MB of strings once parsed (the review's 1 MB file of 100 references to a 1 MB string
    // took 25 s and 3.4 GB, a thousand references killed the daemon); and a valid history of 300 KiB.
    fakeBundle('alice', 'Evil.sparsebundle', {
      [MACHINE_ID_PLIST]: stringReferenceBomb(10, 200_000),
      [SNAPSHOT_HISTORY_PLIST]: encodePlist(
        {
          Snapshots: [{ 'com.apple.backupd.SnapshotCompletionDate': daysAgo(1), pad: 'x'.repeat(300 * 1024) }],
        },
        'xml',
      ),
    });
    const report = TimeMachineReport.parse(
      await inspectTimeMachine(config(), { clients: [], now: NOW, probe: noOpens, parser }),
    );
    const [evil, bobs] = report.macs;
    expect(evil).toMatchObject({ path: 'alice/Evil.sparsebundle', model: null, lastBackup: null });
    const unreadable = evil!.warnings.find((w) => w.code === 'unreadable')!;
    expect(unreadable.message).toMatch(new RegExp(`${MACHINE_ID_PLIST}: .*expands to more than 1048576 bytes`));
    expect(unreadable.message).toContain(`${SNAPSHOT_HISTORY_PLIST}: larger than 262144 bytes`);
    expect(bobs).toMatchObject({ path: 'bob/bobs-mac.backupbundle', model: 'Mac14,2', warnings: [] });
    expect(bobs!.lastBackup).toBe(daysAgo(1).toISOString());
    // Only bob's two plists reached the parser.
    expect(parser.parsed).toBe(2);
  });

  it('a plist within the size checks that needs more memory than the worker has fails there, not in the daemon', async () => {
    const small = new PlistParser({ heapMb: 8, timeoutMs: 60_000 });
    try {
      const greedy = `<?xml version="1.0"?><plist version="1.0"><array>${'<true/>'.repeat(37_000)}</array></plist>`;
      expect(greedy.length).toBeLessThan(256 * 1024);
      await expect(small.parse(Buffer.from(greedy))).rejects.toThrow(/needs more than 8 MiB to parse/);
      // The next plist gets a new worker.
      expect(await small.parse(encodePlist({ VerificationState: 1 }, 'xml'))).toEqual({ VerificationState: 1 });
      expect(small.parsed).toBe(2);
    } finally {
      await small.close();
    }
  });
});

describe('a member’s folders', () => {
  it('reads the first 8 bundles of a folder and 64 in all, with a warning for each cut, and parses no more', async () => {
    const id = encodePlist({ VerificationState: 1 }, 'xml');
    for (let i = 0; i < 1000; i++)
      fakeBundle('alice', `mac-${String(i).padStart(4, '0')}.sparsebundle`, { [MACHINE_ID_PLIST]: id });
    for (let u = 0; u < 9; u++)
      for (let i = 0; i < 8; i++) fakeBundle(`user${u}`, `mac-${i}.backupbundle`, { [MACHINE_ID_PLIST]: id });
    const report = TimeMachineReport.parse(
      await inspectTimeMachine(config(), { clients: [], now: NOW, probe: noOpens, parser }),
    );
    expect(report.warnings).toEqual([
      'The folder “alice” in the Time Machine share holds 1,000 backups; only 8 are read (registered Macs first, then by name). A Mac makes one: remove the others.',
      'The Time Machine share holds 80 backups; only 64 are read (registered Macs first, then by name).',
    ]);
    expect(report.macs).toHaveLength(64);
    expect(report.macs.filter((m) => m.owner === 'alice').map((m) => m.name)).toEqual(
      Array.from({ length: 8 }, (_, i) => `mac-000${i}`),
    );
    expect(parser.parsed).toBe(64);
  });

  it('junk in a member’s folder is listed only to its bounds, with a warning, and never hides another member’s Mac', async () => {
    buildBundle(timeRoot, { owner: 'bob', name: 'bobs-mac', model: 'Mac14,2', completions: [daysAgo(1)], bands: [] });
    mkdirSync(join(timeRoot, 'alice'), { recursive: true });
    for (let i = 0; i < 5000; i++) writeFileSync(join(timeRoot, 'alice', `junk-${i}`), '');
    buildBundle(timeRoot, { owner: 'alice', name: 'alices-mac', completions: [daysAgo(1)], bands: [] });
    const read = (bounds: Partial<typeof READ_BOUNDS>) =>
      inspectTimeMachine(config(), {
        clients: [],
        now: NOW,
        probe: noOpens,
        parser,
        bounds: { ...READ_BOUNDS, ...bounds },
      });
    // 5,000 files beside alice's bundle: not folders, so not counted; her Mac is found wherever it is listed.
    let report = await read({ foldersPerUserFolder: 1000 });
    expect(report.warnings).toEqual([]);
    expect(report.macs.map((m) => m.name).sort()).toEqual(['alices-mac', 'bobs-mac']);
    // 3,000 folders: listed to a member folder's bound and said so; bob's Mac, in his own folder, is still read.
    for (let i = 0; i < 3000; i++) mkdirSync(join(timeRoot, 'alice', `junk-dir-${i}`));
    report = await read({ foldersPerUserFolder: 1000 });
    expect(report.warnings).toEqual([
      "The folder “alice” in the Time Machine share holds more than 1,000 folders; only those were checked, so a Mac's backup in it may be missing here. Move what is not a Time Machine backup out of it.",
    ]);
    expect(report.macs.map((m) => m.name)).toContain('bobs-mac');
    // Names read are bounded too, files included: a folder of junk costs at most that much to list.
    report = await read({ namesPerFolder: 2000 });
    expect(report.warnings).toEqual([
      "The folder “alice” in the Time Machine share holds more than 2,000 files and folders; only those were checked, so a Mac's backup in it may be missing here. Move what is not a Time Machine backup out of it.",
    ]);
    expect(report.macs.map((m) => m.name)).toContain('bobs-mac');
  });

  it('on a share for every Mac, each registered Mac is read before a member’s crowd of bundle folders, one per Mac', async () => {
    const flat = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      shares: [{ name: 'time', role: 'time', path: timeRoot, timeMachine: { perUser: false } }],
    });
    const id = encodePlist({ VerificationState: 1 }, 'xml');
    for (let i = 0; i < 20; i++)
      fakeBundle('', `aaa-${String(i).padStart(2, '0')}.sparsebundle`, { [MACHINE_ID_PLIST]: id });
    // Nine folders whose names fold to a registered Mac's: they share its one early place, not take nine.
    for (const n of ['ALICES MACBOOK', 'alices_macbook', 'Alice’s MacBook', 'ALICES-MACBOOK', 'alices.macbook'])
      fakeBundle('', `${n}.sparsebundle`, { [MACHINE_ID_PLIST]: id });
    for (let i = 0; i < 4; i++)
      fakeBundle('', `Alices  MacBook${'_'.repeat(i + 1)}.sparsebundle`, { [MACHINE_ID_PLIST]: id });
    buildBundle(timeRoot, { name: 'Zoes-MacBook', completions: [daysAgo(1)], bands: [] });
    const clients = [
      { id: 'zoe-mbp', hostName: 'Zoes-MacBook.local' },
      { id: 'alice-mbp', hostName: 'Alices-MacBook.local' },
    ];
    const report = await inspectTimeMachine(flat, { clients, now: NOW, probe: noOpens, parser });
    expect(report.warnings).toEqual([
      'The Time Machine share’s top folder holds 30 backups; only 8 are read (registered Macs first, then by name). A Mac makes one: remove the others.',
    ]);
    expect(report.macs.map((m) => m.name)).toContain('Zoes-MacBook');
    expect(report.macs).toHaveLength(8);
    expect(report.macs.find((m) => m.name === 'Zoes-MacBook')?.clientIds).toEqual(['zoe-mbp']);
    expect(report.macs.filter((m) => m.clientIds.includes('alice-mbp')).length).toBe(1);
    // Unregistered, the same Mac would have been left out: the crowd sorts first by name.
    const unregistered = await inspectTimeMachine(flat, { clients: [], now: NOW, probe: noOpens, parser });
    expect(unregistered.macs.map((m) => m.name)).not.toContain('Zoes-MacBook');
  });

  it('stops counting a bundle past its entry bound and says so', async () => {
    const bundle = fakeBundle('alice', 'many.sparsebundle');
    mkdirSync(join(bundle, 'bands'));
    for (let i = 0; i < 20; i++) writeFileSync(join(bundle, 'bands', i.toString(16)), 'x');
    const report = await inspectTimeMachine(config(), {
      clients: [],
      now: NOW,
      probe: noOpens,
      parser,
      bounds: { ...READ_BOUNDS, entriesPerBundle: 10 },
    });
    const mac = report.macs[0]!;
    expect(mac).toMatchObject({ sizeBytes: 0, lastWrite: null });
    expect(mac.warnings.find((w) => w.code === 'unreadable')?.message).toMatch(/too many entries \(over 10\)/);
  });
});
