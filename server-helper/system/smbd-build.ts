/**
 * `smbd -b`: how this Samba was built. Apply reads it to learn which VFS modules can load: testparm accepts
 * `vfs objects = fruit` whether or not fruit.so is installed, and smbd then refuses every connection to that
 * share with NT_STATUS_BAD_NETWORK_NAME (Debian ships fruit, catia and streams_xattr in samba-vfs-modules).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../lib/exec.js';

/** What `smbd -b` says about where modules live and which are compiled in. */
export interface SmbdBuild {
  modulesDir: string | null;
  shlibExt: string;
  /** Compiled-in modules, e.g. `vfs_default`. */
  builtin: string[];
}

/** Reads `smbd -b` output (pure). */
export function parseSmbdBuild(stdout: string): SmbdBuild {
  const lines = stdout.split('\n');
  const path = (key: string) => {
    const m = lines.map((l) => new RegExp(`^\\s*${key}:\\s*(\\S+)\\s*$`).exec(l)).find(Boolean);
    return m ? m[1]! : null;
  };
  const at = lines.findIndex((l) => /^Builtin modules:/.test(l));
  const builtin = at < 0 ? [] : (lines[at + 1] ?? '').trim().split(/\s+/).filter(Boolean);
  return { modulesDir: path('MODULESDIR'), shlibExt: path('SHLIBEXT') ?? 'so', builtin };
}

/** The VFS module names smbd can load: the `.so` files in MODULESDIR/vfs plus the built-in `vfs_*` ones. */
export async function availableVfsModules(): Promise<Set<string>> {
  const build = parseSmbdBuild((await exec('smbd', ['-b'], { timeoutMs: 15_000 })).stdout);
  const names = new Set(build.builtin.filter((m) => m.startsWith('vfs_')).map((m) => m.slice(4)));
  if (build.modulesDir) {
    const suffix = `.${build.shlibExt}`;
    let files: string[] = [];
    try {
      files = readdirSync(join(build.modulesDir, 'vfs'));
    } catch {
      // No vfs folder: only the built-in modules exist.
    }
    for (const f of files) if (f.endsWith(suffix)) names.add(f.slice(0, -suffix.length));
  }
  return names;
}

/**
 * The modules a testparm dump's `vfs objects` lines name that are not in `available`, with a share each. A
 * module given as an absolute path (smbd loads those as they are) is looked up with `fileExists`.
 */
export function missingVfsModules(
  sections: Map<string, Map<string, string>>,
  available: Set<string>,
  fileExists: (path: string) => boolean = existsSync,
): { module: string; share: string }[] {
  const missing = new Map<string, string>();
  for (const [share, params] of sections) {
    for (const m of (params.get('vfs objects') ?? '').split(/[\s,]+/).filter(Boolean)) {
      const loadable = m.startsWith('/') ? fileExists(m) : available.has(m);
      if (!loadable && !missing.has(m)) missing.set(m, share);
    }
  }
  return [...missing].map(([module, share]) => ({ module, share }));
}
