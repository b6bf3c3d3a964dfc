/**
 * Vite config of the renderer: `npm run build:renderer` writes dist-renderer/ at the repo root.
 * Relative asset URLs (base './') so the same build loads from `scl-lab serve` and from Electron.
 * `SCL_LAB_SERVE=http://127.0.0.1:PORT npx vite --config src-renderer/vite.config.mts` proxies the API of a
 * running `scl-lab serve` for development.
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const serve = process.env.SCL_LAB_SERVE;

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist-renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // one small app: no inline assets (CSP: everything from 'self'), no module-preload polyfill
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: serve
    ? { proxy: { '/api': serve, '/events': { target: serve.replace(/^http/, 'ws'), ws: true } } }
    : undefined,
});
