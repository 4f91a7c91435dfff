import { expect, test } from '@playwright/test';
import { seriousViolations, shot } from '../helpers';

test.describe('citizen app enrollment (mocked network)', () => {
  test('validates every field with clear Spanish errors and sends nothing until valid', async ({ page }, info) => {
    const sent: unknown[] = [];
    await page.route('**/api/v1/enroll', async (route) => {
      sent.push(JSON.parse(route.request().postData() ?? '{}'));
      await route.fulfill({ status: 403, contentType: 'application/json', body: '{"kind":"bad_code","message":"unknown, expired or used-up enrollment code"}' });
    });
    await page.goto('/app/?enroll=' + encodeURIComponent('auxilio://enroll?code=ep-TEST123&org=Mototaxis Virgen de la Puerta'));
    await expect(page.getByLabel('Código de registro')).toHaveValue('ep-TEST123');
    await expect(page.getByLabel('Organización')).toHaveValue('Mototaxis Virgen de la Puerta');
    expect(await seriousViolations(page, info)).toEqual([]);

    await page.getByLabel('DNI').fill('1234');
    await page.getByLabel('Celular').fill('01 234');
    await page.getByRole('button', { name: 'Registrarme' }).click();
    await expect(page.getByTestId('enroll-error')).toHaveText('Revisa los campos marcados.');
    await expect(page.locator('#e-name')).toHaveText('Este dato es obligatorio.');
    await expect(page.locator('#e-dni')).toHaveText('El DNI tiene 8 dígitos.');
    await expect(page.locator('#e-phone')).toContainText('celular válido');
    await expect(page.locator('#e-plate')).toHaveText('Este dato es obligatorio.');
    await expect(page.getByLabel('Nombre y apellido')).toBeFocused();
    expect(sent).toEqual([]);
    expect(await seriousViolations(page, info)).toEqual([]);
    await shot(page, 'app-enroll-errors');

    // Vendors give a place, not a plate.
    await page.getByLabel('Ocupación').selectOption('market_vendor');
    await expect(page.getByLabel('Placa del vehículo')).toHaveCount(0);
    await expect(page.getByLabel('Lugar (puesto, comedor)')).toBeVisible();

    await page.getByLabel('Ocupación').selectOption('mototaxi_driver');
    await page.getByLabel('Nombre y apellido').fill('Rosa Quispe');
    await page.getByLabel('DNI').fill('12345678');
    await page.getByLabel('Celular').fill('987 654 321');
    await page.getByLabel('Placa del vehículo').fill('1234-5a');
    await page.getByRole('button', { name: 'Registrarme' }).click();
    await expect(page.getByTestId('enroll-error')).toContainText('El código no es válido o ya venció');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      v: 2,
      code: 'ep-TEST123',
      profile: { display_name: 'Rosa Quispe', dni: '12345678', phone: '+51987654321', role: 'mototaxi_driver', plate: '1234-5A' },
    });
    await shot(page, 'app-enroll-bad-code');
  });
});
