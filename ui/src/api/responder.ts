// The responder API (console and patrol unit), as served by server/src/api:
// cookie session from POST /api/v1/login, queries, lifecycle transitions,
// nearest units, unit reports, and the SSE stream.

import { requestJson } from './http';
import { openStream, type SseMessage, type StreamState } from './sse';
import type { Account, AlertDetail, AlertList, NearestUnit, StreamEvent, UnitView } from './console-types';
import type { AlertId, AlertStatus, AlertView, Outcome } from './types';

export const PATH_LOGIN = '/api/v1/login';
export const PATH_LOGOUT = '/api/v1/logout';
export const PATH_ME = '/api/v1/me';
export const PATH_ALERTS = '/api/v1/alerts';
export const PATH_UNITS = '/api/v1/units';
export const PATH_UNIT_ME = '/api/v1/units/me';
export const PATH_STREAM = '/api/v1/stream';
const enc = encodeURIComponent;

export interface LoginResponse {
  token: string;
  account: Account;
  expires_at_ms: number;
}

export const login = (username: string, password: string) =>
  requestJson<LoginResponse>(PATH_LOGIN, { method: 'POST', body: { username, password } });
export const logout = () => requestJson<void>(PATH_LOGOUT, { method: 'POST' });
export const me = () => requestJson<Account>(PATH_ME);
export const openAlerts = () => requestJson<AlertList>(`${PATH_ALERTS}?open=true&limit=1000`);
export const alertDetail = (id: AlertId) => requestJson<AlertDetail>(`${PATH_ALERTS}/${enc(id)}`);
export const nearestUnits = (id: AlertId, limit = 5) =>
  requestJson<NearestUnit[]>(`${PATH_ALERTS}/${enc(id)}/nearest-units?limit=${limit}`);
export const units = () => requestJson<UnitView[]>(PATH_UNITS);

export interface TransitionBody {
  to: Exclude<AlertStatus, 'new' | 'cancelled'>;
  unit_id?: number;
  outcome?: Outcome;
  note?: string;
}
export const transition = (id: AlertId, body: TransitionBody) =>
  requestJson<AlertView>(`${PATH_ALERTS}/${enc(id)}/transition`, { method: 'POST', body });

export interface UnitReport {
  lat?: number;
  lon?: number;
  available?: boolean;
}
export const reportUnit = (r: UnitReport) => requestJson<UnitView>(PATH_UNIT_ME, { method: 'POST', body: r });

const STREAM_EVENTS = new Set(['alert', 'position', 'status', 'unit']);

/** A stream message as a typed event, or null for anything unknown or malformed. */
export function parseStreamMessage(m: SseMessage): StreamEvent | null {
  if (!STREAM_EVENTS.has(m.event)) return null;
  try {
    const data: unknown = JSON.parse(m.data);
    if (typeof data !== 'object' || data === null) return null;
    return { type: m.event, data } as StreamEvent;
  } catch {
    return null;
  }
}

export interface LiveOptions {
  lastEventId: () => string | null;
  onEvent: (e: StreamEvent, id?: string) => void;
  onState: (s: StreamState) => void;
  onReconnect?: () => void;
}

/** The live feed; resumes after the last event seen on every reconnect. */
export function live(o: LiveOptions): () => void {
  return openStream({
    url: PATH_STREAM,
    lastEventId: o.lastEventId,
    onState: o.onState,
    onReconnect: o.onReconnect,
    onMessage: (m) => {
      const e = parseStreamMessage(m);
      if (e) o.onEvent(e, m.id);
    },
  });
}
