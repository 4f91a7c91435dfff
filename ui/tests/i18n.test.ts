import { describe, expect, it } from 'vitest';
import { DICTS, formatAge, formatDistance, placeholders, t } from '../src/i18n';
import { ALERT_KINDS, ALERT_STATUSES, FIX_SOURCES, OUTCOMES, REPORTER_ROLES } from '../src/api/types';
import type { MessageKey } from '../src/i18n/es';

describe('i18n', () => {
  const esKeys = Object.keys(DICTS.es).sort();
  const enKeys = Object.keys(DICTS.en).sort();

  it('has the same keys in Spanish and English', () => {
    expect(enKeys).toEqual(esKeys);
  });
  it('has no empty message and the same placeholders in both', () => {
    for (const k of esKeys as MessageKey[]) {
      expect(DICTS.es[k].trim(), k).not.toBe('');
      expect(DICTS.en[k].trim(), k).not.toBe('');
      expect(placeholders(DICTS.en[k]), k).toEqual(placeholders(DICTS.es[k]));
    }
  });
  it('names every kind, status, outcome, role and fix source of the protocol', () => {
    const needed = [
      ...ALERT_KINDS.map((k) => `kind.${k}`),
      ...ALERT_STATUSES.map((s) => `status.${s}`),
      ...OUTCOMES.map((o) => `outcome.${o}`),
      ...REPORTER_ROLES.map((r) => `role.${r}`),
      ...FIX_SOURCES.map((s) => `source.${s}`),
    ];
    for (const k of needed) expect(esKeys, k).toContain(k);
  });
  it('the silent screen words never name the alarm', () => {
    for (const l of ['es', 'en'] as const) {
      for (const k of Object.keys(DICTS[l]).filter((k) => k.startsWith('silent.')) as MessageKey[]) {
        expect(DICTS[l][k], `${l} ${k}`).not.toMatch(/alert|sos|serenazgo|auxilio|emergenc|polic/i);
      }
    }
  });

  it('fills placeholders and formats ages and distances per language', () => {
    expect(t('sos.countdown', { s: 3 }, 'es')).toBe('Enviando alerta en 3 s');
    expect(t('sos.cancel', undefined, 'es')).toBe('CANCELAR');
    expect(formatAge(125_000, 'es')).toBe('2 min');
    expect(formatDistance(850, 'es')).toBe('850 m');
    expect(formatDistance(1250, 'es')).toBe('1,3 km');
    expect(formatDistance(1250, 'en')).toBe('1.3 km');
  });
});
