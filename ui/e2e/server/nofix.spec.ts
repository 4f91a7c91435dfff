import type { Browser, BrowserContext, Page } from '@playwright/test';
import { holdSos, seriousViolations, shot } from '../helpers';
import { expect, test, type Env } from './fixture';

// Protocol v2 against the real server: an SOS is never refused for having no
// position, and the /sos page's queue never drops an undelivered message.

/**
 * The page's geolocation answers with an error (1 = permission denied,
 * 3 = timeout), as a browser does; `__feedFix(lat, lon, acc)` delivers a
 * fix afterwards (a location that came back later).
 */
function failingGeolocation(code: 1 | 3) {
  return `(() => {
    const watchers = [];
    const fail = (err) => setTimeout(() => err && err({ code: ${code}, message: 'no', PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3 }), 0);
    const geo = {
      watchPosition(ok, err) { watchers.push(ok); fail(err); return watchers.length; },
      clearWatch() {},
      getCurrentPosition(ok, err) { fail(err); },
    };
    Object.defineProperty(navigator, 'geolocation', { value: geo, configurable: true });
    window.__feedFix = (lat, lon, acc) => watchers.forEach((ok) => ok({
      coords: { latitude: lat, longitude: lon, accuracy: acc, altitude: null, altitudeAccuracy: null, speed: null, heading: null },
      timestamp: Date.now(),
    }));
  })();`;
}

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

/** A phone-sized page with no geolocation permission, contact entered. */
async function sosPage(browser: Browser, env: Env, phone: string, geoError: 1 | 3): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 420, height: 900 }, isMobile: true, hasTouch: true });
  await ctx.addInitScript(failingGeolocation(geoError));
  const page = await ctx.newPage();
  await page.goto(`/sos/?code=${encodeURIComponent(env.code)}&countdown=0`);
  await page.getByLabel(/Nombre/).fill('Lucía Sin GPS');
  await page.getByLabel(/Celular/).fill(phone);
  await page.getByRole('button', { name: 'OK' }).click();
  await expect(page.getByTestId('geo')).toHaveAttribute('data-state', geoError === 1 ? 'denied' : 'unavailable');
  return { ctx, page };
}

const storedItems = async (page: Page) =>
  (JSON.parse((await page.evaluate(() => localStorage.getItem('auxilio.web.v1'))) ?? '{}').items ?? []) as { id: string; alert: string; cancel: string | null }[];

interface Summary {
  status: string;
  fix?: unknown;
  last?: { accuracy_m: number; source: string };
  reporter: { phone: string };
}

