/** `testparm -s`: Samba's own check of a configuration. It exits 0 even for unknown parameters, so stderr is read too. */
import { exec, ExecError } from '../../lib/exec.js';

/** What testparm said about a configuration file. */
export interface TestparmResult {
  ok: boolean;
  /** Parameter names testparm did not know (`Unknown parameter encountered: "x"`). */
  unknownParameters: string[];
  /** Lines that make the configuration unacceptable: unknown parameters, errors, invalid values. */
  problems: string[];
  /** `WARNING:` lines: reported to the admin, not fatal (e.g. some of their own shares lack vfs_fruit). */
  warnings: string[];
  /** The effective configuration testparm printed on stdout. */
  dump: string;
}

const UNKNOWN = /Unknown parameter encountered: "([^"]*)"/;
const PROBLEM = /error|warning|unknown parameter|invalid|not boolean|badly formed|can't find|cannot|failed|refus/i;
// Notes testparm prints on every run that are not problems with the file.
const BENIGN = [
  /^Load smb config files from/,
  /^Loaded services file OK/,
  /^Weak crypto is allowed/,
  /^Server role:/,
  /^\s*$/,
  /^Ignoring unknown parameter/,
];

/** Reads testparm's stderr (pure): unknown parameters and problem lines. */
export function parseTestparmStderr(stderr: string): {
  unknownParameters: string[];
  problems: string[];
  warnings: string[];
} {
  const unknownParameters: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = UNKNOWN.exec(line);
    if (m) {
      unknownParameters.push(m[1]!);
      problems.push(line.trim());
      continue;
    }
    if (BENIGN.some((b) => b.test(line))) continue;
    if (/^\s*WARNING:/.test(line)) warnings.push(line.trim());
    else if (PROBLEM.test(line.trim())) problems.push(line.trim());
  }
  return { unknownParameters, problems, warnings };
}

/** Section names and their parameters from testparm's stdout dump (pure). */
export function parseTestparmDump(stdout: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]!) ?? new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** Runs `testparm -s FILE`; ok is false when it fails or reports any problem (unknown parameters included). */
export async function testparm(file: string, opts: { timeoutMs?: number } = {}): Promise<TestparmResult> {
  try {
    const r = await exec('testparm', ['-s', file], { timeoutMs: opts.timeoutMs ?? 30_000 });
    const { unknownParameters, problems, warnings } = parseTestparmStderr(r.stderr);
    return { ok: problems.length === 0, unknownParameters, problems, warnings, dump: r.stdout };
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'exit') {
      const { unknownParameters, problems, warnings } = parseTestparmStderr(err.stderr);
      return {
        ok: false,
        unknownParameters,
        problems: problems.length ? problems : [err.message],
        warnings,
        dump: err.stdout,
      };
    }
    throw err;
  }
}

/** One smb.conf parameter as `testparm --show-all-parameters` lists it. */
export interface SambaParameter {
  name: string;
  /** `local`: a share parameter (also allowed in [global]); `global`: only in [global]. */
  scope: 'local' | 'global';
  /** The parameter this name is a synonym of (smbd stores both in one place), or null. */
  synonymOf: string | null;
  /** A synonym whose boolean is the inverse of its parameter's (`writeable` = not `read only`). */
  inverse: boolean;
}

const PARAM_LINE = /^([^=]+)=([A-Z_]+)\b(.*)$/;
const SYNONYM_OF = /\((inverse )?synonym of ([^)]+)\)\s*$/;

/** Parses `testparm --show-all-parameters` (pure): every parameter name Samba knows, synonyms with what they stand for. */
export function parseTestparmParameters(stdout: string): SambaParameter[] {
  const byName = new Map<string, SambaParameter>();
  let scope: 'local' | 'global' = 'local';
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '[local]' || line === '[global]') {
      scope = line === '[local]' ? 'local' : 'global';
      continue;
    }
    const m = PARAM_LINE.exec(line);
    if (!m) continue;
    const name = m[1]!.trim().toLowerCase();
    // testparm repeats a few parameters after the [global] list; the first listing holds their scope.
    if (byName.has(name)) continue;
    const syn = SYNONYM_OF.exec(m[3]!);
    byName.set(name, { name, scope, synonymOf: syn ? syn[2]!.trim().toLowerCase() : null, inverse: !!syn?.[1] });
  }
  return [...byName.values()];
}

/** Runs `testparm --show-all-parameters`: the parameters the installed Samba knows. */
export async function sambaParameters(opts: { timeoutMs?: number } = {}): Promise<SambaParameter[]> {
  const r = await exec('testparm', ['--show-all-parameters'], { timeoutMs: opts.timeoutMs ?? 30_000 });
  return parseTestparmParameters(r.stdout);
}
