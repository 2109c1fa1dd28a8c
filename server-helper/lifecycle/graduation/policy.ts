/** Which files graduate: age by mtime, exclude globs on any path component, optional include paths. */

/** The policy after parsing the config or flags. */
export interface Policy {
  minAgeMs: number;
  /** Globs matched against each name on the path (`*` and `?`; no `/`). */
  exclude: readonly string[];
  /** Relative paths (folders or files) to limit graduation to; empty means everything. */
  include: readonly string[];
  /** Bytes the destination must keep free. */
  freeSpaceMargin: number;
}

/** Turns one glob into a RegExp anchored on the whole name. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** A matcher that says whether a name is excluded; exact names are a set lookup, so the common case costs little. */
export function excludeMatcher(globs: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const g of globs) {
    if (/[*?]/.test(g)) patterns.push(globToRegExp(g));
    else exact.add(g);
  }
  return (name) => exact.has(name) || patterns.some((p) => p.test(name));
}

/** Normalises include paths to relative paths without leading or trailing slashes. */
export function normalizeIncludes(include: readonly string[]): string[] {
  return include.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '' && p !== '.');
}

/** Whether rel (a file) is inside one of the include paths (or there are none). */
export function isIncluded(rel: string, include: readonly string[]): boolean {
  if (include.length === 0) return true;
  return include.some((p) => rel === p || rel.startsWith(`${p}/`));
}

/** Whether a directory may hold included files (it is an include path, inside one, or above one). */
export function mayContainIncluded(relDir: string, include: readonly string[]): boolean {
  if (include.length === 0 || relDir === '') return true;
  return include.some((p) => relDir === p || relDir.startsWith(`${p}/`) || p.startsWith(`${relDir}/`));
}

/** Whether a file last modified at mtimeMs is old enough at nowMs. */
export function isOldEnough(mtimeMs: number, nowMs: number, minAgeMs: number): boolean {
  return nowMs - mtimeMs >= minAgeMs;
}

/** The AppleDouble companion name (`._name`) macOS writes beside `name` on filesystems without streams. */
export function appleDoubleOf(name: string): string {
  return `._${name}`;
}
