/** Builds the renderer: two pages (the tray window and the helper's dashboard) into dist/renderer. */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset URLs: the Electron window loads the pages from file://, the helper serves them at /.
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: join(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    sourcemap: false,
    // No inline scripts or styles, so the strict CSP holds (script-src 'self'; style-src 'self').
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { dashboard: join(here, 'index.html'), tray: join(here, 'tray.html') },
      // zod's sources carry comments Rollup cannot place; harmless, and noise in every build.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
});
