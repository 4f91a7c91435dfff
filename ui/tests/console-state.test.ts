import { describe, expect, it } from 'vitest';
import { EMPTY, consoleReducer, positionSteps, positionUnknown, sortedAlerts, unacknowledged, type ConsoleAction, type ConsoleState } from '../src/logic/console-state';
import type { AlertSummary, StreamEvent } from '../src/api/console-types';
import type { AlertStatus, Fix } from '../src/api/types';

const T = 1_780_000_000_000;
const fix = (n: number): Fix => ({ lat: -8.07 - n / 1000, lon: -79, accuracy_m: 10, fixed_at_ms: T + 1000 * n, source: 'gps' });
function alert(n: number, status: AlertStatus, updated: number): AlertSummary {
  const f = fix(0);
  return {
    id: `a${n}`,
    device_id: 'd1',
    kind: 'asalto',
    status,
    silent: false,
    created_at_ms: T + n,
    received_at_ms: T + n,
    updated_at_ms: updated,
    fix: f,
    last: { lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m, fixed_at_ms: f.fixed_at_ms, source: f.source },
    reporter: { display_name: 'X', phone: '+51999999999', role: 'mototaxi_driver' },
  };
}
/** An alert raised with no position (protocol v2): no `fix`, no `last`. */
function noPosition(n: number, status: AlertStatus, updated: number): AlertSummary {
  const { fix: _f, last: _l, ...rest } = alert(n, status, updated);
  return { ...rest, organization: 'Mototaxis Unidos', reporter: { ...rest.reporter, place: 'Mercado La Hermelinda' } };
}
const ev = (id: string, event: StreamEvent): ConsoleAction => ({ type: 'event', id, event });
const status = (id: string, alertId: string, s: AlertStatus, updated: number, unit?: string): ConsoleAction =>
  ev(id, {
    type: 'status',
    data: { alert_id: alertId, actor: 'account:1', view: { id: alertId, status: s, received_at_ms: T, updated_at_ms: updated, ...(unit ? { unit_name: unit } : {}) } },
  });
const run = (actions: ConsoleAction[], s: ConsoleState = EMPTY) => actions.reduce(consoleReducer, s);

describe('console state merges stream and snapshot', () => {
  it('a new alert goes to the top of the list and counts as unacknowledged', () => {
    const s = run([
      ev('1', { type: 'alert', data: alert(1, 'acknowledged', T + 5) }),
      ev('2', { type: 'alert', data: alert(2, 'new', T + 6) }),
    ]);
    expect(sortedAlerts(s).map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(unacknowledged(s).map((a) => a.id)).toEqual(['a2']);
    expect(s.lastEventId).toBe('2');
  });

  it('status events move the alert forward and carry the unit name', () => {
    const s = run([ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }), status('2', 'a1', 'acknowledged', T + 2), status('3', 'a1', 'dispatched', T + 3, 'Serenazgo 07')]);
    expect(s.alerts.a1).toMatchObject({ status: 'dispatched', unit_name: 'Serenazgo 07', updated_at_ms: T + 3 });
    expect(unacknowledged(s)).toEqual([]);
  });

  it('replayed and out-of-order events end in the same state', () => {
    const events = [
      ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }),
      status('2', 'a1', 'acknowledged', T + 2),
      ev('3', { type: 'position', data: { alert_id: 'a1', seq: 1, fix: fix(5) } }),
      status('4', 'a1', 'dispatched', T + 3),
    ];
    const inOrder = run(events);
    const replayed = run([...events.slice(0, 3), ...events, events[1]!]);
    expect(replayed.alerts).toEqual(inOrder.alerts);
    expect(replayed.tracks).toEqual(inOrder.tracks);
    expect(inOrder.alerts.a1?.status).toBe('dispatched');
    // the status change after the position did not move the pin back
    expect(inOrder.alerts.a1?.last?.fixed_at_ms).toBe(T + 5000);
    expect(inOrder.tracks.a1).toHaveLength(1);
    // a stale alert summary arriving late does not undo the newer status
    const late = run([ev('9', { type: 'alert', data: alert(1, 'new', T + 1) })], inOrder);
    expect(late.alerts.a1?.status).toBe('dispatched');
  });

  it('after a reconnect, the replay and the snapshot fill what was missed; the cursor stays at the last event seen', () => {
    let s = run([
      { type: 'snapshot', alerts: [], lastEventId: '0' },
      ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }),
      { type: 'connection', connection: 'reconnecting' },
    ]);
    expect(s.lastEventId).toBe('1');
    // While disconnected: a1 was acknowledged, a2 and a3 arrived.
    s = run(
      [
        // The refreshed list is newer than our cursor: it must not move it,
        // or the replay would skip events.
        { type: 'snapshot', alerts: [alert(1, 'acknowledged', T + 4), alert(2, 'new', T + 5)], lastEventId: '9' },
        { type: 'connection', connection: 'live' },
        // Replay from Last-Event-ID 1:
        status('2', 'a1', 'acknowledged', T + 4),
        ev('3', { type: 'alert', data: alert(2, 'new', T + 5) }),
        ev('4', { type: 'alert', data: alert(3, 'new', T + 9) }),
      ],
      s,
    );
    expect(Object.keys(s.alerts).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(s.alerts.a1?.status).toBe('acknowledged');
    expect(sortedAlerts(s).map((a) => a.id)).toEqual(['a3', 'a2', 'a1']);
    expect(s.lastEventId).toBe('4');
    expect(s.connection).toBe('live');
  });

  it('tracks dedupe by seq and stay ordered; the pin follows the newest fix', () => {
    const s = run([
      ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }),
      ev('2', { type: 'position', data: { alert_id: 'a1', seq: 2, fix: fix(2) } }),
      ev('3', { type: 'position', data: { alert_id: 'a1', seq: 1, fix: fix(1) } }),
      { type: 'track', alertId: 'a1', points: [1, 2, 3].map((n) => ({ alert_id: 'a1', seq: n, fix: fix(n) })) },
    ]);
    expect(s.tracks.a1?.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(s.alerts.a1?.last?.fixed_at_ms).toBe(T + 3000);
  });

  it('units follow the stream order', () => {
    const s = run([
      { type: 'units', units: [{ id: 7, call_sign: 'S07', agency: 'serenazgo', available: true }] },
      ev('1', { type: 'unit', data: { id: 7, call_sign: 'S07', agency: 'serenazgo', available: false, lat: -8.07, lon: -79 } }),
    ]);
    expect(s.units[7]?.available).toBe(false);
  });
});

