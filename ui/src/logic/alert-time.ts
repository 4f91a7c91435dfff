// "Since when" on the console, judged on clocks that can be trusted. The
// phone's clock may be wrong (reset to 2000, days off); the server flags such
// an alert (`clock_suspect`) and its receive time is always right.

import type { AlertSummary } from '../api/console-types';

/** How long ago the server received the alert, in ms. */
export function sinceReceivedMs(a: AlertSummary, now: number): number {
  return now - a.received_at_ms;
}

/**
 * How long ago the newest fix was measured, in ms, or null when there is
 * none or its time cannot be trusted: on a flagged alert it may come from the
 * wrong clock.
 */
export function fixAgeMs(a: AlertSummary, now: number): number | null {
  return a.clock_suspect || !a.last ? null : now - a.last.fixed_at_ms;
}

/** Whether to show the small "hora del teléfono incorrecta" note. */
export function showClockNote(a: AlertSummary): boolean {
  return a.clock_suspect === true;
}
