/** Files Samba has open, from `smbstatus --json`: graduation skips them. */
import { exec } from '../../lib/exec.js';

interface OpenFileJson {
  service_path?: string;
  filename?: string;
}

/** Parses `smbstatus --json` into the absolute paths of open files; no `open_files` key means none are open. */
export function parseOpenFiles(text: string): Set<string> {
  const doc = JSON.parse(text) as { open_files?: Record<string, OpenFileJson> };
  const out = new Set<string>();
  for (const [key, f] of Object.entries(doc.open_files ?? {})) {
    if (f && typeof f.service_path === 'string' && typeof f.filename === 'string') {
      const sp = f.service_path.replace(/\/+$/, '');
      out.add(f.filename.startsWith('/') ? f.filename : `${sp}/${f.filename}`);
    } else {
      out.add(key);
    }
  }
  return out;
}

/** The absolute paths Samba has open now (`smbstatus -s CONF --json`). */
export async function openFiles(smbConf: string | undefined, signal?: AbortSignal): Promise<Set<string>> {
  const args = [...(smbConf ? ['-s', smbConf] : []), '--json'];
  const r = await exec('smbstatus', args, { timeoutMs: 30_000, signal });
  // smbstatus prints notes on stderr ("locking.tdb not initialised") and JSON on stdout.
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error('smbstatus printed no JSON');
  return parseOpenFiles(r.stdout.slice(start));
}
