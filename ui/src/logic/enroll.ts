// Enrollment form validation: same rules as protocol/src/validate.rs, with
// Spanish messages, plus the local shapes (Peruvian DNI, mobile, plate).

import type { Fix, Profile, ReporterRole } from '../api/types';
import type { MessageKey } from '../i18n/es';

export interface EnrollForm {
  code: string;
  name: string;
  dni: string;
  phone: string;
  role: ReporterRole;
  organization: string;
  plate: string;
  placeName: string;
}

export type EnrollField = keyof EnrollForm;
export type EnrollErrors = Partial<Record<EnrollField, MessageKey>>;

export const EMPTY_FORM: EnrollForm = {
  code: '',
  name: '',
  dni: '',
  phone: '',
  role: 'mototaxi_driver',
  organization: '',
  plate: '',
  placeName: '',
};

const MAX_NAME = 120;
const MAX_PLATE = 12;
const MAX_CODE = 64;

export function needsPlate(role: ReporterRole): boolean {
  return role === 'mototaxi_driver' || role === 'bus_driver';
}

export function needsPlace(role: ReporterRole): boolean {
  return role === 'market_vendor' || role === 'programme_coordinator';
}

/** A Peruvian mobile: 9 digits starting with 9, optionally after +51. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.replace(/[\s-]/g, '');
  const m = /^(?:\+?51)?(9\d{8})$/.exec(compact);
  return m ? `+51${m[1]}` : null;
}

export function normalizePlate(raw: string): string {
  return raw.trim().toUpperCase().replace(/\s+/g, '');
}

function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f]/.test(s);
}

function text(s: string, max: number, required: boolean): MessageKey | null {
  const v = s.trim();
  if (required && !v) return 'err.required';
  if ([...v].length > max) return 'err.too_long';
  if (hasControl(v)) return 'err.required';
  return null;
}

/**
 * The QR carries either the bare code or a link with `?code=` (and maybe
 * `org=`): take what we can from it.
 */
export function parseEnrollQr(raw: string): { code: string; organization?: string } {
  const s = raw.trim();
  try {
    const u = new URL(s);
    const code = u.searchParams.get('code') ?? u.searchParams.get('c');
    if (code) {
      const org = u.searchParams.get('org');
      return org ? { code: code.trim(), organization: org.trim() } : { code: code.trim() };
    }
  } catch {
    // Not a URL: the bare code.
  }
  return { code: s };
}

export function validateEnroll(f: EnrollForm): EnrollErrors {
  const e: EnrollErrors = {};
  const code = f.code.trim();
  if (!code) e.code = 'err.required';
  else if (code.length > MAX_CODE || !/^[A-Za-z0-9_-]+$/.test(code)) e.code = 'err.code';
  const name = text(f.name, MAX_NAME, true);
  if (name) e.name = name;
  if (!f.dni.trim()) e.dni = 'err.required';
  else if (!/^\d{8}$/.test(f.dni.trim())) e.dni = 'err.dni';
  if (!f.phone.trim()) e.phone = 'err.required';
  else if (!normalizePhone(f.phone)) e.phone = 'err.phone';
  const org = text(f.organization, MAX_NAME, false);
  if (org) e.organization = org;
  if (needsPlate(f.role)) {
    const p = normalizePlate(f.plate);
    if (!p) e.plate = 'err.required';
    else if (p.length > MAX_PLATE) e.plate = 'err.too_long';
    else if (!/^[A-Z0-9-]{4,}$/.test(p)) e.plate = 'err.plate';
  }
  if (needsPlace(f.role)) {
    const pl = text(f.placeName, MAX_NAME, true);
    if (pl) e.placeName = pl;
  }
  return e;
}

/**
 * The profile sent at enrollment (call only when `validateEnroll` is empty).
 * A place gets coordinates from the current fix when there is a good one;
 * otherwise the organization's registered place (from the server) is used.
 */
export function toProfile(f: EnrollForm, placeFix: Fix | null): Profile {
  const p: Profile = {
    display_name: f.name.trim(),
    dni: f.dni.trim(),
    phone: normalizePhone(f.phone) ?? f.phone.trim(),
    role: f.role,
  };
  if (needsPlate(f.role)) p.plate = normalizePlate(f.plate);
  if (needsPlace(f.role) && placeFix) {
    p.place = {
      name: f.placeName.trim(),
      lat: placeFix.lat,
      lon: placeFix.lon,
      radius_m: Math.max(30, Math.min(placeFix.accuracy_m, 500)),
    };
  }
  return p;
}
