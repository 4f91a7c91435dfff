import { describe, expect, it } from 'vitest';
import { EMPTY, consoleReducer, sortedAlerts, unacknowledged, type ConsoleAction, type ConsoleState } from '../src/logic/console-state';
import type { ConsoleAlert, StreamEvent } from '../src/api/console-types';
import type { AlertStatus } from '../src/api/types';

const T = 1_780_000_000_000;
function alert(n: number, status: AlertStatus, updated: number, fixAt = T + n): ConsoleAlert {
  return {
    id: `a${n}`,
    kind: 'asalto',
    status,
    silent: false,
    created_at_ms: T + n,
    received_at_ms: T + n,
    updated_at_ms: updated,
    fix: { lat: -8.07, lon: -79, accuracy_m: 10, fixed_at_ms: fixAt, source: 'gps' },
    reporter: { display_name: 'X', phone: '+51999999999', role: 'mototaxi_driver' },
  };
}
const ev = (id: string, event: StreamEvent): ConsoleAction => ({ type: 'event', id, event });
const run = (actions: ConsoleAction[], s: ConsoleState = EMPTY) => actions.reduce(consoleReducer, s);

describe('console state merges stream and snapshot', () => {
  it('a new alert goes to the top of the list and counts as unacknowledged', () => {
    const s = run([
      ev('1', { type: 'alert', alert: alert(1, 'acknowledged', T + 5) }),
      ev('2', { type: 'alert', alert: alert(2, 'new', T + 6) }),
    ]);
    expect(sortedAlerts(s).map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(unacknowledged(s).map((a) => a.id)).toEqual(['a2']);
    expect(s.lastEventId).toBe('2');
  });

  it('replayed and out-of-order events end in the same state', () => {
    const events = [
      ev('1', { type: 'alert', alert: alert(1, 'new', T + 1) }),
      ev('2', { type: 'alert', alert: alert(1, 'acknowledged', T + 2) }),
      ev('3', { type: 'position', alert_id: 'a1', seq: 1, fix: { lat: -8.071, lon: -79.001, accuracy_m: 9, fixed_at_ms: T + 100, source: 'gps' } }),
      ev('4', { type: 'alert', alert: alert(1, 'dispatched', T + 3) }),
    ];
    const inOrder = run(events);
    const replayed = run([...events.slice(0, 3), ...events, events[1]!]);
    expect(replayed.alerts).toEqual(inOrder.alerts);
    expect(replayed.tracks).toEqual(inOrder.tracks);
    expect(inOrder.alerts.a1?.status).toBe('dispatched');
    // the status change after the position did not move the pin back
    expect(inOrder.alerts.a1?.fix.fixed_at_ms).toBe(T + 100);
    expect(inOrder.tracks.a1).toHaveLength(1);
  });

  it('after a reconnect, the snapshot fills what the stream missed without undoing newer events', () => {
    // Seen live before the drop:
    let s = run([ev('1', { type: 'alert', alert: alert(1, 'new', T + 1) }), { type: 'connection', connection: 'reconnecting' }]);
    // While disconnected: a1 was acknowledged, a2 and a3 arrived. The replay
    // brings a3 only (the server's buffer), the snapshot brings everything.
    s = run(
      [
        { type: 'connection', connection: 'live' },
        ev('7', { type: 'alert', alert: alert(3, 'new', T + 9) }),
        {
          type: 'snapshot',
          alerts: [alert(1, 'acknowledged', T + 4), alert(2, 'new', T + 5), alert(3, 'new', T + 8)],
          units: [{ id: 'u1', name: 'Serenazgo 07', availability: 'available', updated_at_ms: T }],
        },
      ],
      s,
    );
    expect(Object.keys(s.alerts).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(s.alerts.a1?.status).toBe('acknowledged');
    expect(s.alerts.a3?.updated_at_ms).toBe(T + 9);
    expect(s.units.u1?.name).toBe('Serenazgo 07');
    expect(s.lastEventId).toBe('7');
    expect(s.connection).toBe('live');
  });

  it('tracks dedupe by seq and stay ordered; the pin follows the newest fix', () => {
    const fix = (n: number) => ({ lat: -8.07 - n / 1000, lon: -79, accuracy_m: 10, fixed_at_ms: T + 1000 * n, source: 'gps' as const });
    const s = run([
      ev('1', { type: 'alert', alert: alert(1, 'new', T + 1) }),
      ev('2', { type: 'position', alert_id: 'a1', seq: 2, fix: fix(2) }),
      ev('3', { type: 'position', alert_id: 'a1', seq: 1, fix: fix(1) }),
      { type: 'track', alertId: 'a1', points: [{ seq: 1, fix: fix(1) }, { seq: 2, fix: fix(2) }, { seq: 3, fix: fix(3) }] },
    ]);
    expect(s.tracks.a1?.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(s.alerts.a1?.fix.fixed_at_ms).toBe(T + 3000);
  });

  it('an older unit report does not overwrite a newer one', () => {
    const s = run([
      ev('1', { type: 'unit', unit: { id: 'u1', name: 'S07', availability: 'busy', updated_at_ms: T + 10 } }),
      { type: 'snapshot', alerts: [], units: [{ id: 'u1', name: 'S07', availability: 'available', updated_at_ms: T }] },
    ]);
    expect(s.units.u1?.availability).toBe('busy');
  });
});
