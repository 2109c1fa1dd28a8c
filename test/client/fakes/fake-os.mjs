#!/usr/bin/env node
// A stand-in for macOS `osascript`, `mount`, `diskutil` and Windows `powershell`, chosen by the file's name.
// It parses the script from stdin exactly as the real mounter sends it, authenticates the given user and
// password against the real test smbd with smbclient, and records its argv and environment in log.jsonl.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
const state = readdirSync(stateDir).sort().map(readState).filter((s) => s !== null);
const keyOf = (s) => encodeURIComponent(s.share ?? s.RemotePath);
const put = (s) => {
  // Written aside and renamed, so a parallel listing never reads half a file.
  const tmp = join(here, `.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, join(stateDir, keyOf(s)));
};
const drop = (s) => rmSync(join(stateDir, keyOf(s)), { force: true });
const stdin = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
appendFileSync(join(here, 'log.jsonl'), `${JSON.stringify({ tool: me, argv: process.argv.slice(2), env: process.env })}\n`);

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Authenticates against the test smbd; returns ok | logon | badshare | unreachable. */
function smbAuth(host, port, share, user, password) {
  const auth = join(here, `auth-${process.pid}`);
  writeFileSync(auth, `username = ${user}\npassword = ${password}\ndomain = WORKGROUP\n`, { mode: 0o600 });
  try {
    const r = spawnSync('smbclient', [`//${host}/${share}`, '-p', String(port), '-A', auth, '-s', cfg.smbConf, '-c', 'ls'], { encoding: 'utf8', timeout: 20_000 });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 0) return 'ok';
    if (/LOGON_FAILURE|ACCESS_DENIED/.test(out)) return 'logon';
    if (/BAD_NETWORK_NAME/.test(out)) return 'badshare';
    return 'unreachable';
  } finally {
    rmSync(auth, { force: true });
  }
}

const unAs = (s) => s.replace(/\\(["\\])/g, '$1');
const unPs = (s) => s.replace(/''/g, "'");

if (me === 'osascript') {
  if (process.argv.slice(2).join(' ') !== '-') fail('fake osascript: expected the script on stdin (argv "-")', 64);
  const m = /^set mountedVolume to mount volume "((?:[^"\\]|\\.)*)" as user name "((?:[^"\\]|\\.)*)" with password "((?:[^"\\]|\\.)*)"\nreturn POSIX path of mountedVolume\n$/.exec(stdin);
  if (!m) fail('0:0: syntax error: fake osascript could not parse the script (-2741)');
  const url = new URL(unAs(m[1]));
  const share = decodeURIComponent(url.pathname.slice(1));
  const r = smbAuth(url.hostname, url.port || 445, share, unAs(m[2]), unAs(m[3]));
  if (r === 'logon') fail('0:120: execution error: The user name or password is incorrect. (-5000)');
  if (r === 'badshare') fail(`0:120: execution error: The share “${share}” does not exist on the server. (-43)`);
  if (r === 'unreachable') fail('0:120: execution error: There was a problem connecting to the server. (-6602)');
  put({ share, host: url.hostname, user: unAs(m[2]) });
  process.stdout.write(`/Volumes/${share}/\n`);
} else if (me === 'mount') {
  process.stdout.write('/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n');
  for (const s of state) process.stdout.write(`//${s.user}@${s.host}/${encodeURIComponent(s.share)} on /Volumes/${s.share} (smbfs, nodev, nosuid, mounted by ${s.user})\n`);
} else if (me === 'diskutil') {
  const [verb, point] = process.argv.slice(2);
  const i = state.findIndex((s) => `/Volumes/${s.share}` === point);
  if (verb !== 'unmount' || i < 0) fail(`Unmount failed for ${point}`);
  drop(state[i]);
  process.stdout.write(`Volume ${point.slice(9)} on disk9s1 unmounted\n`);
} else if (me === 'powershell') {
  const want = '-NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -';
  if (process.argv.slice(2).join(' ') !== want) fail(`fake powershell: unexpected argv ${process.argv.slice(2).join(' ')}`, 64);
  const str = (name) => {
    const m = new RegExp(`-${name} '((?:[^']|'')*)'`).exec(stdin);
    return m ? unPs(m[1]) : null;
  };
  if (/New-SmbMapping/.test(stdin)) {
    const remote = str('RemotePath');
    const local = str('LocalPath');
    const port = /-TcpPort (\d+)/.exec(stdin)?.[1] ?? '445';
    const user = str('UserName');
    const password = str('Password');
    if (!remote || user === null || password === null || !/-Persistent \$true/.test(stdin)) fail('fake powershell: New-SmbMapping without RemotePath, UserName, Password or -Persistent');
    if (!/^\$e = Get-SmbMapping -RemotePath /.test(stdin.replace(/^.*?try \{ /, ''))) fail('fake powershell: the mount script must check for an existing mapping first');
    const existing = state.find((s) => s.RemotePath === remote);
    if (existing) {
      process.stdout.write(`${existing.LocalPath}\n`);
      process.exit(0);
    }
    const [, host, share] = /^\\\\([^\\]+)\\(.+)$/.exec(remote);
    const r = smbAuth(host, port, share, user, password);
    if (r === 'logon') fail('New-SmbMapping : The user name or password is incorrect.');
    if (r === 'badshare') fail('New-SmbMapping : The network name cannot be found.');
    if (r === 'unreachable') fail('New-SmbMapping : The network path was not found.');
    put({ LocalPath: local ?? '', RemotePath: remote, Status: 0 });
    process.stdout.write(`${local ?? ''}\n`);
  } else if (/Get-SmbMapping/.test(stdin)) {
    // ConvertTo-Json writes a lone object for one mapping and nothing for none, as PowerShell 5.1 does.
    if (state.length === 1) process.stdout.write(JSON.stringify(state[0], null, 4));
    else if (state.length > 1) process.stdout.write(JSON.stringify(state, null, 4));
  } else if (/Remove-SmbMapping/.test(stdin)) {
    const local = str('LocalPath');
    const remote = str('RemotePath');
    const i = state.findIndex((s) => (local && s.LocalPath === local) || (remote && s.RemotePath === remote));
    if (i < 0) fail('Remove-SmbMapping : No MSFT_SmbMapping objects found');
    drop(state[i]);
  } else {
    fail('fake powershell: unknown script');
  }
} else {
  fail(`fake-os: unknown tool ${me}`, 64);
}
