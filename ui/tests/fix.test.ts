import { describe, expect, it } from 'vitest';
import { betterFix, distanceM, fixFromBrowser, NULL_ISLAND_DEG, refinement, refuseFix } from '../src/logic/fix';
import type { Fix } from '../src/api/types';
import { fixture } from './fixtures';

const nullIsland = fixture<{ null_island_deg: number; cases: { lat: number; lon: number; refused: boolean }[] }>('null_island.json');

const NOW = 1_780_000_000_000;
const good = { lat: -8.07, lon: -79.0, accuracy_m: 12, fixed_at_ms: NOW };

describe('fix refusal', () => {
  it('accepts a real fix in El Porvenir', () => {
    expect(refuseFix(good)).toBeNull();
  });
  it('refuses (0, 0), the desktop geolocation stub', () => {
    expect(refuseFix({ ...good, lat: 0, lon: 0 })).toBe('null_island');
  });
  it('follows the one (0, 0) rule of fixtures/null_island.json, as the protocol does', () => {
    expect(NULL_ISLAND_DEG).toBe(nullIsland.null_island_deg);
    for (const c of nullIsland.cases) {
      expect(refuseFix({ ...good, lat: c.lat, lon: c.lon }) === 'null_island', `(${c.lat}, ${c.lon})`).toBe(c.refused);
    }
  });
  it('refuses accuracy 0 or below', () => {
    expect(refuseFix({ ...good, accuracy_m: 0 })).toBe('no_accuracy');
    expect(refuseFix({ ...good, accuracy_m: -5 })).toBe('no_accuracy');
  });
  it('refuses NaN, out of range, absurd accuracy and broken clocks', () => {
    expect(refuseFix({ ...good, lat: NaN })).toBe('not_a_number');
    expect(refuseFix({ ...good, lon: Infinity })).toBe('not_a_number');
    expect(refuseFix({ ...good, lat: 91 })).toBe('out_of_range');
    expect(refuseFix({ ...good, accuracy_m: 60_000 })).toBe('accuracy_too_large');
    expect(refuseFix({ ...good, fixed_at_ms: -1 })).toBe('bad_time');
    expect(refuseFix({ ...good, fixed_at_ms: 253_402_300_800_000 })).toBe('bad_time');
  });
  it('keeps a fix from a phone whose clock is wrong (2001, 1970, days ahead)', () => {
    for (const t of [978_307_200_000, 1000, NOW + 2 * 86_400_000]) {
      expect(refuseFix({ ...good, fixed_at_ms: t }), String(t)).toBeNull();
    }
  });
  it('maps a browser position and refuses a browser (0, 0)', () => {
    const ok = fixFromBrowser({ coords: { latitude: -8.07, longitude: -79, accuracy: 20, speed: null, heading: NaN }, timestamp: NOW });
    expect(ok).toEqual({ fix: { lat: -8.07, lon: -79, accuracy_m: 20, fixed_at_ms: NOW, source: 'fused' } });
    const zero = fixFromBrowser({ coords: { latitude: 0, longitude: 0, accuracy: 20 }, timestamp: NOW });
    expect(zero).toEqual({ refused: 'null_island' });
    const noAcc = fixFromBrowser({ coords: { latitude: -8.07, longitude: -79, accuracy: 0 }, timestamp: NOW });
    expect(noAcc).toEqual({ refused: 'no_accuracy' });
  });
  it('prefers a fresh fix over a more accurate stale one', () => {
    const stale: Fix = { ...good, accuracy_m: 5, fixed_at_ms: NOW - 120_000, source: 'gps' };
    const fresh: Fix = { ...good, accuracy_m: 40, source: 'gps' };
    expect(betterFix(stale, fresh, NOW)).toBe(fresh);
    expect(betterFix(fresh, stale, NOW)).toBe(fresh);
    const sharper: Fix = { ...fresh, accuracy_m: 8 };
    expect(betterFix(fresh, sharper, NOW)).toBe(sharper);
  });
  it('measures distance', () => {
    const d = distanceM({ lat: -8.07, lon: -79.0 }, { lat: -8.08, lon: -79.0 });
    expect(d).toBeGreaterThan(1100);
    expect(d).toBeLessThan(1120);
  });
});

describe('the refinement window (as core fix::refinement)', () => {
  const f = (accuracy_m: number, source: Fix['source'] = 'fused', age = 0): Fix => ({ ...good, accuracy_m, source, fixed_at_ms: NOW - age });
  it('takes the first good fresh fix at once, and waits while only poor ones came', () => {
    expect(refinement(f(20), undefined, NOW, false)).toEqual({ use: f(20) });
    expect(refinement(f(200), undefined, NOW, false)).toBe('wait');
    expect(refinement(null, undefined, NOW, false)).toBe('wait');
  });
  it('at the end takes the best fresh fix that improves on what the alert carries, or nothing', () => {
    expect(refinement(f(200), undefined, NOW, true)).toEqual({ use: f(200) });
    expect(refinement(f(200), f(10, 'last_known', 3_600_000), NOW, true)).toEqual({ use: f(200) });
    expect(refinement(f(200), f(100), NOW, true)).toBe('nothing');
    expect(refinement(f(80), f(100), NOW, true)).toEqual({ use: f(80) });
    // A good raised fix is never refined (the page opens no window for it); a stale browser fix is not fresh.
    expect(refinement(f(5), f(30), NOW, true)).toBe('nothing');
    expect(refinement(f(20, 'fused', 60_000), undefined, NOW, true)).toBe('nothing');
    expect(refinement(null, undefined, NOW, true)).toBe('nothing');
  });
});
