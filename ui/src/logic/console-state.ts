// The console's picture of the world, built from a REST snapshot and the
// live stream. Alert merges are idempotent and newest-wins (by
// updated_at_ms, and by fix time for the pin), so replayed events
// (Last-Event-ID), a snapshot taken after a reconnect, and events arriving
// out of order all end in the same complete state. An alert may carry no
// position (protocol v2: `fix` and `last` absent, "ubicación desconocida")
// until a refined or tracked position arrives on the stream.

import type { AlertId, FixSource } from '../api/types';
import { isTerminal } from '../api/types';
import type { AlertSummary, LastFix, PositionEvent, StatusEvent, StreamEvent, UnitView } from '../api/console-types';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface TrackPoint {
  seq: number;
  lat: number;
  lon: number;
  accuracy_m: number;
  fixed_at_ms: number;
  source: FixSource;
  /** The refined position of an alert raised before a good fix. */
  refines?: boolean;
}

export interface ConsoleState {
  alerts: Record<AlertId, AlertSummary>;
  tracks: Record<AlertId, TrackPoint[]>;
  units: Record<number, UnitView>;
  lastEventId: string | null;
  connection: Connection;
}

export const EMPTY: ConsoleState = { alerts: {}, tracks: {}, units: {}, lastEventId: null, connection: 'connecting' };

export type ConsoleAction =
  | { type: 'snapshot'; alerts: AlertSummary[]; lastEventId?: string }
  | { type: 'units'; units: UnitView[] }
  | { type: 'track'; alertId: AlertId; points: PositionEvent[] }
  | { type: 'event'; id?: string; event: StreamEvent }
  | { type: 'connection'; connection: Connection };

/** The newer of two positions; an absent one is older than any. */
function newer(a: LastFix | undefined, b: LastFix | undefined): LastFix | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.fixed_at_ms > b.fixed_at_ms ? a : b;
}

function mergeAlert(old: AlertSummary | undefined, next: AlertSummary): AlertSummary {
  if (!old) return next;
  const base = next.updated_at_ms >= old.updated_at_ms ? next : old;
  // A status change must not move the pin back to an older position, nor
  // take away a position the stream already brought.
  const last = newer(old.last, next.last);
  const fix = base.fix ?? old.fix ?? next.fix;
  if (base.last === last && base.fix === fix) return base;
  const merged: AlertSummary = { ...base };
  if (last) merged.last = last;
  if (fix) merged.fix = fix;
  return merged;
}

function applyStatus(old: AlertSummary | undefined, e: StatusEvent): AlertSummary | undefined {
  if (!old || e.view.updated_at_ms < old.updated_at_ms) return old;
  const next: AlertSummary = { ...old, status: e.view.status, updated_at_ms: e.view.updated_at_ms };
  if (e.view.outcome) next.outcome = e.view.outcome;
  if (e.view.unit_name) next.unit_name = e.view.unit_name;
  return next;
}

function withPoints(s: ConsoleState, alertId: AlertId, points: PositionEvent[]): ConsoleState {
  const bySeq = new Map<number, TrackPoint>();
  for (const p of s.tracks[alertId] ?? []) bySeq.set(p.seq, p);
  for (const p of points) {
    const { lat, lon, accuracy_m, fixed_at_ms, source } = p.fix;
    const point: TrackPoint = { seq: p.seq, lat, lon, accuracy_m, fixed_at_ms, source };
    if (p.refines) point.refines = true;
    bySeq.set(p.seq, point);
  }
  const track = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let alerts = s.alerts;
  const a = alerts[alertId];
  const newest = track.reduce<TrackPoint | undefined>((b, p) => (!b || p.fixed_at_ms > b.fixed_at_ms ? p : b), undefined);
  // The pin appears (an alert raised with no position) or moves.
  if (a && newest && (!a.last || newest.fixed_at_ms > a.last.fixed_at_ms)) {
    const { lat, lon, accuracy_m, fixed_at_ms, source } = newest;
    alerts = { ...alerts, [alertId]: { ...a, last: { lat, lon, accuracy_m, fixed_at_ms, source } } };
  }
  return { ...s, alerts, tracks: { ...s.tracks, [alertId]: track } };
}

