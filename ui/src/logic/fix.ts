import type { Fix, FixSource } from '../api/types';
import { FIX_SOURCES } from '../api/types';

/** Accuracy worse than this is not a position (protocol limits.rs MAX_ACCURACY_M). */
export const MAX_ACCURACY_M = 50_000;
/**
 * The latest time a `*_ms` field can hold (limits.rs MAX_TIMESTAMP_MS). A time
 * far from now is a wrong clock, which never stops an SOS (PROTOCOL.md "Times
 * and wrong clocks"); only a negative time or one after the year 9999 is
 * no clock reading at all.
 */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;
/** Older than this a fix is not "fresh" (core fresh_max_age). */
export const FRESH_MAX_AGE_MS = 30_000;

/**
 * Within this many degrees of 0 on both axes a position is (0, 0): the
 * protocol's one rule (validate.rs NULL_ISLAND_DEG, about 1.1 m, the SMS
 * form's resolution), tested against fixtures/null_island.json on both sides.
 */
export const NULL_ISLAND_DEG = 1e-5;

export function isNullIsland(lat: number, lon: number): boolean {
  return Math.abs(lat) < NULL_ISLAND_DEG && Math.abs(lon) < NULL_ISLAND_DEG;
}

export type FixRefusal =
  | 'not_a_number'
  | 'out_of_range'
  | 'null_island'
  | 'no_accuracy'
  | 'accuracy_too_large'
  | 'bad_time';

/**
 * Why a fix must be refused, or null if it may be used. A (0, 0) position
 * and an accuracy of 0 are what broken providers (Tauri desktop, some
 * browsers) report: they are never real, so they are never sent.
 */
export function refuseFix(f: Pick<Fix, 'lat' | 'lon' | 'accuracy_m' | 'fixed_at_ms'>): FixRefusal | null {
  const { lat, lon, accuracy_m, fixed_at_ms } = f;
  if (![lat, lon, accuracy_m, fixed_at_ms].every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return 'not_a_number';
  }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return 'out_of_range';
  if (isNullIsland(lat, lon)) return 'null_island';
  if (accuracy_m <= 0) return 'no_accuracy';
  if (accuracy_m > MAX_ACCURACY_M) return 'accuracy_too_large';
  if (fixed_at_ms < 0 || fixed_at_ms > MAX_TIMESTAMP_MS) return 'bad_time';
  return null;
}

/** A browser `GeolocationPosition` as a protocol fix, or the reason it is refused. */
export function fixFromBrowser(
  pos: { coords: { latitude: number; longitude: number; accuracy: number; altitude?: number | null; speed?: number | null; heading?: number | null }; timestamp: number },
): { fix: Fix } | { refused: FixRefusal } {
  const c = pos.coords;
  const fix: Fix = {
    lat: c.latitude,
    lon: c.longitude,
    accuracy_m: c.accuracy,
    fixed_at_ms: Math.round(pos.timestamp),
    // The browser does not say; it blends GPS, Wi-Fi and cell.
    source: 'fused',
  };
  if (c.altitude != null && Number.isFinite(c.altitude) && c.altitude >= -500 && c.altitude <= 9000) {
    fix.altitude_m = c.altitude;
  }
  if (c.speed != null && Number.isFinite(c.speed) && c.speed >= 0 && c.speed <= 150) fix.speed_mps = c.speed;
  if (c.heading != null && Number.isFinite(c.heading) && c.heading >= 0 && c.heading < 360) {
    fix.heading_deg = c.heading;
  }
  const refused = refuseFix(fix);
  return refused ? { refused } : { fix };
}

/** Of two usable fixes, the better: fresh beats stale, then smaller accuracy. */
export function betterFix(a: Fix | null, b: Fix, now: number): Fix {
  if (!a) return b;
  const aFresh = now - a.fixed_at_ms <= FRESH_MAX_AGE_MS;
  const bFresh = now - b.fixed_at_ms <= FRESH_MAX_AGE_MS;
  if (aFresh !== bFresh) return bFresh ? b : a;
  return b.accuracy_m <= a.accuracy_m ? b : a;
}

export function isFixSource(s: string): s is FixSource {
  return (FIX_SOURCES as readonly string[]).includes(s);
}

/** Great-circle distance in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const R = 6_371_000;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A fix this accurate (and live) is good: the refinement takes the first one (core good_accuracy_m). */
export const GOOD_ACCURACY_M = 50;
/** The refinement window after the tap (core fix_deadline): the SOS never waits for it. */
export const REFINE_WINDOW_MS = 8_000;

function isLive(f: Fix): boolean {
  return f.source === 'gps' || f.source === 'network' || f.source === 'fused';
}

/** A live fix measured at most FRESH_MAX_AGE_MS ago. */
export function isFresh(f: Fix, now: number): boolean {
  return isLive(f) && refuseFix(f) === null && now - f.fixed_at_ms <= FRESH_MAX_AGE_MS;
}

export function isGood(f: Fix): boolean {
  return isLive(f) && f.accuracy_m <= GOOD_ACCURACY_M;
}

export type Refinement = { use: Fix } | 'wait' | 'nothing';

/**
 * During the refinement window after the tap (as core's fix::refinement):
 * the first good fresh fix that improves on what the alert carries (`raised`,
 * absent for an SOS sent with no position), or once the window has passed
 * the best fresh one that improves on it, or nothing.
 */
export function refinement(best: Fix | null, raised: Fix | undefined, now: number, windowPassed: boolean): Refinement {
  const fresh = best && isFresh(best, now) ? best : null;
  const improves = (f: Fix) => {
    if (raised && isGood(raised)) return false;
    if (raised && isLive(raised)) return f.accuracy_m < raised.accuracy_m;
    // Anything fresh beats a last known fix, a registered place or nothing.
    return true;
  };
  if (fresh && isGood(fresh) && improves(fresh)) return { use: fresh };
  if (!windowPassed) return 'wait';
  if (fresh && improves(fresh)) return { use: fresh };
  return 'nothing';
}
