/**
 * Provisioning as code: `drives plan` says exactly what `drives apply` will do to a device for a role
 * (mkfs.ext4 with the role's label and UUID, the mount point, an fstab line by UUID with `nofail`, mount),
 * and `apply` refuses a device that is mounted, or holds a filesystem or partition table it was not told to wipe.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { DriveConfig, HelperConfig } from '../config/schema.js';
import { householdGid, putShareRootRight, shareRootSpecs, type ShareRootSpec } from '../samba/share-roots.js';
import { readFileOrNull, writeFileAtomic } from '../system/atomic-file.js';
import { probeDevice } from '../system/blkid.js';
import { deviceSerial, isBlockDevice, makeExt4, mountFromFstab } from '../system/disks.js';
import { findMountsOf } from '../system/findmnt.js';

/** A refused plan or apply (bad role or device, device in use): exit 2. */
export class ProvisionRefused extends Error {
  override readonly name = 'ProvisionRefused';
}

/** One step, as a person would type it. */
export interface ProvisionStep {
  description: string;
  command: string[] | null;
}

/** What `drives apply` will do. */
export interface ProvisionPlan {
  role: string;
  device: string;
  label: string;
  uuid: string;
  mountPoint: string;
  fstab: string;
  fstabLine: string;
  /** The share folders on the new filesystem, with the owner, group and mode the household needs. */
  shareRoots: ShareRootSpec[];
  steps: ProvisionStep[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The drive config of a role, or a refusal naming the fix. */
export function driveOf(config: HelperConfig, role: string): DriveConfig {
  const cfg = (config.drives as Record<string, DriveConfig | undefined>)[role];
  if (!cfg)
    throw new ProvisionRefused(
      `role "${role}" has no drives.${role} section in the config (roles: ${Object.keys(config.drives).join(', ') || 'none'})`,
    );
  return cfg;
}

/** The plan (pure): the role's label (or the role name) and UUID (configured, else the one given or a new one). */
export function planProvision(
  config: HelperConfig,
  role: string,
  device: string,
  opts: { fstab?: string; uuid?: string } = {},
): ProvisionPlan {
  const cfg = driveOf(config, role);
  if (!cfg.requireMount)
    throw new ProvisionRefused(`drives.${role}.requireMount is false (a sandbox folder); nothing to provision`);
  if (cfg.fsType !== 'ext4')
    throw new ProvisionRefused(`drives.${role}.fsType is ${cfg.fsType}; fts-helper provisions ext4 only`);
  if (!/^\/dev\/[A-Za-z0-9/_.:-]+$/.test(device) || device.includes('..'))
    throw new ProvisionRefused(`--device "${device}": give a block device such as /dev/sdb`);
  const label = cfg.label ?? role;
  // ext4 labels hold at most 16 bytes.
  if (Buffer.byteLength(label) > 16 || /[\s\u0000-\u001f]/.test(label))
    throw new ProvisionRefused(`drives.${role}.label "${label}": at most 16 bytes, no spaces`);
  const uuid = (cfg.uuid ?? opts.uuid ?? randomUUID()).toLowerCase();
  if (!UUID.test(uuid)) throw new ProvisionRefused(`drives.${role}.uuid "${uuid}" is not a UUID`);
  const fstab = opts.fstab ?? '/etc/fstab';
  const fstabLine = `UUID=${uuid} ${cfg.mountPoint} ext4 defaults,nofail 0 2`;
  // A fresh filesystem's root is root:root 0755, which hides the folder the install prepared: members could not
  // write. Each share on this disk gets its folder as `samba apply` would set it.
  const under = (p: string) => p === cfg.mountPoint || p.startsWith(`${cfg.mountPoint.replace(/\/+$/, '')}/`);
  const shareRoots = shareRootSpecs(config).filter((r) => under(r.path));
  return {
    role,
    device,
    label,
    uuid,
    mountPoint: cfg.mountPoint,
    fstab,
    fstabLine,
    shareRoots,
    steps: [
      {
        description: `make an ext4 filesystem labelled ${label} with UUID ${uuid} on ${device}`,
        command: ['mkfs.ext4', '-q', '-F', '-L', label, '-U', uuid, device],
      },
      { description: `create the mount point ${cfg.mountPoint}`, command: ['mkdir', '-p', cfg.mountPoint] },
      { description: `add to ${fstab} (nofail: the server still boots without the disk)`, command: null },
      {
        description: `mount ${cfg.mountPoint}`,
        command: ['mount', ...(fstab === '/etc/fstab' ? [] : ['-T', fstab]), cfg.mountPoint],
      },
      ...shareRoots.map((r) => ({
        description: `give the share ${r.share} its folder ${r.path}: root:${r.group}, mode ${r.mode.toString(8)} (${
          r.mode === 0o2750 ? 'members reach their own Time Machine folders' : 'members write, new files keep the group'
        })`,
        command: ['install', '-d', '-o', 'root', '-g', r.group, '-m', r.mode.toString(8), r.path],
      })),
    ],
  };
}

/** The plan as text for a terminal. */
export function formatPlan(p: ProvisionPlan): string {
  const lines = [`Provision ${p.device} as ${p.role} (${p.mountPoint}):`];
  p.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.description}`);
    lines.push(s.command ? `     ${s.command.join(' ')}` : `     ${p.fstabLine}`);
  });
  return `${lines.join('\n')}\n`;
}

/** What apply needs from the system (real, or a test's). */
export interface DiskSystem {
  isBlockDevice(device: string): boolean;
  mountsOf(device: string): Promise<string[]>;
  probe(device: string): Promise<Record<string, string> | null>;
  serial(device: string): Promise<string | null>;
  mkfs(device: string, label: string, uuid: string): Promise<void>;
  mkdir(path: string): void;
  readFile(path: string): Buffer | null;
  writeFile(path: string, data: string): void;
  mount(fstab: string, mountPoint: string): Promise<void>;
  /** Makes a share folder on the new filesystem (when missing) and gives it its owner, group and mode. */
  placeShareRoot(spec: ShareRootSpec): Promise<void>;
}

/** The real system. */
export const realDiskSystem: DiskSystem = {
  isBlockDevice,
  mountsOf: async (d) => (await findMountsOf(d)).map((m) => m.target),
  probe: probeDevice,
  serial: deviceSerial,
  mkfs: makeExt4,
  mkdir: (p) => mkdirSync(p, { recursive: true, mode: 0o755 }),
  readFile: readFileOrNull,
  writeFile: (p, d) => writeFileAtomic(p, d),
  mount: mountFromFstab,
  placeShareRoot: async (spec) => {
    const gid = await householdGid(spec.group);
    mkdirSync(spec.path, { recursive: true, mode: 0o700 });
    await putShareRootRight(spec, gid);
  },
};

/** The fstab text with the plan's line added; unchanged when it is there; refused when the mount point has another entry. */
export function fstabWith(text: string, p: ProvisionPlan): string {
  const entries = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const same = entries.find((l) => l.trim().split(/\s+/)[1] === p.mountPoint);
  if (same) {
    if (same.trim().split(/\s+/).join(' ') === p.fstabLine) return text;
    throw new ProvisionRefused(
      `${p.fstab} already mounts something at ${p.mountPoint}: "${same.trim()}"; remove that line first`,
    );
  }
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${p.fstabLine}\n`;
}

/** What the device holds now, when anything: its description and the ids `--wipe` accepts. */
export interface DeviceContents {
  what: string;
  names: string[];
}

/**
 * Checks the device before a plan or an apply: refuses one that is missing, not a block device or mounted (exit 2);
 * says what it holds (a filesystem, a partition table), which apply erases only with --wipe.
 */
export async function inspectDevice(
  p: ProvisionPlan,
  sys: DiskSystem = realDiskSystem,
): Promise<DeviceContents | null> {
  if (!sys.isBlockDevice(p.device))
    throw new ProvisionRefused(
      `${p.device} ${existsSync(p.device) ? 'is not a block device' : 'does not exist'}: give a disk such as /dev/sdb (lsblk lists them)`,
    );
  const mounts = await sys.mountsOf(p.device);
  if (mounts.length)
    throw new ProvisionRefused(
      `${p.device} is mounted at ${mounts.join(', ')}; unmount it first (fts-helper never formats a mounted device)`,
    );
  const found = await sys.probe(p.device);
  if (!found) return null;
  const what = found.TYPE
    ? `${/^[aeiou]/i.test(found.TYPE) ? 'an' : 'a'} ${found.TYPE} filesystem${found.LABEL ? ` labelled ${found.LABEL}` : ''}${found.UUID ? ` (UUID ${found.UUID})` : ''}`
    : found.PTTYPE
      ? `a ${found.PTTYPE} partition table${found.PTUUID ? ` (PTUUID ${found.PTUUID})` : ''}`
      : 'data blkid recognises';
  const serial = await sys.serial(p.device).catch(() => null);
  const names = [found.UUID, found.PTUUID, serial].filter((x): x is string => !!x);
  return { what, names };
}

/** The warning a plan prints for a device that holds data. */
export function contentsWarning(p: ProvisionPlan, c: DeviceContents): string {
  return `${p.device} holds ${c.what}: apply erases it only with --wipe ${c.names.length ? c.names.join(' or ') : 'SERIAL'}`;
}

/** Carries out the plan; refuses a mounted device, and one holding data unless `wipe` names its UUID or serial exactly. */
export async function applyProvision(p: ProvisionPlan, opts: { wipe?: string; sys?: DiskSystem } = {}): Promise<void> {
  const sys = opts.sys ?? realDiskSystem;
  const found = await inspectDevice(p, sys);
  if (found) {
    const { what, names } = found;
    if (!opts.wipe)
      throw new ProvisionRefused(
        `${p.device} holds ${what}; to erase it, pass --wipe with its ${names.length ? `UUID or serial (${names.join(' or ')})` : 'serial'}`,
      );
    if (!names.includes(opts.wipe))
      throw new ProvisionRefused(
        `--wipe ${opts.wipe} does not name ${p.device} (it holds ${what}${names.length ? `; its ids: ${names.join(', ')}` : ''}); nothing was changed`,
      );
  } else if (opts.wipe) {
    throw new ProvisionRefused(`--wipe ${opts.wipe}: ${p.device} holds no filesystem to wipe; run without --wipe`);
  }
  const fstabText = (sys.readFile(p.fstab) ?? Buffer.alloc(0)).toString('utf8');
  const newFstab = fstabWith(fstabText, p); // refuse before formatting when fstab has a conflicting line
  await sys.mkfs(p.device, p.label, p.uuid);
  sys.mkdir(p.mountPoint);
  if (newFstab !== fstabText) sys.writeFile(p.fstab, newFstab);
  await sys.mount(p.fstab, p.mountPoint);
  for (const r of p.shareRoots) await sys.placeShareRoot(r);
}
