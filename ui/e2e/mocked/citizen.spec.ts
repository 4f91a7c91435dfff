import { expect, test } from '@playwright/test';
import { EL_PORVENIR, holdSos, seriousViolations, shot } from '../helpers';

// The /sos page against a mocked network: every request to /api is recorded.
test.describe('citizen /sos page (mocked network)', () => {
  test.beforeEach(async ({ context }) => {
    await context.grantPermissions(['geolocation']);
    await context.setGeolocation(EL_PORVENIR);
  });

  test('hold then CANCELAR in the countdown sends nothing', async ({ page }) => {
    const requests: string[] = [];
    await page.route('**/api/**', (route) => {
      requests.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`);
      return route.fulfill({ status: 500, body: '{}' });
    });
    await page.goto('/sos/?code=FLYER1');
    await page.getByLabel(/Nombre/).fill('Rosa Quispe');
    await page.getByLabel(/Celular/).fill('987654321');
    await page.getByRole('button', { name: 'OK' }).click();
    await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'ready');
    await shot(page, 'sos-ready');

    // A short tap does nothing.
    await holdSos(page, 300);
    await expect(page.getByTestId('cancel')).toHaveCount(0);

    // A full hold starts the countdown; CANCELAR stops it.
    await holdSos(page, 1700);
    await expect(page.getByTestId('cancel')).toBeVisible();
    await expect(page.getByText(/Enviando alerta en \d s/).first()).toBeVisible();
    await shot(page, 'sos-countdown');
    await page.getByTestId('cancel').click();
    await expect(page.getByTestId('notice')).toContainText('No se envió nada');
    // Wait past the countdown: still nothing on the wire, nothing queued.
    await page.waitForTimeout(6000);
    expect(requests).toEqual([]);
    const stored = await page.evaluate(() => localStorage.getItem('auxilio.web.v1'));
    expect(JSON.parse(stored ?? '{}').items).toEqual([]);
    await shot(page, 'sos-cancelled');
  });

  test('a completed countdown saves the alert first, then shows the honest offline banner', async ({ page }) => {
    await page.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await page.goto('/sos/?code=FLYER1&countdown=1');
    await page.getByLabel(/Nombre/).fill('Rosa Quispe');
    await page.getByLabel(/Celular/).fill('987654321');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByLabel('Asalto').check();
    await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'ready');
    await holdSos(page, 1700);
    await expect(page.locator('[data-step="saved"]')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('offline')).toContainText('en cola');
    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('auxilio.web.v1'))) ?? '{}');
    expect(stored.items).toHaveLength(1);
    const alert = JSON.parse(stored.items[0].body);
    expect(alert).toMatchObject({ v: 2, kind: 'asalto', silent: false, fix: { lat: -8.0705, lon: -79.0001, accuracy_m: 15 } });
    await shot(page, 'sos-offline-queued');
  });

  test('a (0, 0) browser position is refused; the SOS is sent all the same, with no position', async ({ page, context }) => {
    await context.setGeolocation({ latitude: 0, longitude: 0, accuracy: 10 });
    const bodies: string[] = [];
    await page.route('**/api/**', (route) => {
      if (new URL(route.request().url()).pathname === '/api/v1/alerts') bodies.push(route.request().postData() ?? '');
      return route.fulfill({ status: 500, body: '{}' });
    });
    await page.goto('/sos/?code=FLYER1&countdown=0');
    await page.getByLabel(/Nombre/).fill('Rosa Quispe');
    await page.getByLabel(/Celular/).fill('987654321');
    await page.getByRole('button', { name: 'OK' }).click();
    await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'refused');
    await holdSos(page, 1700);
    await expect(page.getByTestId('sent-nopos')).toContainText('Enviando sin ubicación: la central te llamará al número registrado');
    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('auxilio.web.v1'))) ?? '{}');
    const alert = JSON.parse(stored.items[0].body);
    expect(alert).toMatchObject({ v: 2, reporter: { phone: '+51987654321' } });
    // (0, 0) is never sent: the alert carries no fix at all.
    expect(alert.fix).toBeUndefined();
    await shot(page, 'sos-null-island-sent-without-position');
  });

  test('contact details are validated with clear Spanish errors', async ({ page }) => {
    await page.goto('/sos/');
    await page.getByLabel(/Celular/).fill('12345');
    await page.getByRole('button', { name: 'OK' }).click();
    await expect(page.getByText('Este dato es obligatorio.').first()).toBeVisible();
    await expect(page.getByText(/celular válido/)).toBeVisible();
    await shot(page, 'sos-contact-errors');
  });

  test('axe: no serious or critical violation on /sos, the countdown, and the English page', async ({ page }, info) => {
    await page.route('**/api/**', (route) => route.fulfill({ status: 500, body: '{}' }));
    await page.goto('/sos/?code=FLYER1');
    expect(await seriousViolations(page, info)).toEqual([]);
    await page.getByLabel(/Nombre/).fill('Rosa Quispe');
    await page.getByLabel(/Celular/).fill('987654321');
    await page.getByRole('button', { name: 'OK' }).click();
    await holdSos(page, 1700);
    await expect(page.getByTestId('cancel')).toBeVisible();
    expect(await seriousViolations(page, info)).toEqual([]);
    await page.getByTestId('cancel').click();
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByText('Press and hold to call for help')).toBeVisible();
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'sos-english');
  });
});

test.describe('silent mode (mocked network)', () => {
  test('no sound, no vibration, and a screen that does not look like an alarm', async ({ page, context }, info) => {
    await context.grantPermissions(['geolocation']);
    await context.setGeolocation(EL_PORVENIR);
    await page.addInitScript(() => {
      (window as any).__vibrations = 0;
      (window as any).__audio = 0;
      navigator.vibrate = () => {
        (window as any).__vibrations++;
        return true;
      };
      const AC = window.AudioContext;
      (window as any).AudioContext = class extends AC {
        constructor() {
          super();
          (window as any).__audio++;
        }
      };
    });
    const sent: any[] = [];
    await page.route('**/api/v1/enroll', (r) => r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ device_id: JSON.parse(r.request().postData()!).device_id, organization: null }) }));
    await page.route('**/api/v1/alerts', (r) => {
      const a = JSON.parse(r.request().postData()!);
      sent.push(a);
      return r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ id: a.id, status: 'new', received_at_ms: Date.now(), updated_at_ms: Date.now() }) });
    });
    await page.route('**/api/v1/alerts/*/status', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ id: sent[0]?.id, status: 'acknowledged', received_at_ms: Date.now(), updated_at_ms: Date.now() + 1 }) }));
    await page.goto('/sos/?code=FLYER1&countdown=2');
    await page.getByLabel(/Nombre/).fill('Ana');
    await page.getByLabel(/Celular/).fill('987654321');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByTestId('silent').check();
    await page.getByLabel('Violencia familiar').check();
    await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'ready');
    await holdSos(page, 1700);
    await expect(page.getByText(/Guardando en \d s/)).toBeVisible();
    await expect(page.getByText(/Enviando alerta/)).toHaveCount(0);
    await shot(page, 'silent-countdown');
    await expect(page.getByTestId('silent-screen')).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId('silent-screen')).toContainText('Notas');
    await expect(page.getByTestId('silent-screen')).not.toContainText(/alerta|SOS|serenazgo/i);
    await expect(page.locator('header.top')).toBeHidden();
    await expect(page).toHaveTitle('Notas');
    await expect(page.locator('.silent-status')).toHaveAttribute('data-step', 'attending', { timeout: 10_000 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'violencia', silent: true });
    expect(await page.evaluate(() => [(window as any).__vibrations, (window as any).__audio])).toEqual([0, 0]);
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'silent-sent');
  });
});

test('on a small phone (360×640) the whole SOS control is visible without scrolling, with big touch targets', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, permissions: ['geolocation'], geolocation: EL_PORVENIR });
  const page = await ctx.newPage();
  await page.route('**/api/**', (r) => r.fulfill({ status: 500, body: '{}' }));
  await page.goto('/sos/?code=FLYER1&countdown=20');
  await page.getByLabel(/Nombre/).fill('Rosa Quispe');
  await page.getByLabel(/Celular/).fill('987654321');
  await page.getByRole('button', { name: 'OK' }).click();
  await page.evaluate(() => window.scrollTo(0, 0));
  const sos = await page.getByTestId('sos').boundingBox();
  expect(sos).not.toBeNull();
  expect(sos!.y + sos!.height).toBeLessThanOrEqual(640);
  expect(sos!.width).toBeGreaterThanOrEqual(200);
  // Nothing wider than the screen (no sideways scrolling with one thumb).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  for (const el of await page.locator('.kind').all()) {
    const b = await el.boundingBox();
    expect(b!.height).toBeGreaterThanOrEqual(48);
  }
  // Touch: hold with a finger (touch events), then CANCELAR.
  await page.getByTestId('sos').dispatchEvent('pointerdown', { pointerId: 1, pointerType: 'touch', isPrimary: true });
  await page.waitForTimeout(1700);
  await expect(page.getByTestId('cancel')).toBeVisible();
  const cancel = await page.getByTestId('cancel').boundingBox();
  expect(cancel!.height).toBeGreaterThanOrEqual(100);
  expect(cancel!.y + cancel!.height).toBeLessThanOrEqual(640);
  await shot(page, 'sos-small-phone-countdown');
  await page.getByTestId('cancel').tap({ timeout: 5000 });
  await expect(page.getByTestId('notice')).toBeVisible();
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('auxilio.web.v1') ?? '{}').items)).toEqual([]);
  await ctx.close();
});

test('an SOS raised offline survives closing the page and is delivered when it is opened online', async ({ page, context }) => {
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation(EL_PORVENIR);
  await page.route('**/api/**', (r) => r.abort('internetdisconnected'));
  await page.goto('/sos/?code=FLYER1&countdown=0');
  await page.getByLabel(/Nombre/).fill('Rosa Quispe');
  await page.getByLabel(/Celular/).fill('987654321');
  await page.getByRole('button', { name: 'OK' }).click();
  await expect(page.getByTestId('geo')).toHaveAttribute('data-state', 'ready');
  await holdSos(page, 1700);
  await expect(page.locator('[data-step="saved"]')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('offline')).toBeVisible();
  const id = JSON.parse((await page.evaluate(() => localStorage.getItem('auxilio.web.v1'))) ?? '{}').items[0].id;

  // The page is closed; later it is opened again with signal.
  await page.close();
  const sent: string[] = [];
  const again = await context.newPage();
  await again.route('**/api/v1/enroll', (r) => r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ device_id: JSON.parse(r.request().postData()!).device_id, organization: null }) }));
  await again.route('**/api/v1/alerts', (r) => {
    sent.push(JSON.parse(r.request().postData()!).id);
    return r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ id, status: 'new', received_at_ms: Date.now(), updated_at_ms: Date.now() }) });
  });
  await again.route('**/api/v1/alerts/*/status', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ id, status: 'new', received_at_ms: Date.now(), updated_at_ms: Date.now() }) }));
  await again.goto('/sos/?code=FLYER1');
  await expect(again.locator('[data-step="received"]')).toHaveAttribute('data-state', 'done', { timeout: 10_000 });
  expect(sent).toEqual([id]);
  await shot(again, 'sos-reopened-delivered');
});

test('the SOS control works from the keyboard: Space held for the hold time, Enter on CANCELAR', async ({ page, context }) => {
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation(EL_PORVENIR);
  const requests: string[] = [];
  await page.route('**/api/**', (r) => {
    requests.push(r.request().url());
    return r.fulfill({ status: 500, body: '{}' });
  });
  await page.goto('/sos/?code=FLYER1');
  await page.getByLabel(/Celular/).fill('987654321');
  await page.getByRole('button', { name: 'OK' }).click();
  await page.getByTestId('sos').focus();
  await page.keyboard.down('Space');
  await page.waitForTimeout(400);
  await page.keyboard.up('Space');
  await expect(page.getByTestId('cancel')).toHaveCount(0);
  await page.keyboard.down('Space');
  await page.waitForTimeout(1700);
  await page.keyboard.up('Space');
  await expect(page.getByTestId('cancel')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('notice')).toBeVisible();
  await page.waitForTimeout(5500);
  expect(requests).toEqual([]);
  await shot(page, 'sos-keyboard-cancelled');
});
