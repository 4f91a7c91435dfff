// The console's picture of the world, built from a REST snapshot and the
// live stream. Alert merges are idempotent and newest-wins (by
// updated_at_ms, and by fix time for the pin), so replayed events
// (Last-Event-ID), a snapshot taken after a reconnect, and events arriving
// out of order all end in the same complete state.

import type { AlertId } from '../api/types';
import { isTerminal } from '../api/types';
import type { AlertSummary, PositionEvent, StatusEvent, StreamEvent, UnitView } from '../api/console-types';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface TrackPoint {
  seq: number;
  lat: number;
  lon: number;
  accuracy_m: number;
  fixed_at_ms: number;
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

function mergeAlert(old: AlertSummary | undefined, next: AlertSummary): AlertSummary {
  if (!old) return next;
  const base = next.updated_at_ms >= old.updated_at_ms ? next : old;
  // A status change must not move the pin back to an older position.
  const last = old.last.fixed_at_ms > next.last.fixed_at_ms ? old.last : next.last;
  return base.last === last ? base : { ...base, last };
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
    const { lat, lon, accuracy_m, fixed_at_ms } = p.fix;
    bySeq.set(p.seq, { seq: p.seq, lat, lon, accuracy_m, fixed_at_ms });
  }
  const track = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let alerts = s.alerts;
  const a = alerts[alertId];
  const newest = track.reduce<TrackPoint | undefined>((b, p) => (!b || p.fixed_at_ms > b.fixed_at_ms ? p : b), undefined);
  if (a && newest && newest.fixed_at_ms > a.last.fixed_at_ms) {
    const { lat, lon, accuracy_m, fixed_at_ms } = newest;
    alerts = { ...alerts, [alertId]: { ...a, last: { lat, lon, accuracy_m, fixed_at_ms } } };
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

/** The list: unacknowledged first, then open, then closed; newest first in each. */
export function sortedAlerts(s: ConsoleState): AlertSummary[] {
  return Object.values(s.alerts).sort((x, y) => GROUP[x.status] - GROUP[y.status] || y.received_at_ms - x.received_at_ms);
}

/** Alerts nobody has acknowledged yet: the alarm sounds while any exist. */
export function unacknowledged(s: ConsoleState): AlertSummary[] {
  return Object.values(s.alerts).filter((x) => x.status === 'new');
}

export function openAlerts(s: ConsoleState): AlertSummary[] {
  return Object.values(s.alerts).filter((x) => !isTerminal(x.status));
}
