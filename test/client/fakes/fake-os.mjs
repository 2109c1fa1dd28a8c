#!/usr/bin/env node
// A stand-in for macOS `osascript`, `mount`, `diskutil` and Windows `powershell`, chosen by the file's name.
// It parses the script from stdin exactly as the real mounter sends it, authenticates the given user and
// password against the real test smbd with smbclient, and records its argv and environment in log.jsonl.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const me = basename(fileURLToPath(import.meta.url));
const cfg = JSON.parse(readFileSync(join(here, 'config.json'), 'utf8'));
// One file per mounted share, so parallel mounts do not race on a shared file.
const stateDir = join(here, 'state');
mkdirSync(stateDir, { recursive: true });
// A share unmounted by a parallel call between the listing and the read is simply not mounted any more (an
// unreadable state file made one of three parallel `diskutil unmount`s fail under load).
const readState = (f) => {
  try {
    return JSON.parse(readFileSync(join(stateDir, f), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
};
const state = readdirSync(stateDir)
  .sort()
  .map(readState)
  .filter((s) => s !== null);
const keyOf = (s) => encodeURIComponent(s.share ?? s.RemotePath);
const put = (s) => {
  // Written aside and renamed, so a parallel listing never reads half a file.
  const tmp = join(here, `.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, join(stateDir, keyOf(s)));
};
const drop = (s) => {
  rmSync(join(stateDir, keyOf(s)), { force: true });
  state.splice(state.indexOf(s), 1);
};
/** All of stdin. A pipe can be non-blocking here: EAGAIN means "not written yet", so wait a little and read on. */
function readStdin() {
  const chunks = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if (err.code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (err.code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
const stdin = process.stdin.isTTY ? '' : readStdin();
appendFileSync(
  join(here, 'log.jsonl'),
  `${JSON.stringify({ tool: me, argv: process.argv.slice(2), env: process.env })}\n`,
);

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Authenticates against the test smbd (the password in smbclient's PASSWD variable: any character, a newline too). */
function smbAuth(host, port, share, user, password) {
  const r = spawnSync(
    'smbclient',
    [`//${host}/${share}`, '-p', String(port), '-U', user, '-W', 'WORKGROUP', '-s', cfg.smbConf, '-c', 'ls'],
    {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH, PASSWD: password },
    },
  );
  const out = `${r.stdout}${r.stderr}`;
  if (r.status === 0) return 'ok';
  if (/LOGON_FAILURE|ACCESS_DENIED/.test(out)) return 'logon';
  if (/BAD_NETWORK_NAME/.test(out)) return 'badshare';
  return 'unreachable';
}

const args = process.argv.slice(2);

if (me === 'osascript') {
  // The real osascript compiles the -e lines as one JavaScript for Automation program and runs its run() handler.
  // This fake runs only the program the mounter ships (config.json), and does what it does: read one JSON document
  // from stdin, mount request.url as request.user with request.password, print the volume's path.
  if (args[0] !== '-l' || args[1] !== 'JavaScript') fail('fake osascript: expected -l JavaScript', 64);
  const lines = [];
  for (let i = 2; i < args.length; i += 2) {
    if (args[i] !== '-e') fail(`fake osascript: unexpected argument ${args[i]}`, 64);
    lines.push(args[i + 1]);
  }
  if (JSON.stringify(lines) !== JSON.stringify(cfg.darwinProgram))
    fail("0:0: syntax error: fake osascript runs only the mounter's own program (-2741)");
  let request;
  try {
    request = JSON.parse(stdin);
  } catch {
    fail('execution error: Error: SyntaxError: JSON Parse error (-2700)');
  }
  const url = new URL(String(request.url));
  const share = decodeURIComponent(url.pathname.slice(1));
  const user = String(request.user);
  const r = smbAuth(url.hostname, url.port || 445, share, user, String(request.password));
  if (r === 'logon') fail('execution error: Error: The user name or password is incorrect. (-5000)');
  if (r === 'badshare') fail(`execution error: Error: The share “${share}” does not exist on the server. (-43)`);
  if (r === 'unreachable') fail('execution error: Error: There was a problem connecting to the server. (-6602)');
  put({ share, host: url.hostname, user });
  process.stdout.write(`/Volumes/${share}\n`);
} else if (me === 'mount') {
  process.stdout.write('/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n');
  for (const s of state)
    process.stdout.write(
      `//${encodeURIComponent(s.user)}@${s.host}/${encodeURIComponent(s.share)} on /Volumes/${s.share} (smbfs, nodev, nosuid, mounted by ${s.user})\n`,
    );
} else if (me === 'diskutil') {
  const [verb, point] = args;
  const i = state.findIndex((s) => `/Volumes/${s.share}` === point);
  if (verb !== 'unmount' || i < 0) fail(`Unmount failed for ${point}`);
  drop(state[i]);
  process.stdout.write(`Volume ${point.slice(9)} on disk9s1 unmounted\n`);
} else if (me === 'powershell') {
  // The real powershell.exe decodes -EncodedCommand as UTF-16LE and runs it; the script reads one base64 JSON
  // line from stdin. This fake runs only the mounter's own scripts (config.json) and does what each does.
  const want = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'];
  if (args.length !== want.length + 1 || want.some((a, i) => args[i] !== a))
    fail(`fake powershell: unexpected argv ${args.join(' ')}`, 64);
  const script = Buffer.from(args[want.length], 'base64').toString('utf16le');
  const kind = Object.keys(cfg.psScripts).find((k) => cfg.psScripts[k] === script);
  if (!kind) fail("fake powershell: not one of the mounter's scripts");
  const request = () => {
    const line = stdin.split('\n')[0].trim();
    if (!line) fail('fts-error bad-request: no request on stdin');
    return JSON.parse(Buffer.from(line, 'base64').toString('utf8'));
  };
  const live = (m) => m.Status === 0 || m.Status === 'OK';
  const same = (a, b) => a.toLowerCase() === b.toLowerCase();
  // Each step below runs only when the script holds the statement that does it on Windows, so a script that
  // lost a step fails here as it would there.
  const has = (statement) => script.includes(statement);
  if (kind === 'mount') {
    const r = request();
    const remote = `\\\\${r.server}\\${r.share}`;
    const letter = r.letter ? String(r.letter) : '';
    if (letter) {
      if (!/^[A-Z]:$/.test(letter)) fail('fts-error bad-request: a drive letter looks like F:');
      const held = has('$held = Get-SmbMapping -LocalPath $letter') ? state.find((m) => m.LocalPath === letter) : null;
      if (held) {
        if (has("if ($held.RemotePath -ne $remote) { Fail 'drive-letter-taken'") && !same(held.RemotePath, remote))
          fail(`fts-error drive-letter-taken: ${letter} is mapped to ${held.RemotePath} (another server or share)`);
        if (has('if (Test-Live $held) { Write-Output $held.LocalPath; exit 0 }') && live(held)) {
          process.stdout.write(`${held.LocalPath}\n`);
          process.exit(0);
        }
        if (has('Remove-SmbMapping -LocalPath $letter -Force -UpdateProfile')) drop(held);
      } else {
        const disk = has('Get-CimInstance -ClassName Win32_LogicalDisk')
          ? (cfg.localDisks ?? []).find((d) => d.DeviceID === letter)
          : null;
        if (disk) {
          const kinds = {
            2: 'a removable disk',
            3: 'a local disk',
            4: 'a network drive',
            5: 'a CD/DVD drive',
            6: 'a RAM disk',
          };
          let what = kinds[disk.DriveType] ?? 'another drive';
          if (disk.ProviderName) what += ` (${disk.ProviderName})`;
          else if (disk.VolumeName) what += ` (${disk.VolumeName})`;
          fail(`fts-error drive-letter-taken: ${letter} is in use by ${what}`);
        }
      }
    } else {
      const held = state.find((m) => same(m.RemotePath, remote) && live(m) && !m.LocalPath);
      if (held) {
        process.stdout.write(`${remote}\n`);
        process.exit(0);
      }
    }
    // New-SmbMapping itself, as Windows answers it: a letter held by any mapping or drive is "already in use".
    if (
      letter &&
      (state.some((m) => m.LocalPath === letter) || (cfg.localDisks ?? []).some((d) => d.DeviceID === letter))
    )
      fail('New-SmbMapping : The local device name is already in use.');
    const [, host, share] = /^\\\\([^\\]+)\\(.+)$/.exec(remote);
    const a = smbAuth(host, r.port ?? 445, share, String(r.user), String(r.password));
    if (a === 'logon') fail('New-SmbMapping : The user name or password is incorrect.');
    if (a === 'badshare') fail('New-SmbMapping : The network name cannot be found.');
    if (a === 'unreachable') fail('New-SmbMapping : The network path was not found.');
    put({ LocalPath: letter, RemotePath: remote, Status: 0, Persistent: !has('Persistent = $false') });
    process.stdout.write(`${letter || remote}\n`);
  } else if (kind === 'list') {
    // ConvertTo-Json writes a lone object for one mapping and nothing for none, as PowerShell 5.1 does.
    const rows = state.map(({ LocalPath, RemotePath, Status }) => ({ LocalPath, RemotePath, Status }));
    if (rows.length === 1) process.stdout.write(JSON.stringify(rows[0], null, 4));
    else if (rows.length > 1) process.stdout.write(JSON.stringify(rows, null, 4));
  } else if (kind === 'unmount') {
    const r = request();
    const remote = `\\\\${r.server}\\${r.share}`;
    const rows = r.letter
      ? state.filter((m) => m.LocalPath === r.letter)
      : state.filter((m) => same(m.RemotePath, remote));
    if (rows.length === 0) fail('Remove-SmbMapping : No MSFT_SmbMapping objects found');
    for (const m of [...rows]) drop(m);
  }
} else {
  fail(`fake-os: unknown tool ${me}`, 64);
}
