// The installed app's unit data: Tauri IPC to the shell's unit client
// (src-tauri/src/unit, src-tauri/README.md). The shell keeps the login
// across restarts, follows the live stream while on duty, reports the
// position and raises a notification per assignment; this page shows it.
// `@tauri-apps/api` is imported lazily (only inside the app).

import type { Account, UnitView } from '../api/console-types';
import type { AlertId } from '../api/types';
import type { UnitAlert, UnitConn, UnitData, UnitError, UnitStep, UnitWatch } from './types';
import { isUnitError } from './types';
import { tauri } from '../api/tauri-ipc';

/** The shell's command names (src-tauri/src/command_names.rs). */
export const UNIT_CMD = {
  login: 'unit_login',
  account: 'unit_account',
  logout: 'unit_logout',
  startDuty: 'start_duty',
  stopDuty: 'stop_duty',
  duty: 'unit_duty',
  report: 'unit_report',
  assignments: 'unit_assignments',
  transition: 'unit_transition',
  connectivityRestored: 'connectivity_restored',
} as const;

/** The shell's event names (src-tauri/src/events.rs). */
export const UNIT_EVT = {
  assignment: 'auxilio://unit-assignment',
  alertChanged: 'auxilio://unit-alert-changed',
  view: 'auxilio://unit-view',
  stream: 'auxilio://unit-stream',
  sessionEnded: 'auxilio://unit-session-ended',
} as const;

function asUnitError(e: unknown): UnitError {
  return isUnitError(e) ? e : { kind: 'internal', message: 'unexpected error from the app' };
}

export class TauriUnitData implements UnitData {
  readonly platform = 'tauri' as const;
  readonly reportsPositions = false;
  private api = tauri();
  private view: UnitView | null = null;
  private state: ((s: UnitConn) => void) | null = null;

  private async call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    const { invoke } = await this.api;
    try {
      return await invoke<T>(cmd, args);
    } catch (e) {
      throw asUnitError(e);
    }
  }

  account(): Promise<Account | null> {
    return this.call<Account | null>(UNIT_CMD.account).catch(() => null);
  }
  login(username: string, password: string): Promise<Account> {
    return this.call(UNIT_CMD.login, { username, password });
  }
  async logout(): Promise<void> {
    await this.call(UNIT_CMD.logout).catch(() => undefined);
    this.view = null;
  }
  /** The shell's own duty state: a reload of the page changes nothing. */
  async restoreDuty(): Promise<boolean> {
    const d = await this.call<{ on_duty: boolean; live: boolean }>(UNIT_CMD.duty);
    this.state?.(d.live ? 'live' : d.on_duty ? 'connecting' : 'off');
    return d.on_duty;
  }
  async setDuty(on: boolean): Promise<void> {
    this.view = await this.call<UnitView>(on ? UNIT_CMD.startDuty : UNIT_CMD.stopDuty);
    // The stream may be live already when start_duty answers: ask (the
    // duty change itself is done; the stream events keep the badge right).
    await this.restoreDuty().catch(() => undefined);
  }
  async report(lat: number, lon: number): Promise<void> {
    this.view = await this.call<UnitView>(UNIT_CMD.report, { lat, lon });
  }
  assignments(): Promise<UnitAlert[]> {
    return this.call(UNIT_CMD.assignments);
  }
  /** Known from the last duty answer or stream event (asking would be a report). */
  async self(): Promise<UnitView | null> {
    return this.view;
  }
  async transition(id: AlertId, step: UnitStep): Promise<void> {
    await this.call(UNIT_CMD.transition, { alertId: id, ...step });
  }
  watch(w: UnitWatch): () => void {
    this.state = (s) => w.onState(s);
    const offs: (() => void)[] = [];
    let stopped = false;
    const on = <T>(event: string, f: (p: T) => void) =>
      void this.api.then(({ listen }) =>
        listen<T>(event, (e) => f(e.payload)).then((u) => (stopped ? u() : offs.push(u))),
      );
    on(UNIT_EVT.assignment, () => w.onChange());
    on(UNIT_EVT.alertChanged, () => w.onChange());
    on<UnitView>(UNIT_EVT.view, (u) => {
      this.view = u;
      w.onUnit(u);
    });
    on<{ live: boolean }>(UNIT_EVT.stream, (p) => w.onState(p.live ? 'live' : 'reconnecting'));
    on(UNIT_EVT.sessionEnded, () => w.onSessionEnded());
    // The network is back: the shell reconnects its stream now, not after its backoff.
    const online = () => void this.call(UNIT_CMD.connectivityRestored).catch(() => undefined);
    globalThis.addEventListener?.('online', online);
    return () => {
      stopped = true;
      globalThis.removeEventListener?.('online', online);
      this.state = null;
      for (const u of offs.splice(0)) u();
    };
  }
}
