// The browser unit page's data: the responder API over HTTP with the
// console's cookie session, and the live stream (server/src/api).

import type { Account, UnitView } from '../api/console-types';
import { ApiError } from '../api/http';
import { live, login, logout, me, openAlerts, reportUnit, transition, units } from '../api/responder';
import type { AlertId } from '../api/types';
import type { UnitAlert, UnitData, UnitError, UnitStep, UnitWatch } from './types';

const DUTY_KEY = 'auxilio.unit.duty';

function asUnitError(e: unknown): UnitError {
  if (e instanceof ApiError) {
    if (e.status === 401) return { kind: 'unauthorized', message: e.message };
    if (e.status === 0) return { kind: 'network', message: e.message };
    return { kind: e.status >= 500 ? 'server' : 'invalid', message: e.message };
  }
  return { kind: 'internal', message: String(e) };
}

async function wrap<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw asUnitError(e);
  }
}

export class WebUnitData implements UnitData {
  readonly platform = 'web' as const;
  readonly reportsPositions = true;
  private unitId: number | undefined;

  async account(): Promise<Account | null> {
    try {
      const a = await me();
      this.unitId = a.unit_id;
      return a;
    } catch {
      return null;
    }
  }
  async login(username: string, password: string): Promise<Account> {
    const a = (await wrap(login(username, password))).account;
    this.unitId = a.unit_id;
    return a;
  }
  async logout(): Promise<void> {
    await logout().catch(() => undefined);
  }
  async restoreDuty(): Promise<boolean> {
    const on = localStorage.getItem(DUTY_KEY) === '1';
    void this.setDuty(on);
    return on;
  }
  async setDuty(on: boolean): Promise<void> {
    localStorage.setItem(DUTY_KEY, on ? '1' : '0');
    await reportUnit({ available: on }).catch(() => undefined);
  }
  async report(lat: number, lon: number): Promise<void> {
    await wrap(reportUnit({ lat, lon }));
  }
  async assignments(): Promise<UnitAlert[]> {
    const list = await wrap(openAlerts());
    return list.alerts.filter((a) => a.unit_id === this.unitId);
  }
  async self(): Promise<UnitView | null> {
    const us = await wrap(units());
    return us.find((u) => u.id === this.unitId) ?? null;
  }
  async transition(id: AlertId, step: UnitStep): Promise<void> {
    await wrap(transition(id, step));
  }
  watch(w: UnitWatch): () => void {
    return live({
      lastEventId: () => null,
      onEvent: (e) => {
        if (e.type === 'unit' && e.data.id === this.unitId) w.onUnit(e.data);
        if (e.type === 'status' || e.type === 'alert' || e.type === 'position') w.onChange();
      },
      onState: (s) => (s === 'unauthorized' ? w.onSessionEnded() : w.onState(s)),
      onReconnect: () => w.onChange(),
    });
  }
}
