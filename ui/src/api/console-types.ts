// Responder-side shapes (console and patrol unit), generated: `npm run build`
// turns the server's OpenAPI document (src/api/openapi.json, kept current by
// server/tests/openapi.rs) into src/api/schema.d.ts, and these are its
// schemas. A field renamed in protocol/src/responder.rs breaks `tsc` here.

import type { components } from './schema';

type Schemas = components['schemas'];

/** The server leaves an absent field out; it never sends `null`. */
type Sent<T> = T extends (infer E)[]
  ? Sent<E>[]
  : T extends object
    ? { [K in keyof T]: Sent<Exclude<T[K], null>> }
    : T;

export type Role = Schemas['Role'];
export type Agency = Schemas['Agency'];
export type Account = Sent<Schemas['Account']>;
export type LastFix = Sent<Schemas['LastFix']>;
/** An alert as a console shows it: the pin, who, what, since when. */
export type AlertSummary = Sent<Schemas['AlertSummary']>;
export type UnitView = Sent<Schemas['UnitView']>;
export type PositionEvent = Sent<Schemas['PositionEvent']>;
export type StatusEvent = Sent<Schemas['StatusEvent']>;
/** The live stream: SSE `event:` is the type, `data:` the payload. */
export type StreamEvent = Sent<Schemas['StreamPayload']>;
export type AuditEntry = Sent<Schemas['AuditEntry']>;
export type AlertDetail = Sent<Schemas['AlertDetail']>;
/** `last_event_id`: pass it as Last-Event-ID to the stream to miss nothing. */
export type AlertList = Sent<Schemas['AlertList']>;
export type NearestUnit = Sent<Schemas['NearestUnit']>;
