/** Drives on loop-mounted ext4 images: state, wrong filesystem, usage thresholds, warnings once, plan and apply. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../server-helper/config/schema.js';
import { DriveStatus } from '../contract/index.js';
import { inspectDrive, inspectDrives } from '../server-helper/drives/inventory.js';
import { applyProvision, formatPlan, planProvision, ProvisionRefused } from '../server-helper/drives/plan.js';
import { checkDrivesAndWarn } from '../server-helper/drives/warnings.js';
import { driveCheckTask } from '../server-helper/drives/task.js';
import { EventBus } from '../server-helper/runs/bus.js';
import { openStore, type Store } from '../server-helper/store/index.js';
import { requireBinaries, requireRoot } from './support/require.js';

let dir: string;
const mounted: string[] = [];
const loops: string[] = [];

function image(name: string, label: string | null): string {
  const img = join(dir, `${name}.img`);
  execFileSync('truncate', ['-s', '64M', img]);
  if (label) execFileSync('mkfs.ext4', ['-q', '-L', label, img]);
  return img;
}
function mount(img: string, mp: string): void {
  mkdirSync(mp, { recursive: true });
  execFileSync('mount', ['-o', 'loop', img, mp]);
  mounted.push(mp);
}
function loop(img: string): string {
  const dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  loops.push(dev);
  return dev;
}

let config: HelperConfig;
let store: Store;

beforeAll(() => {
  requireRoot('loop-mounted ext4 images');
  requireBinaries('/usr/sbin/mkfs.ext4');
  dir = mkdtempSync(join(tmpdir(), 'fts-drives-'));
  mount(image('flux', 'flux'), join(dir, 'mnt/flux'));
  mount(image('time', 'other'), join(dir, 'mnt/time'));
  mkdirSync(join(dir, 'mnt/space'), { recursive: true });
  config = HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    drives: {
      flux: { mountPoint: join(dir, 'mnt/flux'), label: 'flux' },
      time: { mountPoint: join(dir, 'mnt/time'), label: 'time' },
      space: { mountPoint: join(dir, 'mnt/space'), label: 'space' },
    },
  });
  store = openStore(config.store.path);
});

afterAll(() => {
  store?.close();
  for (const mp of mounted.reverse()) spawnSync('umount', [mp]);
  for (const dev of loops) spawnSync('losetup', ['-d', dev]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('inventory', () => {
  it('reports mounted, wrong filesystem and not mounted, with sizes and SMART unknown with its reason', async () => {
    const list = await inspectDrives(config);
    for (const d of list) DriveStatus.parse(d); // the contract's strict shape
    const [flux, time, space] = list;
    expect(flux).toMatchObject({
      role: 'flux',
      mounted: true,
      expectedFilesystem: true,
      fsType: 'ext4',
      label: 'flux',
      health: 'unknown',
      warnings: [],
    });
    expect(flux!.device).toMatch(/^\/dev\/loop\d+$/);
    expect(flux!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(flux!.sizeBytes).toBeGreaterThan(50e6);
    expect(flux!.availableBytes).toBeGreaterThan(40e6);
    expect(flux!.inodesTotal).toBeGreaterThan(1000);
    expect(flux!.healthReason).toMatch(/Unable to detect device type|not installed/);
    expect(time).toMatchObject({ mounted: true, expectedFilesystem: false, label: 'other' });
    expect(time!.warnings.map((w) => w.code)).toEqual(['wrong-filesystem']);
    expect(space).toMatchObject({ mounted: false, expectedFilesystem: false, sizeBytes: null });
    expect(space!.warnings.map((w) => w.code)).toEqual(['not-mounted']);
  });

  it('a UUID mismatch is the wrong filesystem too; a sandbox folder is enough when requireMount is false', async () => {
    const d = await inspectDrive('flux', {
      mountPoint: join(dir, 'mnt/flux'),
      uuid: '00000000-0000-0000-0000-000000000000',
      fsType: 'ext4',
      requireMount: true,
    });
    expect(d.warnings.map((w) => w.code)).toEqual(['wrong-filesystem']);
    const sb = await inspectDrive('space', { mountPoint: join(dir, 'mnt/space'), fsType: 'ext4', requireMount: false });
    expect(sb).toMatchObject({ mounted: true, expectedFilesystem: true, warnings: [] });
    expect(sb.sizeBytes).toBeGreaterThan(0);
    const gone = await inspectDrive('space', { mountPoint: join(dir, 'nope'), fsType: 'ext4', requireMount: false });
    expect(gone.warnings.map((w) => w.code)).toEqual(['not-mounted']);
  });
});

describe('drive check', () => {
  const fill = (ratio: number) => {
    const mp = join(dir, 'mnt/flux');
    rmSync(join(mp, 'fill'), { force: true });
    const df = execFileSync('df', ['-B1', '--output=used,avail', mp], { encoding: 'utf8' })
      .split('\n')[1]!
      .trim()
      .split(/\s+/)
      .map(Number);
    const [used, avail] = df as [number, number];
    const target = Math.ceil(ratio * (used + avail)) - used + 1024 * 1024;
    execFileSync('fallocate', ['-l', String(target), join(mp, 'fill')]);
  };
  const bus = () => new EventBus(store.events);
  const warningsPublished = () =>
    store.events
      .since(0, 1000)
      .filter((e) => e.type === 'drive.warning')
      .map((e) => e.data as { role: string; warning: { code: string } })
      .map((d) => `${d.role}:${d.warning.code}`);

  it('publishes drive.warning once per new condition, and again when a cleared one comes back', async () => {
    const first = await checkDrivesAndWarn({ config, store, bus: bus() });
    expect(first.announced.map((a) => `${a.role}:${a.warning.code}`)).toEqual([
      'time:wrong-filesystem',
      'space:not-mounted',
    ]);
    const second = await checkDrivesAndWarn({ config, store, bus: bus() });
    expect(second.announced).toEqual([]);
    expect(second.current).toBe(2);

    fill(0.87);
    const high = await checkDrivesAndWarn({ config, store, bus: bus() });
    expect(high.announced.map((a) => `${a.role}:${a.warning.code}`)).toEqual(['flux:usage-high']);
    expect(high.drives[0]!.warnings[0]!.message).toMatch(/8[5-9]% full/);
    fill(0.96);
    const critical = await checkDrivesAndWarn({ config, store, bus: bus() });
    expect(critical.announced.map((a) => `${a.role}:${a.warning.code}`)).toEqual(['flux:usage-critical']);
    expect(critical.drives[0]!.warnings.map((w) => w.code)).toEqual(['usage-critical']);

    rmSync(join(dir, 'mnt/flux/fill'));
    expect((await checkDrivesAndWarn({ config, store, bus: bus() })).announced).toEqual([]);
    fill(0.87);
    expect((await checkDrivesAndWarn({ config, store, bus: bus() })).announced.map((a) => a.warning.code)).toEqual([
      'usage-high',
    ]);
    rmSync(join(dir, 'mnt/flux/fill'));
    expect(warningsPublished()).toEqual([
      'time:wrong-filesystem',
      'space:not-mounted',
      'flux:usage-high',
      'flux:usage-critical',
      'flux:usage-high',
    ]);
  });

  it('runs as the drive-check task with a warning outcome', async () => {
    const logs: string[] = [];
    const out = await driveCheckTask.run({
      config,
      store,
      bus: bus(),
      log: undefined as never,
      runId: 1,
      job: 'drive-check',
      params: null,
      signal: new AbortController().signal,
      appendLog: (t) => logs.push(t),
    });
    expect(out.status).toBe('warning');
    expect(out.summary).toMatchObject({ drives: 3, warnings: 2 });
    expect(logs.join('')).toMatch(/not mounted/);
    expect(driveCheckTask.resources(config, null)).toEqual([]);
  });
});

describe('provisioning', () => {
  it('plan prints mkfs.ext4 with the label, the mount point and an fstab line by UUID with nofail', () => {
    const p = planProvision(config, 'space', '/dev/sdz', {
      fstab: '/etc/fstab',
      uuid: '12345678-1234-1234-1234-123456789abc',
    });
    expect(formatPlan(p)).toBe(
      [
        `Provision /dev/sdz as space (${dir}/mnt/space):`,
        '  1. make an ext4 filesystem labelled space with UUID 12345678-1234-1234-1234-123456789abc on /dev/sdz',
        '     mkfs.ext4 -q -F -L space -U 12345678-1234-1234-1234-123456789abc /dev/sdz',
        `  2. create the mount point ${dir}/mnt/space`,
        `     mkdir -p ${dir}/mnt/space`,
        '  3. add to /etc/fstab (nofail: the server still boots without the disk)',
        `     UUID=12345678-1234-1234-1234-123456789abc ${dir}/mnt/space ext4 defaults,nofail 0 2`,
        `  4. mount ${dir}/mnt/space`,
        `     mount ${dir}/mnt/space`,
        '',
      ].join('\n'),
    );
    expect(() => planProvision(config, 'nope', '/dev/sdz')).toThrow(ProvisionRefused);
    expect(() => planProvision(config, 'space', 'sdz; rm -rf /')).toThrow(/block device/);
  });

  it('apply refuses a device with a filesystem unless --wipe names its UUID, and a mounted one always', async () => {
    const img = image('used', 'precious');
    const dev = loop(img);
    const uuid = execFileSync('blkid', ['-p', '-s', 'UUID', '-o', 'value', dev], { encoding: 'utf8' }).trim();
    const fstab = join(dir, 'fstab');
    writeFileSync(fstab, '# test fstab\n');
    const plan = planProvision(config, 'space', dev, { fstab });
    await expect(applyProvision(plan)).rejects.toThrow(
      new RegExp(`holds an ext4 filesystem labelled precious \\(UUID ${uuid}\\); to erase it, pass --wipe`),
    );
    await expect(applyProvision(plan, { wipe: '11111111-2222-3333-4444-555555555555' })).rejects.toThrow(
      /does not name/,
    );
    // Nothing changed: same filesystem, same fstab.
    expect(execFileSync('blkid', ['-p', '-s', 'LABEL', '-o', 'value', dev], { encoding: 'utf8' }).trim()).toBe(
      'precious',
    );
    expect(readFileSync(fstab, 'utf8')).toBe('# test fstab\n');

    const fluxDev = execFileSync('findmnt', ['-n', '-o', 'SOURCE', join(dir, 'mnt/flux')], { encoding: 'utf8' }).trim();
    const fluxUuid = execFileSync('blkid', ['-p', '-s', 'UUID', '-o', 'value', fluxDev], { encoding: 'utf8' }).trim();
    await expect(
      applyProvision(planProvision(config, 'space', fluxDev, { fstab }), { wipe: fluxUuid }),
    ).rejects.toThrow(/is mounted at/);

    // With its UUID named exactly, the device is formatted, entered in fstab and mounted.
    await applyProvision(plan, { wipe: uuid });
    mounted.push(plan.mountPoint);
    expect(readFileSync(fstab, 'utf8')).toBe(`# test fstab\n${plan.fstabLine}\n`);
    const d = await inspectDrive('space', config.drives.space!);
    expect(d).toMatchObject({ mounted: true, expectedFilesystem: true, label: 'space', uuid: plan.uuid, warnings: [] });
  });

  it('apply on a blank device needs no --wipe, refuses a stray --wipe and a conflicting fstab line', async () => {
    const dev = loop(image('blank', null));
    const fstab = join(dir, 'fstab-blank');
    const other = HelperConfig.parse({
      ...config,
      drives: { flux: { mountPoint: join(dir, 'mnt/new'), label: 'newdisk' } },
    });
    const plan = planProvision(other, 'flux', dev, { fstab });
    await expect(applyProvision(plan, { wipe: 'anything' })).rejects.toThrow(/holds no filesystem/);
    writeFileSync(fstab, `UUID=abc ${join(dir, 'mnt/new')} ext4 defaults 0 2\n`);
    await expect(applyProvision(plan)).rejects.toThrow(/already mounts something/);
    expect(spawnSync('blkid', ['-p', dev]).status).toBe(2); // still blank
    writeFileSync(fstab, '');
    await applyProvision(plan);
    mounted.push(plan.mountPoint);
    const d = await inspectDrive('flux', other.drives.flux!);
    expect(d).toMatchObject({ mounted: true, expectedFilesystem: true, label: 'newdisk', uuid: plan.uuid });
  });

  it('the CLI: drives --json, and apply without --yes or on a device with data exits 2', () => {
    const cfg = join(dir, 'helper.yaml');
    writeFileSync(
      cfg,
      JSON.stringify({
        store: { path: join(dir, 'cli.db') },
        drives: { space: { mountPoint: join(dir, 'mnt/cli'), label: 'space' } },
      }),
    );
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['bin/fts-helper.mjs', ...args, '--config', cfg], { encoding: 'utf8' });
    const st = run(['drives', '--json']);
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject([
      { role: 'space', mounted: false, warnings: [{ code: 'not-mounted' }] },
    ]);
    // The check is the drive-check job, run through the job runner: recorded in the history like a scheduled run.
    const check = run(['drives', 'check', '--json']);
    expect(check.status, check.stderr).toBe(0);
    const checked = JSON.parse(check.stdout);
    expect(checked).toMatchObject({ announced: [{ role: 'space', warning: { code: 'not-mounted' } }], current: 1 });
    const history = openStore(join(dir, 'cli.db'));
    try {
      expect(history.runs.get(checked.runId)).toMatchObject({
        job: 'drive-check',
        kind: 'drive-check',
        trigger: 'manual',
        status: 'warning',
      });
    } finally {
      history.close();
    }
    const dev = loop(image('cli', 'keepme'));
    expect(run(['drives', 'apply', '--device', dev, '--role', 'space']).status).toBe(2);
    const r = run(['drives', 'apply', '--device', dev, '--role', 'space', '--yes', '--fstab', join(dir, 'fstab-cli')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds an ext4 filesystem labelled keepme/);
    const plan = run(['drives', 'plan', '--device', dev, '--role', 'space']);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/mkfs\.ext4 -q -F -L space -U [0-9a-f-]{36} \/dev\/loop\d+/);
  }, 180_000); // five CLI processes, each starting tsx
});
