import type { Browser, Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, EL_PORVENIR, holdSos, seriousViolations, shot } from '../helpers';
import { expect, test, type Env } from './fixture';

// The real auxilio-server on loopback; phones are auxilio-sim (the real
// auxilio-core) and the browser /sos page.

async function consolePage(browser: Browser, env: Env): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await page.goto('/?tiles=');
  await page.getByLabel('Usuario').fill(env.operator.username);
  await page.getByLabel('Contraseña').fill(env.operator.password);
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'live');
  return page;
}

const latencies: Record<string, number> = {};

test.describe.serial('console and citizen page against the real server', () => {
  test.afterAll(() => {
    writeFileSync(join(ARTIFACTS, 'latency.json'), JSON.stringify(latencies, null, 2));
  });

  test('a phone raises an SOS: pin and list entry appear on the console with the alarm; the operator acknowledges and assigns the nearest unit', async ({ browser, env }) => {
    const page = await consolePage(browser, env);
    const id = await env.raise({ phone: '+51 987 000 001', kind: 'asalto', plate: '1234-5A' });
    const t0 = Date.now();
    const item = page.locator(`.alert-item[data-alert="${id}"]`);
    await expect(item).toBeVisible({ timeout: 5000 });
    latencies.sim_received_to_console_list_ms = Date.now() - t0;
    await expect(page.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toBeVisible();
    await expect(page.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toHaveClass(/flash/);
    await expect(page.locator('.alert-item').first()).toHaveAttribute('data-alert', id);
    await expect(page.getByTestId('unacked')).toHaveText('1 sin atender');
    // The login click unlocked WebAudio, so the beeps are audible (not only counted).
    await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.unlocked)).toBe(true);
    await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.beeps)).toBeGreaterThan(0);
    await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.ringing)).toBe(true);
    await shot(page, 'console-new-alert');

    await item.click();
    await expect(page.getByTestId('detail')).toContainText('Rosa Quispe Demo');
    await expect(page.getByTestId('detail')).toContainText('1234-5A');
    await expect(page.getByTestId('detail-fix')).toContainText('±12 m');
    await page.getByTestId('ack').click();
    await expect(page.getByTestId('detail-status')).toHaveText('Recibida');
    await expect(page.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).not.toHaveClass(/flash/);
    await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.ringing)).toBe(false);
    // The server's nearest unit comes first.
    const first = page.getByTestId('assign').getByRole('button').first();
    await expect(first).toContainText('Serenazgo 07');
    await first.click();
    await expect(page.getByTestId('detail-status')).toHaveText('Unidad asignada');
    await expect(page.getByTestId('audit')).toContainText('→ Unidad asignada');
    await shot(page, 'console-assigned');
    const detail = await env.api<{ alert: { status: string; unit_id?: number } }>('GET', `/api/v1/alerts/${id}`);
    expect(detail.alert).toMatchObject({ status: 'dispatched', unit_id: env.unit.id });

    // The unit reports on scene; the operator closes it with an outcome.
    await page.getByRole('button', { name: 'En el lugar' }).click();
    await expect(page.getByTestId('detail-status')).toHaveText('En el lugar');
    await page.getByLabel('Cerrar con resultado').selectOption('false_alarm');
    await page.getByTestId('resolve').click();
    await expect(page.getByTestId('detail-status')).toHaveText('Resuelta');
    await expect(item).toHaveAttribute('data-status', 'resolved');
    const closed = await env.api<{ alert: { status: string; outcome?: string } }>('GET', `/api/v1/alerts/${id}`);
    expect(closed.alert).toMatchObject({ status: 'resolved', outcome: 'false_alarm' });
    await shot(page, 'console-resolved');
    await page.context().close();
  });

  test('the /sos web page raises an SOS; after acknowledge and assign it shows "recibido" and "unidad en camino"', async ({ browser, env }) => {
    const console_ = await consolePage(browser, env);
    const ctx = await browser.newContext({ viewport: { width: 420, height: 900 }, permissions: ['geolocation'], geolocation: EL_PORVENIR, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    const streams: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/events')) streams.push(r.status());
    });
    await page.goto(`/sos/?code=${encodeURIComponent(env.code)}&countdown=1`);
    await page.getByLabel(/Nombre/).fill('Carmen Web');
    await page.getByLabel(/Celular/).fill('987 111 222');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByLabel('Extorsión').check();
    await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'ready');
    await holdSos(page, 1700);
    await expect(page.locator('[data-step="received"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await shot(page, 'web-sos-received');

    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('auxilio.web.v1'))) ?? '{}');
    const id: string = stored.items[0].id;
    const item = console_.locator(`.alert-item[data-alert="${id}"]`);
    await expect(item).toBeVisible();
    await expect(item).toContainText('Extorsión');
    await item.click();
    await console_.getByTestId('ack').click();
    await console_.getByTestId('assign').getByRole('button').first().click();
    await expect(console_.getByTestId('detail-status')).toHaveText('Unidad asignada');

    await expect(page.locator('[data-step="attending"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await expect(page.locator('[data-step="en_route"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await expect(page.locator('[data-step="en_route"]')).toContainText('Serenazgo 07');
    await expect(page.getByText('Recibido por serenazgo')).toBeVisible();
    // The page followed its alert on the signed status stream (accepted by the server).
    expect(streams).toContain(200);
    await shot(page, 'web-sos-unit-en-route');

    // The person moves: the page keeps sending positions while it is open.
    await ctx.setGeolocation({ latitude: -8.0715, longitude: -79.0011, accuracy: 10 });
    await expect
      .poll(async () => (await env.api<{ track: unknown[] }>('GET', `/api/v1/alerts/${id}`)).track.length, { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect(console_.getByTestId('detail')).toContainText(/[1-9]\d* posiciones/, { timeout: 10_000 });
    await ctx.close();
    await console_.context().close();
  });

  test('hold then CANCELAR on the /sos page sends nothing to the server', async ({ browser, env }) => {
    const before = await env.api<{ alerts: unknown[]; last_event_id: number }>('GET', '/api/v1/alerts?open=true');
    const ctx = await browser.newContext({ permissions: ['geolocation'], geolocation: EL_PORVENIR });
    const page = await ctx.newPage();
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) calls.push(r.url());
    });
    await page.goto(`/sos/?code=${encodeURIComponent(env.code)}`);
    await page.getByLabel(/Nombre/).fill('Carmen Web');
    await page.getByLabel(/Celular/).fill('987 111 333');
    await page.getByRole('button', { name: 'OK' }).click();
    await holdSos(page, 1700);
    await page.getByTestId('cancel').click();
    await page.waitForTimeout(6500);
    const after = await env.api<{ alerts: unknown[]; last_event_id: number }>('GET', '/api/v1/alerts?open=true');
    expect(calls).toEqual([]);
    expect(after.last_event_id).toBe(before.last_event_id);
    expect(after.alerts.length).toBe(before.alerts.length);
    await shot(page, 'web-sos-hold-cancel-real-server');
    await ctx.close();
  });

  test('a console that loses its connection is complete after it reconnects (Last-Event-ID)', async ({ browser, env }) => {
    const page = await consolePage(browser, env);
    const existing = await env.raise({ phone: '+51 987 000 002', kind: 'incendio' });
    await expect(page.locator(`.alert-item[data-alert="${existing}"]`)).toBeVisible();

    await page.context().setOffline(true);
    await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'reconnecting', { timeout: 15_000 });
    // While the console is offline: a new alert arrives and another operator acknowledges the old one.
    const missed = await env.raise({ phone: '+51 987 000 003', kind: 'accidente' });
    await env.api('POST', `/api/v1/alerts/${existing}/transition`, { to: 'acknowledged' });
    await shot(page, 'console-offline');
    await page.context().setOffline(false);

    await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
    await expect(page.locator(`.alert-item[data-alert="${missed}"]`)).toBeVisible();
    await expect(page.locator(`.leaflet-marker-icon[data-alert="${missed}"]`)).toBeVisible();
    await expect(page.locator(`.alert-item[data-alert="${existing}"]`)).toHaveAttribute('data-status', 'acknowledged');
    // Everything open on the server is on the console.
    const open = await env.api<{ alerts: { id: string }[] }>('GET', '/api/v1/alerts?open=true');
    for (const a of open.alerts) await expect(page.locator(`.alert-item[data-alert="${a.id}"]`)).toBeVisible();
    await shot(page, 'console-reconnected');
    await page.context().close();
  });

  test('a console is complete after the server restarts (alert raised while it was down)', async ({ browser, env }) => {
    const page = await consolePage(browser, env);
    await env.restart().then(() => undefined);
    // Raised right after the restart, while the console is still reconnecting.
    const id = await env.raise({ phone: '+51 987 000 004', kind: 'emergencia_medica' });
    await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
    await expect(page.locator(`.alert-item[data-alert="${id}"]`)).toBeVisible({ timeout: 20_000 });
    await shot(page, 'console-after-server-restart');
    await page.context().close();
  });

  test('axe: no serious or critical violation on the console (login, list, detail)', async ({ browser, env }, info) => {
    await env.raise({ phone: '+51 987 000 020', kind: 'extorsion', plate: 'T1X-123' });
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto('/?tiles=');
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'console-login');
    await page.getByLabel('Usuario').fill(env.operator.username);
    await page.getByLabel('Contraseña').fill(env.operator.password);
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'live');
    await page.locator('.alert-item').first().click();
    await expect(page.getByTestId('detail')).toBeVisible();
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'console-detail');
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByRole('heading', { name: /^Alerts/ })).toBeVisible();
    await expect(page.getByTestId('conn')).toHaveText('Live');
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'console-english');
    await ctx.close();
  });
});
