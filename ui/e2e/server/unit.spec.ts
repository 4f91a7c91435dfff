import { seriousViolations, shot } from '../helpers';
import { expect, test } from './fixture';

test('patrol unit: goes on duty, gets the assigned alert with the alarm, accepts, en route, on scene, resolves', async ({ browser, env }, info) => {
  const ctx = await browser.newContext({
    viewport: { width: 420, height: 1000 },
    permissions: ['geolocation'],
    geolocation: { latitude: -8.0612, longitude: -78.9902, accuracy: 8 },
  });
  const page = await ctx.newPage();
  await page.goto('/unit/?tiles=');
  await page.getByLabel('Usuario').fill(env.unit2.username);
  await page.getByLabel('Contraseña').fill(env.unit2.password);
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page.getByTestId('conn')).toHaveAttribute('data-state', 'live');
  if (!(await page.getByTestId('duty').isChecked())) await page.getByTestId('duty').check();
  await expect(page.getByText(/Posición enviada/)).toBeVisible({ timeout: 10_000 });
  const units = await env.api<{ id: number; lat?: number; available: boolean }[]>('GET', '/api/v1/units');
  expect(units.find((u) => u.id === env.unit2.id)).toMatchObject({ available: true, lat: -8.0612 });

  const id = await env.raise({ phone: '+51 987 000 010', kind: 'violencia', lat: -8.0625, lon: -78.9915 });
  await env.api('POST', `/api/v1/alerts/${id}/transition`, { to: 'acknowledged' });
  await env.api('POST', `/api/v1/alerts/${id}/transition`, { to: 'dispatched', unit_id: env.unit2.id });

  const card = page.getByTestId('assigned');
  await expect(card).toBeVisible({ timeout: 5000 });
  await expect(card).toContainText('Violencia familiar');
  await expect(card).toContainText('Rosa Quispe Demo');
  await expect(page.locator(`.leaflet-marker-icon[data-alert="${id}"]`)).toBeVisible();
  await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.ringing)).toBe(true);
  await expect(page.getByRole('link', { name: 'Abrir navegación' })).toHaveAttribute('href', /^geo:-8\.0625,-78\.9915/);
  await shot(page, 'unit-assigned');
  expect(await seriousViolations(page, info)).toEqual([]);

  await page.getByTestId('accept').click();
  await expect.poll(() => page.evaluate(() => (window as any).__auxilioAlarm.ringing)).toBe(false);
  await page.getByRole('button', { name: 'En camino' }).click();
  await expect(card).toContainText('En camino');
  await page.getByRole('button', { name: 'En el lugar' }).click();
  await expect(card).toContainText('En el lugar');
  await page.getByLabel('Cerrar con resultado').selectOption('attended');
  await page.getByRole('button', { name: 'Cerrar con resultado' }).click();
  await expect(card).toHaveCount(0);
  const detail = await env.api<{ alert: { status: string; outcome?: string } }>('GET', `/api/v1/alerts/${id}`);
  expect(detail.alert).toMatchObject({ status: 'resolved', outcome: 'attended' });
  await shot(page, 'unit-resolved');
  await ctx.close();
});
