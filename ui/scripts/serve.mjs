// A tiny static server for dist/ with a streaming /api proxy, used by the
// e2e tests (vite preview's compression middleware holds SSE back). It
// serves the pages the way auxilio-server is meant to: `/` console,
// `/sos` and `/sos/` the QR web page, `/app/`, `/unit/`, and `/assets/*`.
//
//   node scripts/serve.mjs [--port 4173] [--api http://127.0.0.1:18787]

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { extname, join, normalize } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const port = Number(opt('port', process.env.PORT ?? 4173));
const api = new URL(opt('api', process.env.AUXILIO_API ?? 'http://127.0.0.1:18787'));
const root = join(import.meta.dirname, '..', 'dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

function file(urlPath) {
  const clean = normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, '');
  let p = join(root, clean);
  if (!p.startsWith(root)) return null;
  if (existsSync(p) && statSync(p).isDirectory()) p = join(p, 'index.html');
  else if (!existsSync(p) && existsSync(join(p, 'index.html'))) p = join(p, 'index.html');
  return existsSync(p) && statSync(p).isFile() ? p : null;
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname.startsWith('/api/')) {
    const up = request(
      { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: { ...req.headers, host: api.host } },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders();
        // A server that dies mid-stream must drop the client's stream too.
        upRes.on('aborted', () => res.destroy());
        upRes.on('error', () => res.destroy());
        upRes.on('close', () => {
          if (!upRes.complete) res.destroy();
        });
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"kind":"unavailable","message":"the server is not reachable"}');
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
    return;
  }
  const p = file(url.pathname);
  if (!p) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  const immutable = url.pathname.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(p)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(p).pipe(res);
}).listen(port, '127.0.0.1', () => console.log(`serving dist on http://127.0.0.1:${port} (api → ${api.origin})`));
