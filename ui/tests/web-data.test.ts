import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEEP_DONE, WebCitizenData, keepItems } from '../src/citizen/web';
import { verifyRequest } from '../src/citizen/web-device';
import type { BrowserGeo } from '../src/citizen/geo';
import type { Fix } from '../src/api/types';
import type { CoreEvent } from '../src/logic/progress';

class MemStorage {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  clear() {
    this.m.clear();
  }
  key() {
    return null;
  }
  get length() {
    return this.m.size;
  }
}

const NOW = 1_780_000_000_000;
const FIX: Fix = { lat: -8.0705, lon: -79.0001, accuracy_m: 15, fixed_at_ms: NOW, source: 'fused' };
/** Browser geolocation as the data layer sees it; `feed` is a new watchPosition fix. */
function fakeGeo(initial: Fix | null) {
  let best = initial;
  const listeners = new Set<() => void>();
  return {
    fix: () => best,
    latest: () => best,
    subscribe(f: () => void) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    feed(f: Fix) {
      if (!best || f.accuracy_m <= best.accuracy_m || best.fixed_at_ms < Date.now() - 30_000) best = f;
      listeners.forEach((l) => l());
    },
  };
}
const geo = (fix: Fix | null) => fakeGeo(fix) as unknown as BrowserGeo;
const PROFILE = { display_name: 'Rosa', phone: '+51987654321', role: 'resident' as const };

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A scripted server: answers by path; records every request. */
function server(answer: (c: Call) => { status: number; body?: unknown } | Response | 'offline') {
  const calls: Call[] = [];
  globalThis.fetch = vi.fn(async (url: string, init: RequestInit) => {
    const c: Call = { method: init.method ?? 'GET', path: String(url), headers: init.headers as Record<string, string>, body: (init.body as string) ?? '' };
    calls.push(c);
    const a = answer(c);
    if (a === 'offline') throw new TypeError('Failed to fetch');
    if (a instanceof Response) return a;
    return new Response(a.body === undefined ? '' : JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return calls;
}

const view = (id: string, status = 'new') => ({ id, status, received_at_ms: NOW, updated_at_ms: NOW });
const happy = (c: Call) => {
  if (c.path === '/api/v1/enroll') return { status: 201, body: { device_id: JSON.parse(c.body).device_id, organization: 'Mototaxis VP' } };
  if (c.path === '/api/v1/alerts') return { status: 201, body: view(JSON.parse(c.body).id) };
  const m = /\/api\/v1\/alerts\/([^/]+)\/(status|cancel)/.exec(c.path);
  if (m) return { status: 200, body: view(m[1]!, m[2] === 'cancel' ? 'cancelled' : 'acknowledged') };
  if (c.path === '/api/v1/positions') return { status: 200, body: { accepted: 1, duplicates: 0 } };
  // No status stream here: the tests below fall back to polling.
  if (c.path.endsWith('/events')) return { status: 401, body: { kind: 'unauthorized', message: 'no' } };
  return { status: 404, body: { kind: 'not_found', message: 'no' } };
};

function setup(storage = new MemStorage(), fix: Fix | null = FIX) {
  const d = new WebCitizenData(geo(fix), storage as unknown as Storage, 5000);
  const events: CoreEvent[] = [];
  d.subscribe((e) => events.push(e));
  return { d, events, storage };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the /sos page data layer', () => {
  it('stores the alert before sending, enrolls once, signs the exact bytes, and follows the status', async () => {
    const calls = server(happy);
    const { d, events, storage } = setup();
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'asalto', silent: false });
    // Saved before any request went out.
    const saved = JSON.parse(storage.getItem('auxilio.web.v1')!);
    expect(saved.items[0]).toMatchObject({ id, alert: 'queued' });
    expect(calls).toHaveLength(0);
    expect(events[0]).toEqual({ type: 'queued', alert_id: id });

    await vi.advanceTimersByTimeAsync(10);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v1/enroll', 'POST /api/v1/alerts']);
    const [enroll, alert] = calls;
    expect(JSON.parse(enroll!.body)).toMatchObject({ v: 2, code: 'ep-CODE', profile: PROFILE });
    const pub = JSON.parse(enroll!.body).public_key as string;
    expect(verifyRequest(pub, 'POST', '/api/v1/alerts', alert!.body, alert!.headers['x-auxilio-signature']!)).toBe(true);
    expect(alert!.body).toBe(saved.items[0].body);
    expect(JSON.parse(alert!.body)).toMatchObject({ v: 2, id, kind: 'asalto', fix: FIX, reporter: { display_name: 'Rosa' } });
    expect(events.map((e) => e.type)).toEqual(['queued', 'queue_changed', 'sent', 'received', 'queue_changed']);
    expect(await d.pending()).toBe(0);

    // Status follow-up, signed GET with an empty body.
    await vi.advanceTimersByTimeAsync(5000);
    const st = calls.filter((c) => !c.path.endsWith('/events')).at(-1)!;
    expect(`${st.method} ${st.path}`).toBe(`GET /api/v1/alerts/${id}/status`);
    expect(verifyRequest(pub, 'GET', st.path, '', st.headers['x-auxilio-signature']!)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'acknowledged', alert_id: id });
  });

  it('keeps the alert while offline, says so, and delivers when the network is back', async () => {
    let online = false;
    const calls = server((c) => (online ? happy(c) : 'offline'));
    const { d, events } = setup();
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(10);
    expect(d.isOffline()).toBe(true);
    expect(await d.pending()).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.length).toBeGreaterThan(1); // retried with backoff
    online = true;
    d.kick(); // the browser's `online` event
    await vi.advanceTimersByTimeAsync(10);
    expect(d.isOffline()).toBe(false);
    expect(events).toContainEqual({ type: 'sent', alert_id: id });
    expect(await d.pending()).toBe(0);
  });

  it('a refused alert is kept and shown as wedged, not retried forever', async () => {
    const calls = server((c) => (c.path === '/api/v1/alerts' ? { status: 400, body: { kind: 'invalid', message: 'fix.lat: (0, 0) is not a real position' } } : happy(c)));
    const { d, events } = setup();
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events).toContainEqual({ type: 'wedged', alert_id: id, item: 'alert', reason: 'fix.lat: (0, 0) is not a real position' });
    expect(calls.filter((c) => c.path === '/api/v1/alerts')).toHaveLength(1);
    expect((await d.openAlerts()).map((a) => a.id)).toEqual([id]);
    // Nothing is shown as waiting for a refused alert, even after a cancel.
    await d.cancel(id);
    expect(await d.pending()).toBe(0);
  });

  it('a bad enrollment code is reported on the alert', async () => {
    server((c) => (c.path === '/api/v1/enroll' ? { status: 403, body: { kind: 'bad_code', message: 'unknown code' } } : happy(c)));
    const { d, events } = setup();
    d.setContact('ep-WRONG', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toContainEqual({ type: 'wedged', alert_id: id, item: 'enroll', reason: 'bad_code' });
  });

  it('keeps every undelivered alert: 25 raised offline all survive a reload and are shown', async () => {
    server(() => 'offline');
    const first = setup();
    first.d.setContact('ep-CODE', PROFILE);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push(await first.d.raiseSos({ kind: 'sos', silent: false }));
      vi.setSystemTime(Date.now() + 1000);
    }
    expect(await first.d.pending()).toBe(25);
    // The page is closed and opened again on the same localStorage.
    const again = setup(first.storage);
    expect(await again.d.pending()).toBe(25);
    const shown = (await again.d.openAlerts()).map((a) => a.id);
    expect([...shown].sort()).toEqual([...ids].sort());
    expect(JSON.parse(first.storage.getItem('auxilio.web.v1')!).items.map((x: { body: string }) => JSON.parse(x.body).id).sort()).toEqual([...ids].sort());
  });

  it('a captive portal\'s 200 page is no delivery: retried, then a 503 Retry-After date is obeyed', async () => {
    let answer: 'portal' | 'busy' | 'ok' = 'portal';
    const calls = server((c) => {
      if (c.path === '/api/v1/alerts' && answer === 'portal') return new Response('<html>Bienvenido al WiFi</html>', { status: 200, headers: { 'content-type': 'text/html' } });
      if (c.path === '/api/v1/alerts' && answer === 'busy') {
        return new Response('', { status: 503, headers: { 'Retry-After': new Date(Date.now() + 120_000).toUTCString(), Date: new Date(Date.now()).toUTCString() } });
      }
      return happy(c);
    });
    const { d, events } = setup();
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(10);
    const posts = () => calls.filter((c) => c.path === '/api/v1/alerts').length;
    expect(posts()).toBe(1);
    expect(events.map((e) => e.type)).not.toContain('wedged');
    expect(await d.pending()).toBe(1);
    answer = 'busy';
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts()).toBe(2);
    answer = 'ok';
    // The server asked for 120 s: nothing before, the retry after.
    await vi.advanceTimersByTimeAsync(118_000);
    expect(posts()).toBe(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(posts()).toBe(3);
    expect(events).toContainEqual({ type: 'sent', alert_id: id });
  });

  it('without a usable fix the SOS is stored and sent all the same: no fix, v2, the phone given at enrollment', async () => {
    const calls = server(happy);
    const { d, events, storage } = setup(new MemStorage(), null);
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    expect(JSON.parse(storage.getItem('auxilio.web.v1')!).items[0]).toMatchObject({ id, alert: 'queued' });
    expect(d.sentWithoutPosition(id)).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    const alert = JSON.parse(calls.find((c) => c.path === '/api/v1/alerts')!.body);
    expect(alert).toMatchObject({ v: 2, id, reporter: { phone: '+51987654321', display_name: 'Rosa' } });
    expect('fix' in alert).toBe(false);
    expect(events).toContainEqual({ type: 'sent', alert_id: id });
    // The refinement window ends with no fix: nothing is invented.
    await vi.advanceTimersByTimeAsync(9000);
    expect(calls.filter((c) => c.path === '/api/v1/positions')).toEqual([]);
  });

  it('a cancel goes after its alert, and a reloaded page resumes the queue', async () => {
    let online = false;
    const calls = server((c) => (online ? happy(c) : 'offline'));
    const first = setup();
    first.d.setContact('ep-CODE', PROFILE);
    const id = await first.d.raiseSos({ kind: 'sos', silent: false });
    await first.d.cancel(id, 'me equivoqué');
    await vi.advanceTimersByTimeAsync(10);
    expect(await first.d.pending()).toBe(2);
    // The page is closed and opened again (same storage), now online.
    online = true;
    calls.length = 0;
    const again = setup(first.storage);
    await vi.advanceTimersByTimeAsync(10);
    const paths = calls.map((c) => `${c.method} ${c.path}`).filter((p) => !p.includes('/enroll'));
    expect(paths.slice(0, 2)).toEqual(['POST /api/v1/alerts', `POST /api/v1/alerts/${id}/cancel`]);
    expect(JSON.parse(calls.find((c) => c.path.endsWith('/cancel'))!.body)).toMatchObject({ alert_id: id, reason: 'me equivoqué' });
    expect(await again.d.pending()).toBe(0);
    expect(await again.d.openAlerts()).toEqual([]);
  });

  it('sends newer positions of an open alert, at most every 10 s, with increasing seq', async () => {
    const calls = server(happy);
    let fix: Fix = FIX;
    const d = new WebCitizenData({ fix: () => fix, latest: () => fix, subscribe: () => () => undefined } as unknown as BrowserGeo, new MemStorage() as unknown as Storage, 5000);
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    const positions = () => calls.filter((c) => c.path === '/api/v1/positions').map((c) => JSON.parse(c.body).updates[0]);
    await vi.advanceTimersByTimeAsync(10);
    // Standing still: the same fix is never sent again.
    await vi.advanceTimersByTimeAsync(15_000);
    expect(positions()).toEqual([]);
    // Moving: a newer fix goes out, then no more than one per 10 s.
    fix = { ...FIX, lat: -8.071, fixed_at_ms: Date.now() };
    await vi.advanceTimersByTimeAsync(5000);
    fix = { ...FIX, lat: -8.072, fixed_at_ms: Date.now() };
    await vi.advanceTimersByTimeAsync(5000);
    expect(positions().map((u) => [u.seq, u.fix.lat])).toEqual([[1, -8.071]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(positions().map((u) => [u.seq, u.fix.lat])).toEqual([
      [1, -8.071],
      [2, -8.072],
    ]);
    expect(positions()[0]).toMatchObject({ alert_id: id });
  });
});

