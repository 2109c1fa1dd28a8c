/**
 * The files a built page loads: the scripts, module preloads and styles its HTML names, every chunk those scripts
 * import (static or dynamic) and every file the styles reference, as paths relative to the page's folder. The
 * packaged-app test checks they all ship; `npm run bench -- bundle` weighs them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const HTML_REFS = /<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g;
// Vite's chunks import each other as "./name-hash.js" (static `from`, bare `import`, or dynamic `import()`).
const JS_IMPORTS = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"'\s]+\.(?:m?js|css))["']/g;
const CSS_URLS = /url\(\s*["']?(\.{1,2}\/[^"')]+)["']?\s*\)/g;

/** Relative references found in one file's text (pure; tested through the packaged-app test). */
export function referencesIn(kind: 'html' | 'js' | 'css', text: string): string[] {
  const re = kind === 'html' ? HTML_REFS : kind === 'js' ? JS_IMPORTS : CSS_URLS;
  const refs = [...text.matchAll(re)].map((m) => m[1]!);
  // Only the page's own files: data: URIs and absolute URLs are not files of the package.
  return refs.filter((r) => !/^[a-z][a-z0-9+.-]*:/i.test(r) && !r.startsWith('/'));
}

/** Every file `page` (e.g. tray.html) loads from `dir`, the page itself first; throws if one is missing. */
export function pageAssets(dir: string, page: string): string[] {
  const seen = new Set<string>();
  const visit = (rel: string) => {
    const clean = normalize(rel.split(/[?#]/)[0]!).split(sep).join('/');
    if (clean.startsWith('../')) throw new Error(`${page} loads ${rel}, outside ${dir}`);
    if (seen.has(clean)) return;
    seen.add(clean);
    const text = readFileSync(join(dir, clean), 'utf8');
    const kind = clean.endsWith('.html')
      ? 'html'
      : clean.endsWith('.js') || clean.endsWith('.mjs')
        ? 'js'
        : clean.endsWith('.css')
          ? 'css'
          : null;
    if (!kind) return;
    for (const ref of referencesIn(kind, text)) visit(relative(dir, join(dir, dirname(clean), ref)));
  };
  visit(page);
  return [...seen];
}
