/** Reads the YAML configuration and turns every mistake into an error that names the key and its line. */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { closestName, readErrorSentence } from '../../lib/read-error.js';
import { HelperConfig } from './schema.js';

/** One problem in a configuration file. */
export interface ConfigProblem {
  /** Dotted key path, e.g. `shares.1.name`. */
  key: string;
  line: number | null;
  message: string;
}

/** A configuration that cannot be used; `problems` lists every reason. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      problems.length === 1 && problems[0]!.key === '' && problems[0]!.line === null
        ? problems[0]!.message
        : `${file}: ${problems.map((p) => `${p.line !== null ? `line ${p.line}: ` : ''}${p.key ? `${p.key}: ` : ''}${p.message}`).join('; ')}`,
    );
  }
}

function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number | null {
  // Walk up the path until a node with a position is found: an unknown key's parent, a missing key's map.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}

/** The keys the schema knows at a path of the config (for "did you mean"), or none where it does not say. */
function knownKeys(path: readonly (string | number)[]): string[] {
  let schema: unknown = HelperConfig;
  for (const p of path) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    const element = (schema as { element?: unknown }).element;
    schema = typeof p === 'number' ? element : shape?.[p];
    if (!schema) return [];
  }
  return Object.keys((unwrap(schema) as { shape?: Record<string, unknown> }).shape ?? {});
}

/** A schema under its defaults, optionals and pipes. */
function unwrap(schema: unknown): unknown {
  let s = schema as { unwrap?: () => unknown; _zod?: { def?: { innerType?: unknown; in?: unknown } } };
  for (let i = 0; i < 10; i++) {
    const inner = s?._zod?.def?.innerType ?? s?._zod?.def?.in;
    if (!inner) break;
    s = inner as typeof s;
  }
  return s;
}

/** Maps zod's issues to problems with keys and line numbers from the YAML document. */
export function problemsFrom(issues: z.core.$ZodIssue[], doc: Document, lines: LineCounter): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const full = [...path, k];
        // The key's own node: find the pair inside the parent map.
        const parent = doc.getIn(path, true) as
          { items?: { key: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
        const pair = parent?.items?.find((it) => it.key?.value === k);
        const line = pair?.key?.range ? lines.linePos(pair.key.range[0]).line : lineOf(doc, lines, path);
        const near = closestName(k, knownKeys(path));
        out.push({ key: full.join('.'), line, message: `unknown key "${k}"${near ? `: did you mean ${near}?` : ''}` });
      }
    } else {
      out.push({ key: path.join('.'), line: lineOf(doc, lines, path), message: issue.message });
    }
  }
  return out;
}

/** Parses YAML text into a valid configuration, or throws ConfigError listing every problem. */
export function parseConfig(text: string, file = 'config'): HelperConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ key: '', line: lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0]! })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = HelperConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, problemsFrom(parsed.error.issues, doc, lines));
  return parsed.data;
}

/** Reads and parses a configuration file. */
export function loadConfig(file: string): HelperConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      {
        key: '',
        line: null,
        message: readErrorSentence(
          file,
          err,
          'create it with `fts-helper config seed`, or pass --config FILE (or --sandbox DIR)',
        ),
      },
    ]);
  }
  return parseConfig(text, file);
}
