/** Windows: SMB mappings through PowerShell with the script (and so the password) on stdin; drive letters from config. */
import { exec } from '../../lib/exec.js';
import { toMountError } from './mount-common.js';
import { classifyPowershellError, parseSmbMappingJson } from './parsers.js';
import type { MountedShare, Mounter, MountOptions, MountTarget, SmbCredential } from './types.js';

const PS_ARGS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', '-'];

/** Quotes text as a PowerShell single-quoted string. */
export function psString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The UNC path of a share. */
export function uncPath(t: MountTarget): string {
  return `\\\\${t.host}\\${t.share}`;
}

// One line per statement: PowerShell reading `-Command -` runs stdin line by line.
function wrap(body: string): string {
  return `$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; try { ${body} } catch { [Console]::Error.WriteLine($_.Exception.Message); exit 1 }\n`;
}

/** The script that maps one share unless it is mapped already (New-SmbMapping; -TcpPort only for a non-standard port). */
export function win32MountScript(t: MountTarget, cred: SmbCredential): string {
  const local = t.driveLetter ? ` -LocalPath ${psString(t.driveLetter)}` : '';
  const port = t.port === 445 ? '' : ` -TcpPort ${t.port}`;
  const remote = psString(uncPath(t));
  // One PowerShell start per share: the "already mapped?" check is part of the same script.
  return wrap(
    `$e = Get-SmbMapping -RemotePath ${remote} -ErrorAction SilentlyContinue | Where-Object { $_.Status -eq 0 -or $_.Status -eq 'OK' } | Select-Object -First 1; if ($e) { Write-Output $e.LocalPath } else { $m = New-SmbMapping${local} -RemotePath ${remote} -UserName ${psString(cred.username)} -Password ${psString(cred.password)} -Persistent $true${port}; Write-Output $m.LocalPath }`,
  );
}

/** The script that lists mappings as JSON. */
export const WIN32_LIST_SCRIPT = wrap('Get-SmbMapping | Select-Object LocalPath,RemotePath,Status | ConvertTo-Json');

/** The script that removes one mapping. */
export function win32UnmountScript(t: MountTarget): string {
  const sel = t.driveLetter ? `-LocalPath ${psString(t.driveLetter)}` : `-RemotePath ${psString(uncPath(t))}`;
  return wrap(`Remove-SmbMapping ${sel} -Force -UpdateProfile`);
}

/** The SMB-mapping mounter. */
export class Win32Mounter implements Mounter {
  readonly os = 'win32' as const;

  async mount(t: MountTarget, cred: SmbCredential, opts: MountOptions = {}): Promise<{ mountPoint: string }> {
    const secrets = [cred.password];
    try {
      const r = await exec('powershell', PS_ARGS, { input: win32MountScript(t, cred), secrets, timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
      return { mountPoint: r.stdout.trim() || t.driveLetter || uncPath(t) };
    } catch (err) {
      throw toMountError(err, t, secrets, (_o, e) => classifyPowershellError(e));
    }
  }

  async unmount(t: MountTarget, opts: MountOptions = {}): Promise<void> {
    const mounted = (await this.list(opts)).some((m) => m.share.toLowerCase() === t.share.toLowerCase() && m.host.toLowerCase() === t.host.toLowerCase());
    if (!mounted) return;
    try {
      await exec('powershell', PS_ARGS, { input: win32UnmountScript(t), timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
    } catch (err) {
      throw toMountError(err, t, [], (_o, e) => classifyPowershellError(e));
    }
  }

  async list(opts: MountOptions = {}): Promise<MountedShare[]> {
    const r = await exec('powershell', PS_ARGS, { input: WIN32_LIST_SCRIPT, timeoutMs: opts.timeoutMs ?? 15_000, signal: opts.signal });
    return parseSmbMappingJson(r.stdout);
  }
}
