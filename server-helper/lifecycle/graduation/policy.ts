/** Which files graduate: age by mtime, exclude globs on any path component, optional include paths. */
export {
  appleDoubleOf,
  excludeMatcher,
  globToRegExp,
  isIncluded,
  isOldEnough,
  mayContainIncluded,
  normalizeIncludes,
} from './matchers.mjs';

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
