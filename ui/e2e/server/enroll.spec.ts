import { EL_PORVENIR, holdSos, shot } from '../helpers';
import { expect, test } from './fixture';

test('citizen app (browser data layer): enrolls with the real code, raises an SOS that the server stores with the profile', async ({ browser, env }) => {
  const ctx = await browser.newContext({ viewport: { width: 420, height: 900 }, permissions: ['geolocation'], geolocation: EL_PORVENIR });
  const page = await ctx.newPage();
  await page.goto(`/app/?countdown=1&enroll=${encodeURIComponent(`auxilio://enroll?code=${env.code}`)}`);
  await page.getByLabel('Nombre y apellido').fill('Juana Mototaxista');
  await page.getByLabel('DNI').fill('44556677');
  await page.getByLabel('Celular').fill('987 222 333');
  await page.getByLabel('Placa del vehículo').fill('4321-9B');
  await page.getByRole('button', { name: 'Registrarme' }).click();
  await expect(page.getByText('Registrado. Ya puedes usar el botón de auxilio.')).toBeVisible();
  await shot(page, 'app-enrolled');
  await page.getByLabel('Accidente').check();
  await holdSos(page, 1700);
  await expect(page.locator('[data-step="received"]')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  const open = await env.api<{ alerts: { id: string; kind: string; reporter: { display_name: string } }[] }>('GET', '/api/v1/alerts?open=true');
  expect(open.alerts.find((a) => a.reporter.display_name === 'Juana Mototaxista')).toMatchObject({
    kind: 'accidente',
    reporter: { phone: '+51987222333', role: 'mototaxi_driver', plate: '4321-9B' },
    fix: { lat: EL_PORVENIR.latitude, lon: EL_PORVENIR.longitude, accuracy_m: EL_PORVENIR.accuracy },
  });
  await shot(page, 'app-sos-received');
  await ctx.close();
});