test.describe.serial('no position and a full queue, against the real server', () => {
  test('the /sos page with geolocation denied sends: stored without a fix, shown as "ubicación desconocida" with the phone, at the top', async ({ browser, env }) => {
    const console_ = await consolePage(browser, env);
    // An ordinary alert with a pin, newer than nothing: the no-position one must still go above it.
    const withPin = await env.raise({ phone: '+51 987 000 101', kind: 'asalto' });
    const { ctx, page } = await sosPage(browser, env, '987 333 444', 1);
    await holdSos(page, 1700);
    await expect(page.getByTestId('sent-nopos')).toContainText('Enviando sin ubicación: la central te llamará al número registrado');
    await expect(page.locator('[data-step="received"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await shot(page, 'web-sos-denied-sent');
    const id = (await storedItems(page))[0]!.id;

    const detail = await env.api<{ alert: Summary; track: unknown[] }>('GET', `/api/v1/alerts/${id}`);
    expect(detail.alert.fix).toBeUndefined();
    expect(detail.alert.last).toBeUndefined();
    expect(detail.alert.reporter.phone).toBe('+51987333444');

    const item = console_.locator(`.alert-item[data-alert="${id}"]`);
    await expect(item).toBeVisible({ timeout: 5000 });
    await expect(item).toHaveAttribute('data-nopos', 'true');
    await expect(item).toContainText('ubicación desconocida');
    await expect(console_.locator('.alert-item').first()).toHaveAttribute('data-alert', id);
    await expect(console_.locator(`.alert-item[data-alert="${withPin}"]`)).toBeVisible();
    await expect(console_.getByTestId('nopos-call').first()).toHaveAttribute('href', 'tel:+51987333444');
    // The alert with a position has its pin; this one has none.
    await expect(console_.locator(`.leaflet-marker-icon[data-alert="${withPin}"]`)).toBeVisible();
    await expect(console_.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toHaveCount(0);
    await item.click();
    await expect(console_.getByTestId('detail-nopos')).toContainText('+51987333444');
    await expect(console_.getByTestId('detail-fix')).toContainText('ubicación desconocida');
    await expect(console_.getByTestId('detail-steps')).toContainText('Al enviar: ubicación desconocida');
    // Acknowledge and assign: with no distance, every available unit is offered.
    await console_.getByTestId('ack').click();
    await expect(console_.getByTestId('assign').getByRole('button').first()).toContainText('Serenazgo');
    await shot(console_, 'console-nopos-alert');
    expect(await seriousViolations(console_)).toEqual([]);
    await ctx.close();
    await console_.context().close();
  });

  test('geolocation timed out: the SOS leaves at once, the fix that comes 2 s later is its refined position and the pin appears', async ({ browser, env }) => {
    const console_ = await consolePage(browser, env);
    const { ctx, page } = await sosPage(browser, env, '987 333 555', 3);
    await holdSos(page, 1700);
    await expect(page.getByTestId('sent-nopos')).toBeVisible();
    await expect(page.locator('[data-step="received"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    const id = (await storedItems(page))[0]!.id;
    const item = console_.locator(`.alert-item[data-alert="${id}"]`);
    await expect(item).toHaveAttribute('data-nopos', 'true');
    await expect(console_.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toHaveCount(0);

    // Within the 8 s window, a good fix: sent at once with `refines`.
    await page.evaluate(() => (window as unknown as { __feedFix: (a: number, b: number, c: number) => void }).__feedFix(-8.0709, -79.0004, 18));
    await expect(console_.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toBeVisible({ timeout: 10_000 });
    await expect(item).not.toHaveAttribute('data-nopos', 'true');
    const detail = await env.api<{ alert: Summary; track: { seq: number; refines?: boolean }[] }>('GET', `/api/v1/alerts/${id}`);
    expect(detail.alert.fix).toBeUndefined();
    expect(detail.alert.last).toMatchObject({ accuracy_m: 18, source: 'fused' });
    expect(detail.track).toEqual([expect.objectContaining({ seq: 1 })]);
    await item.click();
    await expect(console_.getByTestId('detail-steps')).toContainText('Refinada: fusionada, ±18 m');
    await expect(console_.getByTestId('detail-fix')).toContainText('±18 m');
    await shot(console_, 'console-nopos-refined');
    await ctx.close();
    await console_.context().close();
  });

  test('25 undelivered messages on the page all survive a reload, and all reach the server when it is reachable', async ({ browser, env }) => {
    test.setTimeout(150_000);
    const { ctx, page } = await sosPage(browser, env, '987 333 666', 3);
    // The server is unreachable from this page.
    await ctx.route('**/api/**', (route) => route.abort('internetdisconnected'));
    for (let i = 0; i < 25; i++) {
      await holdSos(page, 1650);
      await expect(page.locator('[data-step="saved"]')).toHaveAttribute('data-state', 'done');
      // Withdraw it (the cancel is queued too) to get the button back for the next one.
      await page.getByRole('button', { name: 'Cancelar esta alerta' }).click();
      await page.getByRole('button', { name: /Sí, cancelar/ }).click();
      await page.getByRole('button', { name: 'Nueva alerta' }).click();
    }
    const before = await storedItems(page);
    expect(before).toHaveLength(25);
    await page.reload();
    const after = await storedItems(page);
    expect(after.map((x) => x.id)).toEqual(before.map((x) => x.id));
    expect(after.every((x) => x.alert === 'queued' && x.cancel === 'queued')).toBe(true);
    await expect(page.getByTestId('offline')).toContainText('50');
    await shot(page, 'web-25-queued-after-reload');

    // Reachable again: opening the page sends everything, in order.
    await ctx.unroute('**/api/**');
    await page.reload();
    await expect.poll(async () => (await storedItems(page)).filter((x) => x.alert === 'delivered' && x.cancel === 'delivered').length, { timeout: 30_000 }).toBe(25);
    for (const { id } of after) {
      const d = await env.api<{ alert: Summary }>('GET', `/api/v1/alerts/${id}`);
      expect(d.alert.status).toBe('cancelled');
      expect(d.alert.reporter.phone).toBe('+51987333666');
    }
    await ctx.close();
  });
});
