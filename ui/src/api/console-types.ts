// Responder-side shapes (console and patrol unit), mirrored from
// server/src/model.rs (AlertSummary, UnitView, StreamPayload, AlertDetail…).

import type { AlertId, AlertKind, AlertStatus, AlertView, DeviceId, Fix, Outcome, Reporter } from './types';

export type Role = 'operator' | 'unit' | 'supervisor' | 'admin' | 'pnp';

export interface Account {
  id: number;
  username: string;
  role: Role;
  /** The patrol unit this account reports for (role `unit`). */
  unit_id?: number;
}

export interface LastFix {
  lat: number;
  lon: number;
  accuracy_m: number;
  fixed_at_ms: number;
}

/** An alert as a console shows it: the pin, who, what, since when. */
export interface AlertSummary {
  id: AlertId;
  device_id: DeviceId;
  kind: AlertKind;
  status: AlertStatus;
  outcome?: Outcome;
  silent: boolean;
  /** The phone's clock when raised: may be wrong (see `clock_suspect`). */
  created_at_ms: number;
  /** The server's clock when first stored: "since when". */
  received_at_ms: number;
  updated_at_ms: number;
  /** Present (true) when the phone's clock looked wrong at ingest. */
  clock_suspect?: boolean;
  /** The fix the alert was raised with (`source` says how fresh it was). */
  fix: Fix;
  /** The newest known position. */
  last: LastFix;
  reporter: Reporter;
  organization?: string;
  note?: string;
  battery_pct?: number;
  unit_id?: number;
  unit_name?: string;
}

export type Agency = 'serenazgo' | 'pnp';

export interface UnitView {
  id: number;
  call_sign: string;
  agency: Agency;
  lat?: number;
  lon?: number;
  position_at_ms?: number;
  available: boolean;
}

export interface PositionEvent {
  alert_id: AlertId;
  seq: number;
  fix: Fix;
}

export interface StatusEvent {
  alert_id: AlertId;
  view: AlertView;
  /** `account:<id>`, `device` or `system`. */
  actor: string;
}

/** The live stream: SSE `event:` is the type, `data:` the payload. */
export type StreamEvent =
  | { type: 'alert'; data: AlertSummary }
  | { type: 'position'; data: PositionEvent }
  | { type: 'status'; data: StatusEvent }
  | { type: 'unit'; data: UnitView };

export interface AuditEntry {
  at_ms: number;
  actor: string;
  action: string;
  from_status?: string;
  to_status?: string;
  detail?: string;
}

export interface AlertDetail {
  alert: AlertSummary;
  track: PositionEvent[];
  history: AuditEntry[];
}

/** `last_event_id`: pass it as Last-Event-ID to the stream to miss nothing. */
export interface AlertList {
  alerts: AlertSummary[];
  last_event_id: number;
}

export interface NearestUnit {
  unit: UnitView;
  distance_m: number;
}
