/** `smbstatus --json`: who is connected to which share and which files are open. */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../lib/exec.js';

/** One authenticated SMB session. */
export interface SmbSession {
  sessionId: string;
  user: string;
  group: string;
  remoteMachine: string;
  /** Where the client connects from, e.g. `ipv4:192.168.1.20:51234`. */
  address: string;
  dialect: string;
  encrypted: boolean;
  /** Shares this session has connected. */
  shares: string[];
}

/** One open file. */
export interface SmbOpenFile {
  path: string;
  sharePath: string;
  /** Share name when a tree connect maps to it. */
  share: string | null;
  users: number[];
  openedAt: string | null;
  access: string;
}

/** What smbstatus reported. */
export interface SmbStatus {
  sessions: SmbSession[];
  openFiles: SmbOpenFile[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Parses `smbstatus --json` output (pure; Samba 4.16+ shape). */
export function parseSmbStatusJson(text: string): SmbStatus {
  // smbstatus may print notes ("locking.tdb not initialised") before its JSON.
  const start = text.indexOf('{');
  if (start < 0) throw new Error('smbstatus printed no JSON');
  const doc = obj(JSON.parse(text.slice(start)));
  const tcons = Object.values(obj(doc.tcons)).map(obj);
  const sessions: SmbSession[] = Object.values(obj(doc.sessions)).map((raw) => {
    const s = obj(raw);
    const id = str(s.session_id);
    return {
      sessionId: id,
      user: str(s.username),
      group: str(s.groupname),
      remoteMachine: str(s.remote_machine),
      address: str(s.hostname),
      dialect: str(s.session_dialect),
      encrypted: str(obj(s.encryption).degree) !== '' && str(obj(s.encryption).degree) !== 'none',
      shares: [...new Set(tcons.filter((t) => str(t.session_id) === id).map((t) => str(t.service)))],
    };
  });
  const openFiles: SmbOpenFile[] = Object.entries(obj(doc.open_files)).map(([key, raw]) => {
    const f = obj(raw);
    const opens = Object.values(obj(f.opens)).map(obj);
    const sharePath = str(f.service_path);
    const pids = new Set(opens.map((o) => str(obj(o.server_id).pid)));
    const tcon = tcons.find((t) => pids.has(str(obj(t.server_id).pid)));
    return {
      path: !str(f.filename)
        ? key
        : str(f.filename).startsWith('/')
          ? str(f.filename)
          : join(sharePath, str(f.filename)),
      sharePath,
      share: tcon ? str(tcon.service) : null,
      users: [...new Set(opens.map((o) => Number(o.uid)).filter((n) => Number.isFinite(n)))],
      openedAt: opens.map((o) => str(o.opened_at)).find((x) => x) ?? null,
      access: opens.map((o) => str(obj(o.access_mask).text)).join(','),
    };
  });
  return { sessions, openFiles };
}

/** Runs `smbstatus -s CONF --json` and parses it. */
export async function readSmbStatus(smbConf: string | undefined, signal?: AbortSignal): Promise<SmbStatus> {
  const r = await exec('smbstatus', [...(smbConf ? ['-s', smbConf] : []), '--json'], { timeoutMs: 30_000, signal });
  return parseSmbStatusJson(r.stdout);
}

/** The absolute paths of the files open in `smbstatus --json` output (pure). */
export function parseOpenFiles(text: string): Set<string> {
  return new Set(parseSmbStatusJson(text).openFiles.map((f) => f.path));
}

/**
 * The open files' absolute paths with each share's path resolved by `realpath` (pure given it): a share
 * configured through a symlink names its files by the link, and graduation compares against real paths.
 */
export function realOpenPaths(
  files: readonly Pick<SmbOpenFile, 'path' | 'sharePath'>[],
  realpath: (dir: string) => string,
): Set<string> {
  const real = new Map<string, string>();
  const resolve = (dir: string) => {
    let r = real.get(dir);
    if (r === undefined) {
      r = realpath(dir);
      real.set(dir, r);
    }
    return r;
  };
  return new Set(
    files.map((f) =>
      f.sharePath && f.path.startsWith(`${f.sharePath}/`)
        ? resolve(f.sharePath) + f.path.slice(f.sharePath.length)
        : f.path,
    ),
  );
}

/** The absolute (real) paths Samba has open now: graduation skips them. */
export async function openFiles(smbConf: string | undefined, signal?: AbortSignal): Promise<Set<string>> {
  return realOpenPaths((await readSmbStatus(smbConf, signal)).openFiles, (dir) => {
    try {
      return realpathSync(dir);
    } catch {
      return dir; // gone or unreadable: compared as Samba names it
    }
  });
}
