// Starts the real auxilio-server on loopback with a fresh database, an
// operator, a patrol unit (with its account and a position) and an
// enrollment code. `vite preview` proxies /api to it (vite.config.ts), so
// the pages and the API share one origin, as when the server serves dist/.

import { test as base } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PORT = Number(process.env.AUXILIO_E2E_PORT ?? 18787);
export const SERVER_URL = `http://127.0.0.1:${PORT}`;

/** The newest built binary: $AUXILIO_<NAME>_BIN, else $CARGO_TARGET_DIR/{debug,release}. */
export function findBin(name: 'auxilio-server' | 'auxilio-sim'): string {
  const env = process.env[`${name.toUpperCase().replace('-', '_')}_BIN`];
  if (env) return env;
  const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '/root', '.cache/auxilio/target');
  const found = ['debug', 'release']
    .map((p) => join(target, p, name))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found[0]) throw new Error(`${name} is not built: cargo build -p ${name} (or set ${name.toUpperCase().replace('-', '_')}_BIN)`);
  return found[0];
}

export interface Env {
  dir: string;
  db: string;
  code: string;
  operator: { username: string; password: string };
  unit: { id: number; username: string; password: string };
  unit2: { id: number; username: string; password: string };
  server: ChildProcess;
  /** Stops and starts the server on the same database and port. */
  restart: () => Promise<void>;
  /** A phone (auxilio-sim over the real auxilio-core) raises an SOS; resolves when the server has it. */
  raise: (opts: { phone: string; kind?: string; lat?: number; lon?: number; plate?: string; wait?: boolean }) => Promise<string>;
  /** Operator API call (cookie session). */
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>;
}

function admin(bin: string, db: string, args: string[]): string {
  return execFileSync(bin, ['--db', db, ...args], { encoding: 'utf8', env: { ...process.env, AUXILIO_LOG: 'warn' } });
}

async function startServer(bin: string, db: string): Promise<ChildProcess> {
  const child = spawn(bin, ['--db', db, 'serve', '--listen', `127.0.0.1:${PORT}`], {
    env: { ...process.env, AUXILIO_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('auxilio-server did not start in 20 s')), 20_000);
    let err = '';
    child.stderr?.on('data', (d) => (err += String(d)));
    child.stdout?.on('data', (d) => {
      if (String(d).includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`auxilio-server exited (${code}): ${err.slice(-500)}`));
    });
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000);
  });
}

async function login(username: string, password: string): Promise<string> {
  const res = await fetch(`${SERVER_URL}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export const test = base.extend<object, { env: Env }>({
  env: [
    async ({}, use) => {
      const bin = findBin('auxilio-server');
      const sim = findBin('auxilio-sim');
      const dir = mkdtempSync(join(tmpdir(), 'auxilio-ui-e2e-'));
      const db = join(dir, 'auxilio.db');
      const unitId = Number(/unit (\d+) created/.exec(admin(bin, db, ['create-unit', '--call-sign', 'Serenazgo 07']))?.[1]);
      // A second unit, farther away, so there is always someone to suggest.
      const unit2 = Number(/unit (\d+) created/.exec(admin(bin, db, ['create-unit', '--call-sign', 'Serenazgo 12']))?.[1]);
      const pw = (out: string) => /\(shown once\): (\S+)/.exec(out)?.[1] ?? '';
      const opPass = pw(admin(bin, db, ['create-account', '--username', 'operador1', '--role', 'operator']));
      const unitPass = pw(admin(bin, db, ['create-account', '--username', 'unidad07', '--role', 'unit', '--unit', String(unitId)]));
      const unit2Pass = pw(admin(bin, db, ['create-account', '--username', 'unidad12', '--role', 'unit', '--unit', String(unit2)]));
      const code = /code: (\S+)/.exec(admin(bin, db, ['create-code', '--qr', join(dir, 'qr.svg')]))?.[1] ?? '';
      if (!unitId || !opPass || !unitPass || !code) throw new Error('could not prepare the test database');

      let server = await startServer(bin, db);
      // The unit goes on duty near El Porvenir, so it is the nearest suggestion.
      const unitToken = await login('unidad07', unitPass);
      const rep = await fetch(`${SERVER_URL}/api/v1/units/me`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${unitToken}` },
        body: JSON.stringify({ lat: -8.0712, lon: -79.002, available: true }),
      });
      if (!rep.ok) throw new Error(`unit report: ${rep.status}`);
      const rep2 = await fetch(`${SERVER_URL}/api/v1/units/me`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await login('unidad12', unit2Pass)}` },
        body: JSON.stringify({ lat: -8.061, lon: -78.99, available: true }),
      });
      if (!rep2.ok) throw new Error(`unit report: ${rep2.status}`);
      let opToken = await login('operador1', opPass);

      const env: Env = {
        dir,
        db,
        code,
        operator: { username: 'operador1', password: opPass },
        unit: { id: unitId, username: 'unidad07', password: unitPass },
        unit2: { id: unit2, username: 'unidad12', password: unit2Pass },
        get server() {
          return server;
        },
        restart: async () => {
          await stop(server);
          server = await startServer(bin, db);
          opToken = await login('operador1', opPass);
        },
        raise: ({ phone, kind = 'asalto', lat = -8.0705, lon = -79.0001, plate, wait = true }) =>
          new Promise<string>((resolve, reject) => {
            const args = ['raise', '--server', SERVER_URL, '--data', join(dir, `phone-${phone}`), '--code', code, '--phone', phone, '--name', 'Rosa Quispe Demo', '--role', plate ? 'mototaxi' : 'resident', '--kind', kind, '--lat', String(lat), '--lon', String(lon), '--accuracy', '12', '--backoff-initial-ms', '200', '--backoff-cap-ms', '1000'];
            if (plate) args.push('--plate', plate);
            if (!wait) args.push('--no-wait');
            const child = spawn(sim, args, { env: { ...process.env, AUXILIO_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => {
              out += String(d);
              const m = (wait ? /received (\S+)/ : /queued (\S+)/).exec(out);
              if (m) resolve(m[1]!);
            });
            child.stderr.on('data', (d) => (err += String(d)));
            child.on('exit', (c) => {
              if (c !== 0) reject(new Error(`auxilio-sim raise exited ${c}: ${err.slice(-400)}`));
            });
          }),
        api: async <T,>(method: string, path: string, body?: unknown) => {
          const res = await fetch(`${SERVER_URL}${path}`, {
            method,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${opToken}` },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
          const text = await res.text();
          return (text ? JSON.parse(text) : undefined) as T;
        },
      };
      await use(env);
      await stop(server);
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
