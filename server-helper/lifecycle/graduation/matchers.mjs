// @ts-check
// The policy's name and path rules, shared by policy.ts and the scan's worker threads (scan-dir.mjs): plain
// JavaScript so a worker loads it without a TypeScript loader, and one copy so the two can never disagree.

/**
 * Turns one glob (`*` and `?`; no `/`) into a RegExp anchored on the whole name.
 * @param {string} glob @returns {RegExp}
 */
export function globToRegExp(glob) {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * A matcher that says whether a name is excluded; exact names are a set lookup, so the common case costs little.
 * @param {readonly string[]} globs @returns {(name: string) => boolean}
 */
export function excludeMatcher(globs) {
  /** @type {Set<string>} */
  const exact = new Set();
  /** @type {RegExp[]} */
  const patterns = [];
  for (const g of globs) {
    if (/[*?]/.test(g)) patterns.push(globToRegExp(g));
    else exact.add(g);
  }
  return (name) => exact.has(name) || patterns.some((p) => p.test(name));
}

/**
 * Normalises include paths to relative paths without leading or trailing slashes.
 * @param {readonly string[]} include @returns {string[]}
 */
export function normalizeIncludes(include) {
  return include.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '' && p !== '.');
}

/**
 * Whether rel (a file) is inside one of the include paths (or there are none).
 * @param {string} rel @param {readonly string[]} include
 */
export function isIncluded(rel, include) {
  if (include.length === 0) return true;
  return include.some((p) => rel === p || rel.startsWith(`${p}/`));
}

/**
 * Whether a directory may hold included files (it is an include path, inside one, or above one).
 * @param {string} relDir @param {readonly string[]} include
 */
export function mayContainIncluded(relDir, include) {
  if (include.length === 0 || relDir === '') return true;
  return include.some((p) => relDir === p || relDir.startsWith(`${p}/`) || p.startsWith(`${relDir}/`));
}

/**
 * Whether a file last modified at mtimeMs is old enough at nowMs.
 * @param {number} mtimeMs @param {number} nowMs @param {number} minAgeMs
 */
export function isOldEnough(mtimeMs, nowMs, minAgeMs) {
  return nowMs - mtimeMs >= minAgeMs;
}

/**
 * The AppleDouble companion name (`._name`) macOS writes beside `name` on filesystems without streams.
 * @param {string} name
 */
export function appleDoubleOf(name) {
  return `._${name}`;
}
