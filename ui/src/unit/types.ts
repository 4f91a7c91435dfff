// What the patrol unit's screens see of its data layer, whichever
// implementation (web.ts, tauri.ts) data.ts picked.

import type { Account, AlertSummary, UnitView } from '../api/console-types';
import type { AlertId, Outcome } from '../api/types';

/** An alert assigned to this unit: what the screen shows of it. */
export type UnitAlert = Pick<
  AlertSummary,
  'id' | 'kind' | 'status' | 'silent' | 'created_at_ms' | 'received_at_ms' | 'updated_at_ms' | 'last' | 'reporter'
> &
  Partial<Pick<AlertSummary, 'outcome' | 'unit_id' | 'fix'>>;

/** What a unit reports about its assignment. */
export type UnitStep = { to: 'en_route' } | { to: 'on_scene' } | { to: 'resolved'; outcome: Outcome };

/** The live line: `off` when nothing is followed (the app off duty). */
export type UnitConn = 'connecting' | 'live' | 'reconnecting' | 'off';

/** Why something failed; `unauthorized` at login is a wrong user or password. */
export interface UnitError {
  kind: 'unauthorized' | 'not_logged_in' | 'invalid' | 'network' | 'server' | 'internal' | (string & {});
  message: string;
}

export function isUnitError(e: unknown): e is UnitError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

export interface UnitWatch {
  /** This unit's alerts may have changed: read them again. */
  onChange(): void;
  /** This unit as the server has it now (position, availability). */
  onUnit(u: UnitView): void;
  onState(s: UnitConn): void;
  /** The server no longer accepts the session: back to the login. */
  onSessionEnded(): void;
}

export interface UnitData {
  readonly platform: 'tauri' | 'web';
  /** The browser page measures and reports positions itself; in the app the shell does. */
  readonly reportsPositions: boolean;
  /** The logged-in account (the saved login after a restart), or null. */
  account(): Promise<Account | null>;
  login(username: string, password: string): Promise<Account>;
  logout(): Promise<void>;
  /** The duty state at page start (the browser re-reports what it remembered). */
  restoreDuty(): Promise<boolean>;
  setDuty(on: boolean): Promise<void>;
  /** A position measured by the page (browser only). */
  report(lat: number, lon: number): Promise<void>;
  /** This unit's open assignments. */
  assignments(): Promise<UnitAlert[]>;
  /** This unit as the server has it, when known. */
  self(): Promise<UnitView | null>;
  transition(id: AlertId, step: UnitStep): Promise<void>;
  /** Follows changes until the returned function is called. */
  watch(w: UnitWatch): () => void;
}
