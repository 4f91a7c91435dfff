import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

// Four pages, one build. The server serves `dist/` (console at `/`, the QR
// web page at `/sos/`); the Tauri shell bundles `app/` (citizen) and `unit/`
// (patrol unit). Each page only pulls in the code it uses, so the citizen
// pages never load the map library.
export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2020',
    sourcemap: false,
    // Read by scripts/budget.mjs to sum each page's JS and CSS.
    manifest: true,
    rollupOptions: {
      input: {
        console: resolve(import.meta.dirname, 'index.html'),
        sos: resolve(import.meta.dirname, 'sos/index.html'),
        app: resolve(import.meta.dirname, 'app/index.html'),
        unit: resolve(import.meta.dirname, 'unit/index.html'),
      },
    },
  },
  server: {
    // `npm run dev` next to a local auxilio-server (default 127.0.0.1:8080).
    proxy: { '/api': process.env.AUXILIO_API ?? 'http://127.0.0.1:8080' },
  },
  preview: {
    // `vite preview` is what the e2e tests drive; the real-server tests start
    // auxilio-server on this loopback port (see e2e/server/fixture.ts).
    proxy: { '/api': process.env.AUXILIO_API ?? 'http://127.0.0.1:18787' },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