function applyEvent(s: ConsoleState, e: StreamEvent): ConsoleState {
  switch (e.type) {
    case 'alert':
      return { ...s, alerts: { ...s.alerts, [e.data.id]: mergeAlert(s.alerts[e.data.id], e.data) } };
    case 'status': {
      const next = applyStatus(s.alerts[e.data.alert_id], e.data);
      return next && next !== s.alerts[e.data.alert_id] ? { ...s, alerts: { ...s.alerts, [next.id]: next } } : s;
    }
    case 'position':
      return withPoints(s, e.data.alert_id, [e.data]);
    case 'unit':
      // Units carry no version: the stream's order is the truth.
      return { ...s, units: { ...s.units, [e.data.id]: e.data } };
  }
}

export function consoleReducer(s: ConsoleState, a: ConsoleAction): ConsoleState {
  switch (a.type) {
    case 'connection':
      return s.connection === a.connection ? s : { ...s, connection: a.connection };
    case 'snapshot': {
      const alerts = { ...s.alerts };
      for (const al of a.alerts) alerts[al.id] = mergeAlert(alerts[al.id], al);
      return { ...s, alerts, lastEventId: s.lastEventId ?? a.lastEventId ?? null };
    }
    case 'units': {
      const units: Record<number, UnitView> = {};
      for (const u of a.units) units[u.id] = u;
      return { ...s, units };
    }
    case 'track':
      return withPoints(s, a.alertId, a.points);
    case 'event': {
      const next = applyEvent(s, a.event);
      return a.id ? { ...next, lastEventId: a.id } : next;
    }
  }
}

const GROUP: Record<AlertSummary['status'], number> = {
  new: 0,
  acknowledged: 1,
  dispatched: 1,
  en_route: 1,
  on_scene: 1,
  resolved: 2,
  cancelled: 2,
};

/** No position known yet: no pin, the operator calls the reporter ("ubicación desconocida"). */
export function positionUnknown(a: Pick<AlertSummary, 'last'>): boolean {
  return !a.last;
}

/**
 * The list: open alerts with no position first (they have no pin: only a
 * call finds the person), then unacknowledged, then open, then closed;
 * within each, unacknowledged before open and newest first.
 */
export function sortedAlerts(s: ConsoleState): AlertSummary[] {
  const top = (a: AlertSummary) => (positionUnknown(a) && !isTerminal(a.status) ? 0 : 1);
  return Object.values(s.alerts).sort((x, y) => top(x) - top(y) || GROUP[x.status] - GROUP[y.status] || y.received_at_ms - x.received_at_ms);
}

export type StepKind = 'raised' | 'refined' | 'tracked';

/** One position the console knows for an alert: where it came from and how good it is. */
export interface PositionStep {
  kind: StepKind;
  seq?: number;
  lat: number;
  lon: number;
  accuracy_m: number;
  fixed_at_ms: number;
  source: FixSource;
}

/** The alert's positions in the phone's order: the raised fix (if any), then each refined or tracked one. */
export function positionSteps(a: Pick<AlertSummary, 'fix'>, track: TrackPoint[]): PositionStep[] {
  const steps: PositionStep[] = [];
  if (a.fix) {
    const { lat, lon, accuracy_m, fixed_at_ms, source } = a.fix;
    steps.push({ kind: 'raised', lat, lon, accuracy_m, fixed_at_ms, source });
  }
  for (const p of track) {
    const { seq, lat, lon, accuracy_m, fixed_at_ms, source } = p;
    steps.push({ kind: p.refines ? 'refined' : 'tracked', seq, lat, lon, accuracy_m, fixed_at_ms, source });
  }
  return steps;
}

/** Alerts nobody has acknowledged yet: the alarm sounds while any exist. */
export function unacknowledged(s: ConsoleState): AlertSummary[] {
  return Object.values(s.alerts).filter((x) => x.status === 'new');
}

export function openAlerts(s: ConsoleState): AlertSummary[] {
  return Object.values(s.alerts).filter((x) => !isTerminal(x.status));
}
