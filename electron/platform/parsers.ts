/** Pure parsers of mount-state output and classifiers of mount errors, one set per OS (tested on captured output). */
import type { MountErrorCode } from '../../contract/index.js';
import type { MountedShare } from './types.js';

function decodeUrlPart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** macOS `mount`: lines like `//user@motoko/flux on /Volumes/flux (smbfs, nodev, nosuid, mounted by ana)`. */
export function parseDarwinMount(output: string): MountedShare[] {
  const out: MountedShare[] = [];
  for (const line of output.split('\n')) {
    const m = /^\/\/(?:[^@/]*@)?([^/:\s]+)(?::\d+)?\/(\S+) on (.+) \(smbfs\b/.exec(line.trim());
    if (!m) continue;
    out.push({ host: decodeUrlPart(m[1]!), share: decodeUrlPart(m[2]!), mountPoint: m[3]! });
  }
  return out;
}

/** Windows `Get-SmbMapping | Select LocalPath,RemotePath,Status | ConvertTo-Json`: an object, an array or nothing. */
export function parseSmbMappingJson(output: string): MountedShare[] {
  const text = output.trim();
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  const rows = Array.isArray(parsed) ? parsed : [parsed];
  const out: MountedShare[] = [];
  for (const r of rows as Array<Record<string, unknown>>) {
    const remote = typeof r.RemotePath === 'string' ? r.RemotePath : '';
    const local = typeof r.LocalPath === 'string' ? r.LocalPath : '';
    // Status 0 / "OK" is a live mapping; Disconnected (2), Unavailable (6) and the rest are not mounted.
    const ok = r.Status === undefined || r.Status === 0 || r.Status === 'OK';
    const m = /^\\\\([^\\]+)\\([^\\]+)\\?$/.exec(remote);
    if (!m || !ok) continue;
    out.push({ host: m[1]!, share: m[2]!, mountPoint: local || remote });
  }
  return out;
}

/** Linux `gio mount -l`: lines like `Mount(0): flux on 127.0.0.1 -> smb://127.0.0.1:1445/flux/`; the gvfs path is derived. */
export function parseGioMountList(output: string, runtimeDir: string): MountedShare[] {
  const out: MountedShare[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*Mount\(\d+\):.*-> smb:\/\/([^/:\s]+|\[[^\]]+\])(?::(\d+))?\/([^/\s]+)\/?\s*$/.exec(line);
    if (!m) continue;
    const host = m[1]!;
    const share = decodeUrlPart(m[3]!);
    out.push({ host, share, mountPoint: gvfsMountPoint(runtimeDir, host, m[2] ? Number(m[2]) : 445, share) });
  }
  return out;
}

/** Where gvfs exposes an SMB share through FUSE (the port appears only when it is not 445). */
export function gvfsMountPoint(runtimeDir: string, host: string, port: number, share: string): string {
  const portPart = port === 445 ? '' : `port=${port},`;
  return `${runtimeDir}/gvfs/smb-share:${portPart}server=${host},share=${share.toLowerCase()}`;
}

const UNREACHABLE =
  /connection refused|connection abort|connection reset|no route to host|host is down|network is unreachable|name or service not known|could not be found|network path was not found|server may not exist|timed? ?out|error -6602|error -5016/i;

/** Linux `gio mount` failure → code. gio prompts again on a wrong password, then gives up at end of input. */
export function classifyGioError(stdout: string, stderr: string): MountErrorCode {
  const prompts = (stdout.match(/Authentication Required/g) ?? []).length;
  if (prompts >= 2 || /permission denied|logon failure|access denied/i.test(stderr)) return 'credentials-rejected';
  if (/no such file or directory|bad network name|not found/i.test(stderr) && !/could not be found/i.test(stderr))
    return 'share-missing';
  if (UNREACHABLE.test(stderr)) return 'server-unreachable';
  return 'unknown';
}

/** macOS `osascript` (mount volume) failure → code, from the AppleScript error text and number. */
export function classifyOsascriptError(stderr: string): MountErrorCode {
  if (/\(-5000\)|\(-5045\)|user name or password|authentication|not correct/i.test(stderr))
    return 'credentials-rejected';
  if (/\(-43\)|\(-5014\)|share.*(doesn’t|does not) exist|not found/i.test(stderr)) return 'share-missing';
  if (/\(-6602\)|\(-5016\)|\(-36\)/.test(stderr) || UNREACHABLE.test(stderr)) return 'server-unreachable';
  return 'unknown';
}

/** Windows `New-SmbMapping` failure → code, from the message or Win32 error number. */
export function classifyPowershellError(stderr: string): MountErrorCode {
  if (/user name or password is incorrect|logon failure|\b1326\b|\b86\b.*password|access is denied/i.test(stderr))
    return 'credentials-rejected';
  if (/network name cannot be found|\b67\b/i.test(stderr)) return 'share-missing';
  if (/network path was not found|\b53\b|semaphore timeout|\b121\b|\b1231\b/i.test(stderr) || UNREACHABLE.test(stderr))
    return 'server-unreachable';
  return 'unknown';
}
