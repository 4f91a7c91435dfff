// The console's picture of the world, built from a REST snapshot and the
// live stream. Every merge is idempotent and newest-wins, so replayed events
// (Last-Event-ID), a snapshot taken after a reconnect, and events arriving
// out of order all end in the same complete state.

import type { AlertId } from '../api/types';
import { isTerminal } from '../api/types';
import type { ConsoleAlert, StreamEvent, TrackPoint, Unit } from '../api/console-types';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConsoleState {
  alerts: Record<AlertId, ConsoleAlert>;
  tracks: Record<AlertId, TrackPoint[]>;
  units: Record<string, Unit>;
  lastEventId: string | null;
  connection: Connection;
}

export const EMPTY: ConsoleState = { alerts: {}, tracks: {}, units: {}, lastEventId: null, connection: 'connecting' };

export type ConsoleAction =
  | { type: 'snapshot'; alerts: ConsoleAlert[]; units: Unit[] }
  | { type: 'track'; alertId: AlertId; points: TrackPoint[] }
  | { type: 'event'; id?: string; event: StreamEvent }
  | { type: 'connection'; connection: Connection };

function newerAlert(old: ConsoleAlert | undefined, next: ConsoleAlert): ConsoleAlert {
  if (!old) return next;
  if (next.updated_at_ms < old.updated_at_ms) return old;
  // A newer status change must not move the pin back to an older fix.
  const fix = old.fix.fixed_at_ms > next.fix.fixed_at_ms ? old.fix : next.fix;
  return { ...next, fix };
}

function newerUnit(old: Unit | undefined, next: Unit): Unit {
  return old && old.updated_at_ms > next.updated_at_ms ? old : next;
}

function mergeTrack(old: TrackPoint[] | undefined, add: TrackPoint[]): TrackPoint[] {
  const bySeq = new Map<number, TrackPoint>();
  for (const p of old ?? []) bySeq.set(p.seq, p);
  for (const p of add) bySeq.set(p.seq, p);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function withPoints(s: ConsoleState, alertId: AlertId, points: TrackPoint[]): ConsoleState {
  const track = mergeTrack(s.tracks[alertId], points);
  let alerts = s.alerts;
  const a = alerts[alertId];
  const latest = track.reduce<TrackPoint | undefined>(
    (best, p) => (!best || p.fix.fixed_at_ms > best.fix.fixed_at_ms ? p : best),
    undefined,
  );
  if (a && latest && latest.fix.fixed_at_ms > a.fix.fixed_at_ms) {
    alerts = { ...alerts, [alertId]: { ...a, fix: latest.fix } };
  }
  return { ...s, alerts, tracks: { ...s.tracks, [alertId]: track } };
}

export function consoleReducer(s: ConsoleState, a: ConsoleAction): ConsoleState {
  switch (a.type) {
    case 'connection':
      return s.connection === a.connection ? s : { ...s, connection: a.connection };
    case 'snapshot': {
      const alerts = { ...s.alerts };
      for (const al of a.alerts) alerts[al.id] = newerAlert(alerts[al.id], al);
      const units = { ...s.units };
      for (const u of a.units) units[u.id] = newerUnit(units[u.id], u);
      return { ...s, alerts, units };
    }
    case 'track':
      return withPoints(s, a.alertId, a.points);
    case 'event': {
      let next = s;
      const e = a.event;
      if (e.type === 'alert') {
        next = { ...s, alerts: { ...s.alerts, [e.alert.id]: newerAlert(s.alerts[e.alert.id], e.alert) } };
      } else if (e.type === 'unit') {
        next = { ...s, units: { ...s.units, [e.unit.id]: newerUnit(s.units[e.unit.id], e.unit) } };
      } else {
        next = withPoints(s, e.alert_id, [{ seq: e.seq, fix: e.fix }]);
      }
      return a.id ? { ...next, lastEventId: a.id } : next;
    }
  }
}

const STATUS_ORDER: Record<ConsoleAlert['status'], number> = {
  new: 0,
  acknowledged: 1,
  dispatched: 1,
  en_route: 1,
  on_scene: 1,
  resolved: 2,
  cancelled: 2,
};

/** The list: unacknowledged first, then open, then closed; newest first in each. */
export function sortedAlerts(s: ConsoleState): ConsoleAlert[] {
  return Object.values(s.alerts).sort(
    (x, y) => STATUS_ORDER[x.status] - STATUS_ORDER[y.status] || y.received_at_ms - x.received_at_ms,
  );
}

/** Alerts nobody has acknowledged yet: the alarm sounds while any exist. */
export function unacknowledged(s: ConsoleState): ConsoleAlert[] {
  return Object.values(s.alerts).filter((x) => x.status === 'new');
}

export function openAlerts(s: ConsoleState): ConsoleAlert[] {
  return Object.values(s.alerts).filter((x) => !isTerminal(x.status));
}
