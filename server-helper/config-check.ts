/**
 * `config check`: everything `samba check` and `drives check` look at, plus what the seed leaves to fill in,
 * as findings that name the config key. Errors (exit 2) are what those commands would refuse; warnings and
 * incomplete sections are reported and do not fail the check.
 */
import type { HelperConfig } from './config/schema.js';
import { lookup } from 'node:dns/promises';
import { backupGaps, keyVaultGaps } from './config/completeness.js';
import { inspectDrives, realDriveProbe, type DriveProbe } from './drives/inventory.js';
import { checkCandidate, planSamba, realSambaSystem, SambaApplyError, type SambaSystem } from './samba/apply.js';
import { inspectShareRoots, shareRootReport } from './samba/share-roots.js';
import { sambaIssues } from './samba/validate.js';
import { hostIdentity, type HostIdentity } from './system/host-names.js';
import { timeMachineCapacityWarnings, type CapacityDeps } from './timemachine/capacity.js';

/** One thing the check found, named by its config key. */
export interface ConfigFinding {
  level: 'error' | 'warning' | 'incomplete';
  key: string;
  message: string;
}

/** The key a testparm or VFS-module problem belongs to: the share it names (`[flux] ...`), else samba. */
function keyOfSambaProblem(config: HelperConfig, problem: string): string {
  const share = /\[([^\]]+)\]|service (\S+?)\./.exec(problem);
  const name = share?.[1] ?? share?.[2];
  const i = name === undefined ? -1 : config.shares.findIndex((s) => s.name === name);
  return i >= 0 ? `shares[${i}]` : 'samba';
}

/** The Samba findings: the validation `samba apply` does, then testparm, VFS modules and avahi's DTD on the rendering. */
export async function sambaFindings(
  config: HelperConfig,
  sys: SambaSystem = realSambaSystem(),
): Promise<ConfigFinding[]> {
  const issues = sambaIssues(config, sys.realpath);
  if (issues.length) return issues.map((i) => ({ level: 'error', key: i.field, message: i.message }));
  try {
    const result = await checkCandidate(planSamba(config, sys), sys);
    return [
      ...result.problems.map((p): ConfigFinding => ({ level: 'error', key: keyOfSambaProblem(config, p), message: p })),
      ...result.warnings.map((w): ConfigFinding => ({ level: 'warning', key: 'samba', message: w })),
    ];
  } catch (err) {
    if (err instanceof SambaApplyError) return [{ level: 'error', key: 'samba.smbConf', message: err.message }];
    const e = err as { failure?: string; message: string };
    if (e.failure === 'not-found')
      return [{ level: 'error', key: 'samba', message: `${e.message} (apt-get install samba)` }];
    throw err;
  }
}

/** Share folders that exist but are not root:GROUP 2770/2750 (members cannot write them): errors `samba apply` fixes. */
export async function shareRootFindings(config: HelperConfig): Promise<ConfigFinding[]> {
  return (await inspectShareRoots(config))
    .filter((r) => r.problem)
    .map((r) => ({ level: 'error', key: `shares[${r.spec.index}].path`, message: shareRootReport(r) }));
}

/** The drive findings `drives check` reports: a disk not mounted or not the configured one is an error; usage and SMART are warnings. */
export async function driveFindings(
  config: HelperConfig,
  probe: DriveProbe = realDriveProbe,
): Promise<ConfigFinding[]> {
  const out: ConfigFinding[] = [];
  for (const d of await inspectDrives(config, probe)) {
    for (const w of d.warnings) {
      if (w.code === 'share-root') continue; // shareRootFindings names the share's key
      if (w.code === 'not-mounted')
        out.push({
          level: 'error',
          key: `drives.${d.role}.mountPoint`,
          message: `${w.message}; mount it (or fts-helper drives apply), or set drives.${d.role}.requireMount: false for a plain folder`,
        });
      else if (w.code === 'wrong-filesystem') out.push({ level: 'error', key: `drives.${d.role}`, message: w.message });
      else out.push({ level: 'warning', key: `drives.${d.role}`, message: w.message });
    }
  }
  return out;
}

/** How the server-name check learns this machine's names and resolves a name (tests give their own). */
export interface ServerNameDeps {
  identity?: HostIdentity;
  /** True when NAME resolves to an address here (getaddrinfo, as clients on the LAN would try). */
  resolves?: (name: string) => Promise<boolean>;
}

/** Whether getaddrinfo finds NAME within 3 s. */
async function resolvesHere(name: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 3000)));
  try {
    return await Promise.race([
      lookup(name).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * server.name is what pairing gives clients (https://NAME:PORT) and what they mount (smb://NAME): a warning when it
 * is neither this machine's name nor a name that resolves (the seed's motoko on a host called something else).
 * Not for a helper on loopback only (the sandbox): no other computer reaches it by any name.
 */
export async function serverNameFindings(config: HelperConfig, deps: ServerNameDeps = {}): Promise<ConfigFinding[]> {
  const listenHost = config.api.listen.slice(0, config.api.listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (listenHost === 'localhost' || listenHost === '::1' || listenHost.startsWith('127.')) return [];
  const name = config.server.name.toLowerCase();
  const identity = deps.identity ?? (await hostIdentity());
  if (identity.names.includes(name)) return [];
  if (await (deps.resolves ?? resolvesHere)(name)) return [];
  const port = config.api.listen.slice(config.api.listen.lastIndexOf(':') + 1);
  return [
    {
      level: 'warning',
      key: 'server.name',
      message: `${config.server.name} is not this machine's name (${identity.short || 'unknown'}) and does not resolve here; clients would look for the helper at ${config.api.publicUrl ?? `https://${config.server.name}:${port}`} and the shares at smb://${config.server.name}: set server.name: ${identity.short || 'NAME'} (or make ${config.server.name} resolve on the LAN)`,
    },
  ];
}

/** Time Machine limits larger than the disk under them (see timemachine/capacity.ts), as warnings. */
export async function timeMachineFindings(config: HelperConfig, deps?: CapacityDeps): Promise<ConfigFinding[]> {
  return (await timeMachineCapacityWarnings(config, deps)).map((w) => ({ level: 'warning', ...w }));
}

/** Every finding for a parsed configuration. */
export async function checkConfig(
  config: HelperConfig,
  deps: { samba?: SambaSystem; drives?: DriveProbe; serverName?: ServerNameDeps; capacity?: CapacityDeps } = {},
): Promise<ConfigFinding[]> {
  const [samba, roots, drives, serverName, timeMachine] = await Promise.all([
    sambaFindings(config, deps.samba),
    shareRootFindings(config),
    driveFindings(config, deps.drives),
    serverNameFindings(config, deps.serverName),
    timeMachineFindings(config, deps.capacity),
  ]);
  const incomplete = [...backupGaps(config), ...keyVaultGaps(config)];
  return [
    ...samba,
    ...roots,
    ...drives,
    ...serverName,
    ...timeMachine,
    ...incomplete.map((g): ConfigFinding => ({ level: 'incomplete', ...g })),
  ];
}
