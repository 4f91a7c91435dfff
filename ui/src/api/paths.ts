// Paths and headers, mirrored from protocol/src/wire.rs (phone API) and
// server/src (responder API).

export const HEADER_DEVICE = 'x-auxilio-device';
export const HEADER_SIGNATURE = 'x-auxilio-signature';

export const PATH_ENROLL = '/api/v1/enroll';
export const PATH_ALERTS = '/api/v1/alerts';
export const PATH_POSITIONS = '/api/v1/positions';
export const cancelPath = (id: string) => `/api/v1/alerts/${encodeURIComponent(id)}/cancel`;
export const statusPath = (id: string) => `/api/v1/alerts/${encodeURIComponent(id)}/status`;
/** `GET` (signed, SSE): the device's own alert, event `status` with an AlertView. */
export const eventsPath = (id: string) => `/api/v1/alerts/${encodeURIComponent(id)}/events`;