describe('an alert with no position (protocol v2)', () => {
  it('stands at the top of the list, before unacknowledged alerts with a pin, while it is open', () => {
    const s = run([
      ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }),
      ev('2', { type: 'alert', data: noPosition(2, 'acknowledged', T + 2) }),
      ev('3', { type: 'alert', data: alert(3, 'new', T + 3) }),
      ev('4', { type: 'alert', data: noPosition(4, 'resolved', T + 4) }),
    ]);
    expect(sortedAlerts(s).map((a) => a.id)).toEqual(['a2', 'a3', 'a1', 'a4']);
    expect(positionUnknown(s.alerts.a2!)).toBe(true);
    expect(s.alerts.a2?.last).toBeUndefined();
    expect(positionSteps(s.alerts.a2!, s.tracks.a2 ?? [])).toEqual([]);
  });

  it('a refined position gives it a pin and a step; tracking moves the pin; the list order follows', () => {
    const refined: Fix = { ...fix(3), accuracy_m: 40, source: 'network' };
    const tracked: Fix = { ...fix(8), accuracy_m: 6, source: 'gps' };
    const s = run([
      ev('1', { type: 'alert', data: alert(1, 'new', T + 1) }),
      ev('2', { type: 'alert', data: noPosition(2, 'new', T + 2) }),
      ev('3', { type: 'position', data: { alert_id: 'a2', seq: 1, fix: refined, refines: true } }),
    ]);
    expect(s.alerts.a2?.last).toEqual({ lat: refined.lat, lon: refined.lon, accuracy_m: 40, fixed_at_ms: refined.fixed_at_ms, source: 'network' });
    expect(positionUnknown(s.alerts.a2!)).toBe(false);
    // With a pin it is an ordinary unacknowledged alert: newest first.
    expect(sortedAlerts(s).map((a) => a.id)).toEqual(['a2', 'a1']);

    const s2 = run([ev('4', { type: 'position', data: { alert_id: 'a2', seq: 2, fix: tracked } })], s);
    expect(s2.alerts.a2?.last).toMatchObject({ accuracy_m: 6, source: 'gps', fixed_at_ms: tracked.fixed_at_ms });
    expect(positionSteps(s2.alerts.a2!, s2.tracks.a2!).map((p) => [p.kind, p.source, p.accuracy_m])).toEqual([
      ['refined', 'network', 40],
      ['tracked', 'gps', 6],
    ]);
  });

  it('a late summary without a position (replay, snapshot) does not take the pin away', () => {
    const s = run([
      ev('1', { type: 'alert', data: noPosition(1, 'new', T + 1) }),
      ev('2', { type: 'position', data: { alert_id: 'a1', seq: 1, fix: fix(2), refines: true } }),
      status('3', 'a1', 'acknowledged', T + 3),
      { type: 'snapshot', alerts: [noPosition(1, 'acknowledged', T + 3)] },
      ev('1', { type: 'alert', data: noPosition(1, 'new', T + 1) }),
    ]);
    expect(s.alerts.a1?.status).toBe('acknowledged');
    expect(s.alerts.a1?.last?.fixed_at_ms).toBe(T + 2000);
    expect(s.tracks.a1?.[0]?.refines).toBe(true);
  });

  it('an alert raised with a fix lists it as the raised step, before the refined and tracked ones', () => {
    const s = run([
      ev('1', { type: 'alert', data: { ...alert(1, 'new', T + 1), fix: { ...fix(0), source: 'last_known', accuracy_m: 300 } } }),
      { type: 'track', alertId: 'a1', points: [{ alert_id: 'a1', seq: 2, fix: fix(4) }, { alert_id: 'a1', seq: 1, fix: { ...fix(1), source: 'fused', accuracy_m: 30 }, refines: true }] },
    ]);
    expect(positionSteps(s.alerts.a1!, s.tracks.a1!).map((p) => `${p.kind}:${p.source}:${p.accuracy_m}`)).toEqual(['raised:last_known:300', 'refined:fused:30', 'tracked:gps:10']);
  });
});
