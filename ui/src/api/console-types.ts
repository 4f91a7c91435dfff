// Responder-side shapes (console and patrol unit). The server's responder
// API is being built at the same time; these are aligned with server/src
// as it lands (see ui/README.md, "Server contract").

import type { AlertId, AlertKind, AlertStatus, Fix, Outcome, Reporter } from './types';

/** How the alert came in. */
export type AlertOrigin = 'app' | 'web' | 'sms';

/** One alert as the central sees it. */
export interface ConsoleAlert {
  id: AlertId;
  kind: AlertKind;
  status: AlertStatus;
  silent: boolean;
  created_at_ms: number;
  received_at_ms: number;
  updated_at_ms: number;
  /** The latest fix (first fix, then newer tracked positions). */
  fix: Fix;
  reporter: Reporter;
  origin?: AlertOrigin;
  note?: string;
  battery_pct?: number;
  outcome?: Outcome;
  unit_id?: string;
  unit_name?: string;
  unit_distance_m?: number;
}

export interface TrackPoint {
  seq: number;
  fix: Fix;
}

export interface AuditEntry {
  at_ms: number;
  /** Operator user name, unit call sign, "device" or "system". */
  actor: string;
  action: string;
  detail?: string;
}

export interface AlertDetail {
  alert: ConsoleAlert;
  track: TrackPoint[];
  audit: AuditEntry[];
}

export type UnitAvailability = 'available' | 'busy' | 'off_duty';

export interface Unit {
  id: string;
  name: string;
  availability: UnitAvailability;
  position?: Fix;
  updated_at_ms: number;
  /** The alert the unit is assigned to, if any. */
  alert_id?: AlertId;
}

export interface NearestUnit {
  unit: Unit;
  distance_m: number;
}

export interface Operator {
  username: string;
  role: 'operator' | 'unit' | 'admin';
  /** For unit logins: the unit this session drives. */
  unit_id?: string;
}

/** Events of `GET /api/v1/stream` (SSE `event:` name → `data:` JSON). */
export type StreamEvent =
  | { type: 'alert'; alert: ConsoleAlert }
  | { type: 'position'; alert_id: AlertId; seq: number; fix: Fix }
  | { type: 'unit'; unit: Unit };
