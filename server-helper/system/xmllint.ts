/** `xmllint --dtdvalid`: checks an XML file against a DTD (avahi's service-file DTD) before it is put in place. */
import { existsSync } from 'node:fs';
import { exec, ExecError } from '../../lib/exec.js';

/** avahi's DTD for static service files (Debian's avahi-daemon). */
export const AVAHI_SERVICE_DTD = '/usr/share/avahi/avahi-service.dtd';

/** What the check found; `skipped` names why it could not run (a missing tool or DTD). */
export interface DtdCheck {
  ok: boolean;
  problems: string[];
  skipped: string | null;
}

/** The errors in xmllint's stderr, as `line N: message` (pure). Context lines (the source and a caret) are dropped. */
export function parseXmllintErrors(stderr: string): string[] {
  const out: string[] = [];
  for (const l of stderr.split('\n')) {
    const m = /^.*?:(\d+):\s*(.*)$/.exec(l.trim());
    if (m && !/does not validate/.test(l)) out.push(`line ${m[1]}: ${m[2]}`);
  }
  return out;
}

/** Validates file against dtd; skipped (not failed) when xmllint or the DTD is missing. */
export async function validateAgainstDtd(file: string, dtd: string, xmllint = '/usr/bin/xmllint'): Promise<DtdCheck> {
  if (!existsSync(dtd)) return { ok: true, problems: [], skipped: `${dtd} is missing (apt-get install avahi-daemon)` };
  if (!existsSync(xmllint))
    return { ok: true, problems: [], skipped: `xmllint is missing (apt-get install libxml2-utils)` };
  try {
    await exec(xmllint, ['--noout', '--nonet', '--nowarning', '--dtdvalid', dtd, file], { timeoutMs: 30_000 });
    return { ok: true, problems: [], skipped: null };
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'exit')
      return { ok: false, problems: parseXmllintErrors(err.stderr), skipped: null };
    throw err;
  }
}
