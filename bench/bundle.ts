/**
 * `npm run bench -- bundle`: what the tray app loads, in bytes. Builds as `npm run build` does, then weighs every file
 * the tray window loads (its HTML's scripts, preloads and styles and the chunks they import), raw and gzip -9, and
 * the main process bundle. The dashboard's JS is listed for comparison; it is the helper's page and does not ship.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildBundles, ROOT } from '../test/support/packaged-app.js';
import { pageAssets } from '../test/support/page-assets.js';
import { fmt, line } from './_util.js';

const renderer = join(ROOT, 'dist', 'renderer');
const weigh = (files: string[]) =>
  files.reduce(
    (sum, f) => {
      const bytes = readFileSync(f);
      return { raw: sum.raw + bytes.length, gzip: sum.gzip + gzipSync(bytes, { level: 9 }).length };
    },
    { raw: 0, gzip: 0 },
  );
const kb = (n: number) => `${fmt(n / 1024, 1)} KiB`;

buildBundles();
const tray = pageAssets(renderer, 'tray.html');
const trayJs = tray.filter((f) => f.endsWith('.js'));
const trayCss = tray.filter((f) => f.endsWith('.css'));
const js = weigh(trayJs.map((f) => join(renderer, f)));
const css = weigh(trayCss.map((f) => join(renderer, f)));
const dashboard = weigh(
  pageAssets(renderer, 'index.html')
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(renderer, f)),
);
const main = weigh([join(ROOT, 'dist', 'electron', 'main.js')]);

console.log(`tray window: ${trayJs.join(', ')} | ${trayCss.join(', ')}`);
line('tray window JS, gzip -9 (raw)', `${kb(js.gzip)} (${kb(js.raw)})`);
line('tray window CSS, gzip -9 (raw)', `${kb(css.gzip)} (${kb(css.raw)})`);
line('dashboard JS (helper page, not shipped), gzip -9 (raw)', `${kb(dashboard.gzip)} (${kb(dashboard.raw)})`);
line('main process bundle dist/electron/main.js, gzip -9 (raw)', `${kb(main.gzip)} (${kb(main.raw)})`);
