import { describe, expect, it } from 'vitest';
import { EMPTY_FORM, normalizePhone, parseEnrollQr, toProfile, validateEnroll, type EnrollForm } from '../src/logic/enroll';

const ok: EnrollForm = {
  ...EMPTY_FORM,
  code: 'CORTIJO-2026',
  name: 'Rosa Quispe',
  dni: '12345678',
  phone: '987 654 321',
  role: 'mototaxi_driver',
  plate: '1234-5a',
};

describe('enrollment validation', () => {
  it('accepts a complete mototaxi driver and normalizes phone and plate', () => {
    expect(validateEnroll(ok)).toEqual({});
    const p = toProfile(ok, null);
    expect(p).toEqual({ display_name: 'Rosa Quispe', dni: '12345678', phone: '+51987654321', role: 'mototaxi_driver', plate: '1234-5A' });
  });
  it('gives a clear error per field', () => {
    const e = validateEnroll({ ...ok, code: '', name: '  ', dni: '1234567', phone: '12345', plate: '' });
    expect(e).toEqual({ code: 'err.required', name: 'err.required', dni: 'err.dni', phone: 'err.phone', plate: 'err.required' });
    expect(validateEnroll({ ...ok, dni: '1234567a' }).dni).toBe('err.dni');
    expect(validateEnroll({ ...ok, code: 'bad code!' }).code).toBe('err.code');
    expect(validateEnroll({ ...ok, plate: 'A?' }).plate).toBe('err.plate');
  });
  it('asks a place of vendors and coordinators, not a plate', () => {
    const vendor = { ...ok, role: 'market_vendor' as const, plate: '' };
    expect(validateEnroll(vendor)).toEqual({ placeName: 'err.required' });
    const fix = { lat: -8.07, lon: -79, accuracy_m: 15, fixed_at_ms: 1_780_000_000_000, source: 'gps' as const };
    const p = toProfile({ ...vendor, placeName: 'Mercado Sánchez Carrión, puesto 12' }, fix);
    expect(p.plate).toBeUndefined();
    expect(p.place).toEqual({ name: 'Mercado Sánchez Carrión, puesto 12', lat: -8.07, lon: -79, radius_m: 30 });
  });
  it('reads Peruvian mobiles with or without +51', () => {
    expect(normalizePhone('+51 987-654-321')).toBe('+51987654321');
    expect(normalizePhone('51987654321')).toBe('+51987654321');
    expect(normalizePhone('044123456')).toBeNull();
  });
  it('reads the code from a QR link or a bare code', () => {
    expect(parseEnrollQr('https://auxilio.example/enroll?code=ABC123&org=Mototaxis%20El%20Cortijo')).toEqual({
      code: 'ABC123',
      organization: 'Mototaxis El Cortijo',
    });
    expect(parseEnrollQr(' ABC123 ')).toEqual({ code: 'ABC123' });
  });
});