describe('the /sos page follows its alert over the signed status stream', () => {
  it('shows each step as it happens, and does not poll while the stream is live', async () => {
    let push: (text: string) => void = () => undefined;
    const enc = new TextEncoder();
    const calls = server((c) => {
      if (c.path.endsWith('/events')) {
        const body = new ReadableStream<Uint8Array>({
          start(ctrl) {
            push = (text) => ctrl.enqueue(enc.encode(text));
          },
        });
        return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
      }
      return happy(c);
    });
    const { d, events } = setup();
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'asalto', silent: false });
    await vi.advanceTimersByTimeAsync(5010);
    const ev = calls.find((c) => c.path.endsWith('/events'))!;
    expect(ev.headers['x-auxilio-signature']).toHaveLength(86);
    push(`event: status\ndata: ${JSON.stringify({ ...view(id, 'dispatched'), updated_at_ms: NOW + 5, unit_name: 'Serenazgo 07', unit_distance_m: 640 })}\n\n`);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.at(-1)).toMatchObject({ type: 'dispatched', alert_id: id, view: { unit_name: 'Serenazgo 07' } });
    const polls = () => calls.filter((c) => c.path.endsWith('/status')).length;
    const before = polls();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(polls()).toBe(before);
    push(`event: status\ndata: ${JSON.stringify({ ...view(id, 'resolved'), updated_at_ms: NOW + 9, outcome: 'attended' })}\n\n`);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.at(-1)).toMatchObject({ type: 'resolved', alert_id: id });
    expect(await d.openAlerts()).toEqual([]);
  });
});

