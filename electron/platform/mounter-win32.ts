/**
 * Windows: SMB mappings through PowerShell. The scripts are constants passed with `-EncodedCommand`; every value
 * (server, share, user, password, drive letter) travels on stdin as one base64 JSON line, which the script decodes
 * into strings. No value is ever part of a script's text, so no quote kind (PowerShell also takes ‘ ’ ‚ ‛ as single
 * quotes and “ ” „ as double quotes), `$()`, backtick or newline can end a string or run code.
 */
import { exec, ExecError } from '../../lib/exec.js';
import { toMountError } from './mount-common.js';
import { classifyPowershellError, parseSmbMappingJson } from './parsers.js';
import { readableWithin } from './usable.js';
import {
  MountError,
  type MountedShare,
  type Mounter,
  type MountOptions,
  type MountTarget,
  type SmbCredential,
} from './types.js';

/** powershell.exe's options before the script: no profile, no prompts, the script given as UTF-16LE base64. */
const PS_OPTIONS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'];

/** What every script starts with: stop on errors, and read the request line from stdin. */
const PRELUDE = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  "function Fail([string]$Code, [string]$Message) { [Console]::Error.WriteLine('fts-error ' + $Code + ': ' + $Message); exit 1 }",
  // One line of base64 (ASCII whatever the console code page), UTF-8 JSON inside: any character survives.
  "function Read-Request { $line = [Console]::In.ReadLine(); if (-not $line) { Fail 'bad-request' 'no request on stdin' }; return ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($line.Trim())) | ConvertFrom-Json) }",
  // MSFT_SmbMapping.Status: 0 OK, 1 Paused, 2 Disconnected, 3 NetworkError, 4 Connecting, 5 Reconnecting, 6 Unavailable.
  "function Test-Live($m) { return @('0', 'OK') -contains [string]$m.Status }",
];

function script(name: string, body: string[]): string {
  return [
    `# fts-${name}: every value comes from stdin; none is part of this text.`,
    ...PRELUDE,
    'try {',
    ...body.map((l) => `  ${l}`),
    '} catch { [Console]::Error.WriteLine($_.Exception.Message); exit 1 }',
    '',
  ].join('\n');
}

/**
 * Maps one share. With a drive letter: a live mapping of the same share is kept; a remembered or "Unavailable"
 * one of the same share is removed and mapped again; a letter held by another server or a local disk fails with
 * `drive-letter-taken` naming the letter and what holds it. Mappings are not persistent: the tray maps at login
 * itself, and a persistent mapping without saved credentials only comes back as "Unavailable" at the next login.
 */
export const WIN32_MOUNT_SCRIPT = script('mount', [
  '$r = Read-Request',
  "$remote = '\\\\' + [string]$r.server + '\\' + [string]$r.share",
  '$letter = [string]$r.letter',
  'if ($letter) {',
  "  if ($letter -cnotmatch '^[A-Z]:$') { Fail 'bad-request' 'a drive letter looks like F:' }",
  '  $held = Get-SmbMapping -LocalPath $letter -ErrorAction SilentlyContinue | Select-Object -First 1',
  '  if ($held) {',
  "    if ($held.RemotePath -ne $remote) { Fail 'drive-letter-taken' ($letter + ' is mapped to ' + $held.RemotePath + ' (another server or share)') }",
  '    if (Test-Live $held) { Write-Output $held.LocalPath; exit 0 }',
  '    Remove-SmbMapping -LocalPath $letter -Force -UpdateProfile -ErrorAction SilentlyContinue',
  '  } else {',
  '    $disk = Get-CimInstance -ClassName Win32_LogicalDisk | Where-Object { $_.DeviceID -eq $letter } | Select-Object -First 1',
  '    if ($disk) {',
  "      $kinds = @{ '2' = 'a removable disk'; '3' = 'a local disk'; '4' = 'a network drive'; '5' = 'a CD/DVD drive'; '6' = 'a RAM disk' }",
  "      $what = $kinds[[string]$disk.DriveType]; if (-not $what) { $what = 'another drive' }",
  "      if ($disk.ProviderName) { $what = $what + ' (' + $disk.ProviderName + ')' } elseif ($disk.VolumeName) { $what = $what + ' (' + $disk.VolumeName + ')' }",
  "      Fail 'drive-letter-taken' ($letter + ' is in use by ' + $what)",
  '    }',
  '  }',
  '} else {',
  '  $held = Get-SmbMapping -RemotePath $remote -ErrorAction SilentlyContinue | Where-Object { (Test-Live $_) -and -not $_.LocalPath } | Select-Object -First 1',
  '  if ($held) { Write-Output $remote; exit 0 }',
  '}',
  '$map = @{ RemotePath = $remote; UserName = [string]$r.user; Password = [string]$r.password; Persistent = $false }',
  'if ($letter) { $map.LocalPath = $letter }',
  'if ([int]$r.port -ne 445) { $map.TcpPort = [int]$r.port }',
  '$m = New-SmbMapping @map',
  'if ($m.LocalPath) { Write-Output $m.LocalPath } else { Write-Output $remote }',
]);

