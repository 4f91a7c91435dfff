// Size budgets: gzip bytes of the JavaScript and CSS each page loads
// (static and lazy imports, from Vite's manifest), tiles and HTML excluded.
// Fails (exit 1) when a page is over its budget.
//
//   npm run build && npm run budget            # check
//   npm run budget -- --json artifacts/budget.json

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

const KB = 1024;
const PAGES = [
  { page: 'citizen /sos (QR web page)', entry: 'sos/index.html', budget: 150 * KB },
  { page: 'citizen app (Tauri)', entry: 'app/index.html', budget: 150 * KB },
  { page: 'dispatch console (incl. Leaflet)', entry: 'index.html', budget: 350 * KB },
  { page: 'patrol unit (incl. Leaflet)', entry: 'unit/index.html', budget: 350 * KB },
];

function files(entry) {
  const seen = new Set();
  const out = new Set();
  const walk = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`not in the manifest: ${key}`);
    if (chunk.file && !chunk.file.endsWith('.html')) out.add(chunk.file);
    for (const c of chunk.css ?? []) out.add(c);
    for (const i of chunk.imports ?? []) walk(i);
    for (const i of chunk.dynamicImports ?? []) walk(i);
  };
  walk(entry);
  return [...out];
}

const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const rows = PAGES.map((p) => {
  const fs = files(p.entry);
  const js = fs.filter((f) => f.endsWith('.js')).reduce((n, f) => n + gz(f), 0);
  const css = fs.filter((f) => f.endsWith('.css')).reduce((n, f) => n + gz(f), 0);
  return { ...p, js, css, total: js + css, ok: js + css <= p.budget };
});

const kb = (n) => `${(n / KB).toFixed(1)} KB`;
console.log('page'.padEnd(36), 'JS gz'.padStart(10), 'CSS gz'.padStart(10), 'total'.padStart(10), 'budget'.padStart(10));
for (const r of rows) {
  console.log(r.page.padEnd(36), kb(r.js).padStart(10), kb(r.css).padStart(10), kb(r.total).padStart(10), kb(r.budget).padStart(10), r.ok ? 'ok' : 'OVER BUDGET');
}
const i = process.argv.indexOf('--json');
if (i >= 0 && process.argv[i + 1]) {
  mkdirSync(dirname(process.argv[i + 1]), { recursive: true });
  writeFileSync(process.argv[i + 1], JSON.stringify(rows, null, 2));
}
if (rows.some((r) => !r.ok)) {
  console.error('over budget');
  process.exit(1);
}