describe('the refined position follows an SOS that could not wait for a good fix', () => {
  const positions = (calls: Call[]) => calls.filter((c) => c.path === '/api/v1/positions').map((c) => JSON.parse(c.body) as { v: number; updates: { seq: number; fix: Fix; refines?: boolean }[] });

  it('the first good fix within 8 s goes out at once as the refined position (refines: true, seq 1), after the alert', async () => {
    const calls = server(happy);
    const g = fakeGeo(null);
    const d = new WebCitizenData(g as unknown as BrowserGeo, new MemStorage() as unknown as Storage, 5000);
    d.setContact('ep-CODE', PROFILE);
    const id = await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(1000);
    // A poor fix is not good: the window waits for a better one.
    g.feed({ ...FIX, accuracy_m: 400, fixed_at_ms: Date.now() });
    await vi.advanceTimersByTimeAsync(1000);
    expect(positions(calls)).toEqual([]);
    g.feed({ ...FIX, accuracy_m: 12, fixed_at_ms: Date.now() });
    await vi.advanceTimersByTimeAsync(10);
    expect(positions(calls)).toEqual([{ v: 2, device_id: expect.any(String), updates: [{ alert_id: id, seq: 1, fix: { ...FIX, accuracy_m: 12, fixed_at_ms: NOW + 2000 }, refines: true }] }]);
    const order = calls.map((c) => c.path).filter((p) => p === '/api/v1/alerts' || p === '/api/v1/positions');
    expect(order).toEqual(['/api/v1/alerts', '/api/v1/positions']);
    expect(d.sentWithoutPosition(id)).toBe(false);
  });

  it('with no good fix, the best one at the end of the 8 s is the refined position; then tracking as usual', async () => {
    const calls = server(happy);
    const g = fakeGeo(null);
    const d = new WebCitizenData(g as unknown as BrowserGeo, new MemStorage() as unknown as Storage, 5000);
    d.setContact('ep-CODE', PROFILE);
    await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(3000);
    g.feed({ ...FIX, accuracy_m: 300, fixed_at_ms: Date.now() });
    await vi.advanceTimersByTimeAsync(4900);
    expect(positions(calls)).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(positions(calls).map((b) => b.updates[0])).toEqual([{ alert_id: expect.any(String), seq: 1, fix: { ...FIX, accuracy_m: 300, fixed_at_ms: NOW + 3000 }, refines: true }]);
    // Later fixes are ordinary tracking (no `refines`).
    await vi.advanceTimersByTimeAsync(10_000);
    g.feed({ ...FIX, lat: -8.073, accuracy_m: 20, fixed_at_ms: Date.now() });
    await vi.advanceTimersByTimeAsync(10_000);
    const updates = positions(calls).map((b) => b.updates[0]!);
    expect(updates.map((u) => [u.seq, u.refines ?? false])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('an SOS raised with a good fix has nothing to refine', async () => {
    const calls = server(happy);
    const g = fakeGeo(FIX);
    const d = new WebCitizenData(g as unknown as BrowserGeo, new MemStorage() as unknown as Storage, 5000);
    d.setContact('ep-CODE', PROFILE);
    await d.raiseSos({ kind: 'sos', silent: false });
    await vi.advanceTimersByTimeAsync(9000);
    expect(positions(calls)).toEqual([]);
  });
});

describe('the local queue never drops an undelivered message', () => {
  it('25 SOS raised offline all survive a reload and are all delivered when the network is back', async () => {
    let online = false;
    const calls = server((c) => (online ? happy(c) : 'offline'));
    const first = setup();
    first.d.setContact('ep-CODE', PROFILE);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await first.d.raiseSos({ kind: 'sos', silent: false }));
    await vi.advanceTimersByTimeAsync(10);
    expect(await first.d.pending()).toBe(25);
    // Reopened (same storage): every one is still there, still queued.
    const again = setup(first.storage);
    const stored = JSON.parse(first.storage.getItem('auxilio.web.v1')!).items as { id: string; alert: string }[];
    expect(stored.map((x) => x.id).sort()).toEqual([...ids].sort());
    expect(stored.every((x) => x.alert === 'queued')).toBe(true);
    expect(await again.d.pending()).toBe(25);
    online = true;
    calls.length = 0;
    again.d.kick();
    await vi.advanceTimersByTimeAsync(10);
    const sent = calls.filter((c) => c.path === '/api/v1/alerts').map((c) => JSON.parse(c.body).id as string);
    expect(new Set(sent)).toEqual(new Set(ids));
    expect(await again.d.pending()).toBe(0);
  });

  it('only closed, delivered alerts beyond KEEP_DONE are forgotten', () => {
    const finished = Array.from({ length: 25 }, (_, i) => ({ id: `done${i}`, alert: 'delivered' as const, cancel: null, positions: null, status: 'resolved' as const }));
    const open = Array.from({ length: 25 }, (_, i) => ({ id: `open${i}`, alert: (i % 3 === 0 ? 'wedged' : 'queued') as 'wedged' | 'queued', cancel: null, positions: null }));
    const delivering = [{ id: 'pos', alert: 'delivered' as const, cancel: null, positions: 'queued' as const, status: 'resolved' as const }];
    const kept = keepItems([...open, ...delivering, ...finished]);
    expect(kept.filter((x) => x.id.startsWith('open'))).toHaveLength(25);
    expect(kept.some((x) => x.id === 'pos')).toBe(true);
    expect(kept.filter((x) => x.id.startsWith('done')).map((x) => x.id)).toEqual(finished.slice(0, KEEP_DONE).map((x) => x.id));
  });
});