/** Removes one share's mapping (by its letter when it has one), remembered profile entry included. */
export const WIN32_UNMOUNT_SCRIPT = script('unmount', [
  '$r = Read-Request',
  "$remote = '\\\\' + [string]$r.server + '\\' + [string]$r.share",
  '$letter = [string]$r.letter',
  'if ($letter) { Remove-SmbMapping -LocalPath $letter -Force -UpdateProfile } else { Remove-SmbMapping -RemotePath $remote -Force -UpdateProfile }',
]);

/** Lists the mappings as JSON (it takes no request). */
export const WIN32_LIST_SCRIPT = script('list', [
  'Get-SmbMapping | Select-Object LocalPath,RemotePath,Status | ConvertTo-Json',
]);

/** The values one script run gets on stdin. */
export interface Win32Request {
  server: string;
  share: string;
  port: number;
  letter: string | null;
  user?: string;
  password?: string;
}

/** The command line and stdin of one PowerShell run: the argv is the same for every request. */
export function powershellCall(scriptText: string, request: Win32Request | null): { args: string[]; input: string } {
  const encoded = Buffer.from(scriptText, 'utf16le').toString('base64');
  const input = request ? `${Buffer.from(JSON.stringify(request), 'utf8').toString('base64')}\n` : '';
  return { args: [...PS_OPTIONS, encoded], input };
}

/** The UNC path of a share. */
export function uncPath(t: MountTarget): string {
  return `\\\\${t.host}\\${t.share}`;
}

function requestFor(t: MountTarget, cred?: SmbCredential): Win32Request {
  return {
    server: t.host,
    share: t.share,
    port: t.port,
    letter: t.driveLetter ?? null,
    ...(cred ? { user: cred.username, password: cred.password } : {}),
  };
}

/** The script's own `fts-error CODE: message` line, when it wrote one. */
export function scriptFailure(stderr: string): { code: string; message: string } | null {
  const m = /^fts-error ([a-z-]+): (.*)$/m.exec(stderr);
  return m ? { code: m[1]!, message: m[2]!.trim() } : null;
}

/** The SMB-mapping mounter. */
export class Win32Mounter implements Mounter {
  readonly os = 'win32' as const;

  async mount(t: MountTarget, cred: SmbCredential, opts: MountOptions = {}): Promise<{ mountPoint: string }> {
    const secrets = [cred.password];
    const call = powershellCall(WIN32_MOUNT_SCRIPT, requestFor(t, cred));
    try {
      const r = await exec('powershell', call.args, {
        input: call.input,
        secrets,
        timeoutMs: opts.timeoutMs ?? 30_000,
        signal: opts.signal,
      });
      return { mountPoint: r.stdout.trim() || t.driveLetter || uncPath(t) };
    } catch (err) {
      const own = err instanceof ExecError ? scriptFailure(err.stderr) : null;
      if (own?.code === 'drive-letter-taken')
        throw new MountError('drive-letter-taken', `${own.message}: choose another letter for ${t.share} in Settings`);
      throw toMountError(err, t, secrets, (_o, e) => classifyPowershellError(e));
    }
  }

  async unmount(t: MountTarget, opts: MountOptions = {}): Promise<void> {
    const mounted = (await this.list(opts)).some(
      (m) => m.share.toLowerCase() === t.share.toLowerCase() && m.host.toLowerCase() === t.host.toLowerCase(),
    );
    if (!mounted) return;
    const call = powershellCall(WIN32_UNMOUNT_SCRIPT, requestFor(t));
    try {
      await exec('powershell', call.args, {
        input: call.input,
        timeoutMs: opts.timeoutMs ?? 30_000,
        signal: opts.signal,
      });
    } catch (err) {
      throw toMountError(err, t, [], (_o, e) => classifyPowershellError(e));
    }
  }

  async list(opts: MountOptions = {}): Promise<MountedShare[]> {
    const call = powershellCall(WIN32_LIST_SCRIPT, null);
    const r = await exec('powershell', call.args, {
      input: call.input,
      timeoutMs: opts.timeoutMs ?? 15_000,
      signal: opts.signal,
    });
    return parseSmbMappingJson(r.stdout);
  }

  /** A mapping is usable when its root lists within the time given (a dead server makes it hang or fail). */
  async usable(m: MountedShare, opts: MountOptions = {}): Promise<boolean> {
    const root = /^[A-Za-z]:$/.test(m.mountPoint) ? `${m.mountPoint}\\` : `${m.mountPoint.replace(/\\+$/, '')}\\`;
    return readableWithin(root, opts.timeoutMs ?? 5000);
  }
}
