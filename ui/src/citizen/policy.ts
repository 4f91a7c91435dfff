// The /sos page's delivery policy: the same rule as auxilio-core's
// (core/src/delivery/backoff.rs, answer.rs, core/src/outbox/queue.rs), tested
// against the same tables in fixtures/ at the repository root
// (ui/tests/policy-fixtures.test.ts; core/src/delivery/policy_fixtures.rs).

/** The first retry waits at most this long… */
export const BACKOFF_INITIAL_MS = 1000;
/** …doubling up to this (core's Policy::DEFAULT). */
export const BACKOFF_CAP_MS = 60_000;
/** The longest Retry-After obeyed: an emergency never waits longer because a server asked. */
export const RETRY_AFTER_LIMIT_MS = 10 * 60 * 1000;

/** The ceiling of the wait before retry number `failures` (1 after the first failure). */
export function backoffCeilingMs(failures: number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 31);
  return Math.min(BACKOFF_CAP_MS, BACKOFF_INITIAL_MS * 2 ** exp);
}

/**
 * The wait before retry number `failures`: uniform in [0, ceiling] (full
 * jitter), and at least the server's Retry-After, itself at most
 * RETRY_AFTER_LIMIT_MS. `random` is in [0, 1].
 */
export function backoffDelayMs(failures: number, retryAfterMs: number | null, random: number = Math.random()): number {
  const jittered = Math.round(backoffCeilingMs(failures) * random);
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_LIMIT_MS));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** An IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) as ms since the epoch, or null. */
export function parseHttpDate(value: string): number | null {
  const m = IMF_FIXDATE.exec(value.trim());
  if (!m) return null;
  const [, day, dd, mon, yyyy, hh, mi, ss] = m;
  const month = MONTHS.indexOf(mon!);
  const t = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss));
  const d = new Date(t);
  // Reject what Date.UTC would roll over (31 Feb, 25:00) and a wrong weekday.
  if (month < 0 || d.getUTCDate() !== Number(dd) || d.getUTCHours() !== Number(hh) || d.getUTCMinutes() !== Number(mi) || d.getUTCSeconds() !== Number(ss) || DAYS[d.getUTCDay()] !== day) {
    return null;
  }
  return t;
}

/**
 * A Retry-After value as a wait in ms: delta-seconds or an HTTP-date
 * measured from `nowMs` (the answer's Date header when it has one). A past
 * date is no wait; anything else is null (the plain backoff applies).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = parseHttpDate(v);
  return at === null ? null : Math.max(0, at - nowMs);
}

export type Outcome = 'delivered' | 'transient' | 'permanent';
/** What a 2xx must carry: the server's view of this alert, or a batch receipt. */
export type Expect = { view: string } | 'receipt';

/** 2xx only when the body is the server's; 3xx, 408, 429, 5xx (and no answer: status 0) transient; other statuses permanent. */
export function judge(status: number, body: string, expect: Expect): Outcome {
  if (status >= 200 && status < 300) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return 'transient';
    }
    const v = (value ?? {}) as Record<string, unknown>;
    const plausible = expect === 'receipt' ? Number.isInteger(v.accepted) && (v.accepted as number) >= 0 : v.id === expect.view;
    return plausible ? 'delivered' : 'transient';
  }
  if (status === 0 || status === 408 || status === 429 || (status >= 300 && status < 400) || status >= 500) return 'transient';
  return 'permanent';
}

export type RowState = 'queued' | 'delivered' | 'wedged';
export type Send = 'alert' | 'cancel' | 'positions';

/** One alert's rows on the page: the alert, its cancel, its queued positions (one batch). */
export interface AlertRows {
  alert: RowState;
  cancel: RowState | null;
  positions: RowState | null;
}

/**
 * What to send next, as core's queue picks: every queued alert first, oldest
 * first; then a cancel of a delivered alert; then positions of a delivered
 * alert. `rows` is oldest first.
 */
export function nextSend<T extends AlertRows>(rows: readonly T[]): { rows: T; send: Send } | null {
  const alert = rows.find((r) => r.alert === 'queued');
  if (alert) return { rows: alert, send: 'alert' };
  const cancel = rows.find((r) => r.alert === 'delivered' && r.cancel === 'queued');
  if (cancel) return { rows: cancel, send: 'cancel' };
  const positions = rows.find((r) => r.alert === 'delivered' && r.positions === 'queued');
  return positions ? { rows: positions, send: 'positions' } : null;
}

/** The state a row queued now starts in: wedged at once when its alert was refused. */
export function dependentState(r: AlertRows): RowState {
  return r.alert === 'wedged' ? 'wedged' : 'queued';
}

/** Records an answer: a refused alert wedges its queued cancel and positions too. */
export function applyOutcome(r: AlertRows, send: Send, outcome: Outcome): void {
  if (outcome === 'transient') return;
  const state: RowState = outcome === 'delivered' ? 'delivered' : 'wedged';
  if (send === 'alert') {
    r.alert = state;
    if (state === 'wedged') {
      if (r.cancel === 'queued') r.cancel = 'wedged';
      if (r.positions === 'queued') r.positions = 'wedged';
    }
  } else if (send === 'cancel') {
    r.cancel = state;
  } else {
    r.positions = state;
  }
}
