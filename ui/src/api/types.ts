// Wire shapes of protocol v2, mirrored from protocol/src/types.rs.
// Field names are snake_case; times are UTC ms since the epoch; distances metres.
// Version 2: an alert may carry no fix (an SOS is never refused for having no
// position), and a position update may be the alert's refined position.

export const PROTOCOL_VERSION = 2;

export type AlertId = string;
export type DeviceId = string;

export const ALERT_KINDS = [
  'sos',
  'asalto',
  'extorsion',
  'violencia',
  'emergencia_medica',
  'incendio',
  'accidente',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const FIX_SOURCES = ['gps', 'network', 'fused', 'last_known', 'registered_place'] as const;
export type FixSource = (typeof FIX_SOURCES)[number];

export interface Fix {
  lat: number;
  lon: number;
  /** 68 % radius, metres, always > 0. */
  accuracy_m: number;
  altitude_m?: number;
  speed_mps?: number;
  heading_deg?: number;
  fixed_at_ms: number;
  source: FixSource;
}

export const REPORTER_ROLES = [
  'mototaxi_driver',
  'bus_driver',
  'market_vendor',
  'programme_coordinator',
  'neighbourhood_watch',
  'resident',
  'other',
] as const;
export type ReporterRole = (typeof REPORTER_ROLES)[number];

export interface Place {
  name: string;
  lat: number;
  lon: number;
  radius_m: number;
}

export interface Reporter {
  display_name: string;
  phone: string;
  role: ReporterRole;
  organization?: string;
  plate?: string;
  place?: string;
}

export interface Alert {
  v: number;
  id: AlertId;
  device_id: DeviceId;
  kind: AlertKind;
  created_at_ms: number;
  /** The best position known at the tap; absent when none was known (v2). */
  fix?: Fix;
  reporter: Reporter;
  battery_pct?: number;
  silent: boolean;
  note?: string;
  app_version: string;
}

export const ALERT_STATUSES = [
  'new',
  'acknowledged',
  'dispatched',
  'en_route',
  'on_scene',
  'resolved',
  'cancelled',
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export function isTerminal(s: AlertStatus): boolean {
  return s === 'resolved' || s === 'cancelled';
}

export const OUTCOMES = ['attended', 'false_alarm', 'no_contact', 'transferred_pnp'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One tracked position of an alert (`POST /api/v1/positions` carries a batch). */
export interface PositionUpdate {
  alert_id: AlertId;
  seq: number;
  fix: Fix;
  /** v2: the alert's refined position, the first good (or best) fix after the tap. */
  refines?: boolean;
}

export interface PositionBatch {
  v: number;
  device_id: DeviceId;
  updates: PositionUpdate[];
}

/** What the person who asked for help is shown. */
export interface AlertView {
  id: AlertId;
  status: AlertStatus;
  received_at_ms: number;
  updated_at_ms: number;
  outcome?: Outcome;
  unit_distance_m?: number;
  unit_name?: string;
}

export interface Profile {
  display_name: string;
  dni?: string;
  phone: string;
  role: ReporterRole;
  plate?: string;
  place?: Place;
}

export interface EnrollResponse {
  device_id: DeviceId;
  organization: string | null;
  place?: Place;
  sms_number?: string;
}

/** Every server error: `{ kind, message }`. */
export interface ApiErrorBody {
  kind: string;
  message: string;
}
