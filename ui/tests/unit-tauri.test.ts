import { afterEach, describe, expect, it } from 'vitest';
import { unitData } from '../src/unit/data';
import type { UnitConn } from '../src/unit/types';
import { TauriUnitData, UNIT_CMD, UNIT_EVT } from '../src/unit/tauri';
import { WebUnitData } from '../src/unit/web';
import { clearFakeTauri, fakeTauri } from './fake-tauri';

afterEach(clearFakeTauri);

const ID = '01890000-0000-7000-8000-000000000001';
const ACCOUNT = { id: 3, username: 'unidad07', role: 'unit', unit_id: 7 };
const VIEW = { id: 7, call_sign: 'Serenazgo 07', agency: 'serenazgo', available: true };
const tick = () => new Promise((r) => setTimeout(r, 10));

let listenId = 100;
const eventBridge = {
  'plugin:event|listen': () => ++listenId,
  'plugin:event|unlisten': () => null,
};

describe('unit data layer inside the app (Tauri IPC)', () => {
  it('is chosen inside the Tauri webview, and the HTTP one elsewhere', async () => {
    expect(await unitData()).toBeInstanceOf(WebUnitData);
    fakeTauri({});
    expect(await unitData()).toBeInstanceOf(TauriUnitData);
  });

  it('logs in, finds the saved login and logs out through the shell', async () => {
    const t = fakeTauri({
      [UNIT_CMD.login]: () => ACCOUNT,
      [UNIT_CMD.account]: () => ACCOUNT,
      [UNIT_CMD.logout]: () => null,
    });
    const d = new TauriUnitData();
    expect(await d.login('unidad07', 'secreto')).toEqual(ACCOUNT);
    expect(await d.account()).toEqual(ACCOUNT);
    await d.logout();
    expect(t.calls).toEqual([
      ['unit_login', { username: 'unidad07', password: 'secreto' }],
      ['unit_account', {}],
      ['unit_logout', {}],
    ]);
  });

  it('lists assignments and reports each step with its outcome, by the constant names in camelCase', async () => {
    const t = fakeTauri({
      [UNIT_CMD.assignments]: () => [{ id: ID, status: 'dispatched' }],
      [UNIT_CMD.transition]: (a) => ({ id: a.alertId, status: a.to }),
    });
    const d = new TauriUnitData();
    expect(await d.assignments()).toEqual([{ id: ID, status: 'dispatched' }]);
    await d.transition(ID, { to: 'en_route' });
    await d.transition(ID, { to: 'on_scene' });
    await d.transition(ID, { to: 'resolved', outcome: 'no_contact' });
    expect(t.calls).toEqual([
      ['unit_assignments', {}],
      ['unit_transition', { alertId: ID, to: 'en_route' }],
      ['unit_transition', { alertId: ID, to: 'on_scene' }],
      ['unit_transition', { alertId: ID, to: 'resolved', outcome: 'no_contact' }],
    ]);
  });

  it('goes on and off duty through the shell and says whether the line is followed', async () => {
    let duty = { on_duty: false, live: false };
    const t = fakeTauri({
      ...eventBridge,
      [UNIT_CMD.duty]: () => duty,
      [UNIT_CMD.startDuty]: () => {
        duty = { on_duty: true, live: false };
        return VIEW;
      },
      [UNIT_CMD.stopDuty]: () => {
        duty = { on_duty: false, live: false };
        return { ...VIEW, available: false };
      },
    });
    const d = new TauriUnitData();
    const states: UnitConn[] = [];
    const stop = d.watch({ onChange: () => undefined, onUnit: () => undefined, onState: (s) => states.push(s), onSessionEnded: () => undefined });
    expect(await d.restoreDuty()).toBe(false);
    expect(d.reportsPositions).toBe(false);
    await d.setDuty(true);
    expect(await d.self()).toEqual(VIEW);
    await d.setDuty(false);
    expect((await d.self())?.available).toBe(false);
    expect(states).toEqual(['off', 'connecting', 'off']);
    expect(t.calls.map(([c]) => c).filter((c) => !c.startsWith('plugin:'))).toEqual(['unit_duty', 'start_duty', 'unit_duty', 'stop_duty', 'unit_duty']);
    stop();
  });

  it('turns the shell events into refreshes, the unit view, the line state and the end of the session', async () => {
    const t = fakeTauri(eventBridge);
    const d = new TauriUnitData();
    const got: string[] = [];
    const stop = d.watch({
      onChange: () => got.push('change'),
      onUnit: (u) => got.push(`unit:${u.call_sign}`),
      onState: (s) => got.push(`state:${s}`),
      onSessionEnded: () => got.push('ended'),
    });
    await tick();
    t.emit(UNIT_EVT.assignment, { id: ID, status: 'dispatched' });
    t.emit(UNIT_EVT.stream, { live: true });
    t.emit(UNIT_EVT.alertChanged, { alert_id: ID, status: 'resolved' });
    t.emit(UNIT_EVT.view, VIEW);
    t.emit(UNIT_EVT.stream, { live: false });
    t.emit('auxilio://core-event', { type: 'queued' });
    t.emit(UNIT_EVT.sessionEnded, null);
    expect(got).toEqual(['change', 'state:live', 'change', 'unit:Serenazgo 07', 'state:reconnecting', 'ended']);
    expect(await d.self()).toEqual(VIEW);
    const listened = t.calls.filter(([c]) => c === 'plugin:event|listen').length;
    expect(listened).toBe(5);
    stop();
    await tick();
    expect(t.unregistered).toHaveLength(5);
  });

  it('tells the shell when the network is back, only while watching', async () => {
    const handlers = new Map<string, () => void>();
    const g = globalThis as any;
    g.addEventListener = (name: string, f: () => void) => handlers.set(name, f);
    g.removeEventListener = (name: string, f: () => void) => handlers.get(name) === f && handlers.delete(name);
    try {
      const t = fakeTauri({ ...eventBridge, [UNIT_CMD.connectivityRestored]: () => null });
      const d = new TauriUnitData();
      const stop = d.watch({ onChange: () => undefined, onUnit: () => undefined, onState: () => undefined, onSessionEnded: () => undefined });
      handlers.get('online')?.();
      await tick();
      expect(t.calls.filter(([c]) => c === 'connectivity_restored')).toHaveLength(1);
      stop();
      expect(handlers.has('online')).toBe(false);
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });

  it('passes tagged errors through and wraps anything else', async () => {
    fakeTauri({
      [UNIT_CMD.login]: () => {
        throw { kind: 'unauthorized', message: 'wrong username or password' };
      },
      [UNIT_CMD.transition]: () => {
        throw 'a plain string';
      },
      [UNIT_CMD.account]: () => {
        throw { kind: 'storage', message: 'x' };
      },
    });
    const d = new TauriUnitData();
    await expect(d.login('a', 'b')).rejects.toEqual({ kind: 'unauthorized', message: 'wrong username or password' });
    await expect(d.transition(ID, { to: 'on_scene' })).rejects.toMatchObject({ kind: 'internal' });
    expect(await d.account()).toBeNull();
  });
});
