import { describe, expect, it } from 'vitest';
import type { AlertSummary } from '../src/api/console-types';
import { fixAgeMs, showClockNote, sinceReceivedMs } from '../src/logic/alert-time';
import { t } from '../src/i18n';

const NOW = 1_780_000_000_000;
/** 2001-01-01T00:00:00Z, where cheap phones land after the battery dies. */
const CLOCK_2001 = 978_307_200_000;

function alert(created: number, fixedAt: number, clockSuspect?: boolean): AlertSummary {
  const fix = { lat: -8.07, lon: -79, accuracy_m: 10, fixed_at_ms: fixedAt, source: 'gps' as const };
  return {
    id: 'a1',
    device_id: 'd1',
    kind: 'asalto',
    status: 'new',
    silent: false,
    created_at_ms: created,
    received_at_ms: NOW - 90_000,
    updated_at_ms: NOW - 90_000,
    ...(clockSuspect === undefined ? {} : { clock_suspect: clockSuspect }),
    fix,
    last: { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, fixed_at_ms: fix.fixed_at_ms, source: fix.source },
    reporter: { display_name: 'X', phone: '+51999999999', role: 'mototaxi_driver' },
  };
}

describe('since when, on a phone whose clock is wrong', () => {
  it('is the server receive time, never the phone clock', () => {
    expect(sinceReceivedMs(alert(CLOCK_2001, CLOCK_2001, true), NOW)).toBe(90_000);
    expect(sinceReceivedMs(alert(NOW + 2 * 86_400_000, NOW, true), NOW)).toBe(90_000);
    expect(sinceReceivedMs(alert(NOW - 91_000, NOW - 92_000), NOW)).toBe(90_000);
  });
  it('shows no fix age on a flagged alert (the fix may carry the wrong clock)', () => {
    expect(fixAgeMs(alert(CLOCK_2001, CLOCK_2001, true), NOW)).toBeNull();
    expect(fixAgeMs(alert(NOW - 91_000, NOW - 92_000), NOW)).toBe(92_000);
    expect(fixAgeMs(alert(NOW - 91_000, NOW - 92_000, false), NOW)).toBe(92_000);
  });
  it('shows no fix age on an alert with no position yet (protocol v2)', () => {
    const { fix: _f, last: _l, ...noPos } = alert(NOW - 91_000, NOW - 92_000);
    expect(fixAgeMs(noPos, NOW)).toBeNull();
  });
  it('notes the wrong clock only on a flagged alert, in Spanish first', () => {
    expect(showClockNote(alert(CLOCK_2001, CLOCK_2001, true))).toBe(true);
    expect(showClockNote(alert(NOW - 91_000, NOW - 92_000))).toBe(false);
    expect(t('console.clock_suspect', undefined, 'es')).toBe('hora del teléfono incorrecta');
  });
});
