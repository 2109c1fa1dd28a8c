/** The helper's version, read once from package.json. */
import { readFileSync } from 'node:fs';

/** Semantic version of this build. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
