-- Protocol version 2: an alert may arrive with no position (the phone knew
-- none at the tap), and a position update may refine the raised one. The
-- raised fix columns and the newest-position columns become nullable (SQLite
-- needs a rebuild to drop NOT NULL), the newest position records its source
-- and the phone's sequence number it came from (`last_seq`: NULL = the raised
-- fix), so "newest" follows the phone's own sequence, never its clock.
CREATE TABLE alerts_new (
    id            TEXT PRIMARY KEY,     -- the phone's UUIDv7: the idempotency key
    device_id     TEXT NOT NULL REFERENCES devices(id),
    raw           BLOB NOT NULL,        -- the exact signed bytes (an SMS-only alert: its SMS)
    kind          TEXT NOT NULL,
    silent        INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    status        TEXT NOT NULL,
    outcome       TEXT,
    -- The fix as raised; all NULL for an alert raised with no position.
    lat           REAL,
    lon           REAL,
    accuracy_m    REAL,
    fix_source    TEXT,
    fixed_at_ms   INTEGER,
    fix_json      TEXT,                 -- protocol::Fix as raised
    -- The newest position by the phone's sequence; all NULL while none is known.
    last_lat      REAL,
    last_lon      REAL,
    last_accuracy_m REAL,
    last_fixed_at_ms INTEGER,
    last_fix_source TEXT,
    last_seq      INTEGER,              -- the position's seq; NULL: the raised fix (or none)
    reporter_json TEXT NOT NULL,
    note          TEXT,
    battery_pct   INTEGER,
    unit_id       INTEGER REFERENCES units(id),
    acknowledged_at_ms INTEGER,
    resolved_at_ms INTEGER,
    cancel_reason TEXT,
    received_via  TEXT NOT NULL DEFAULT 'http' CHECK (received_via IN ('http', 'sms')),
    awaiting_http INTEGER NOT NULL DEFAULT 0,
    CHECK ((lat IS NULL) = (lon IS NULL) AND (lat IS NULL) = (accuracy_m IS NULL)
       AND (lat IS NULL) = (fix_source IS NULL) AND (lat IS NULL) = (fixed_at_ms IS NULL)
       AND (lat IS NULL) = (fix_json IS NULL)),
    CHECK ((last_lat IS NULL) = (last_lon IS NULL) AND (last_lat IS NULL) = (last_accuracy_m IS NULL)
       AND (last_lat IS NULL) = (last_fixed_at_ms IS NULL) AND (last_lat IS NULL) = (last_fix_source IS NULL)),
    CHECK (last_seq IS NULL OR last_lat IS NOT NULL)
);

-- Existing alerts: the newest position becomes the one of the highest
-- sequence number (before, it was the one stamped latest by the phone's clock).
INSERT INTO alerts_new (id, device_id, raw, kind, silent, created_at_ms, received_at_ms, updated_at_ms,
    status, outcome, lat, lon, accuracy_m, fix_source, fixed_at_ms, fix_json,
    last_lat, last_lon, last_accuracy_m, last_fixed_at_ms, last_fix_source, last_seq,
    reporter_json, note, battery_pct, unit_id, acknowledged_at_ms, resolved_at_ms, cancel_reason,
    received_via, awaiting_http)
SELECT a.id, a.device_id, a.raw, a.kind, a.silent, a.created_at_ms, a.received_at_ms, a.updated_at_ms,
    a.status, a.outcome, a.lat, a.lon, a.accuracy_m, a.fix_source, a.fixed_at_ms, a.fix_json,
    coalesce(p.lat, a.lat), coalesce(p.lon, a.lon), coalesce(p.accuracy_m, a.accuracy_m),
    coalesce(p.fixed_at_ms, a.fixed_at_ms),
    CASE WHEN p.seq IS NULL THEN a.fix_source ELSE json_extract(p.fix_json, '$.source') END,
    p.seq,
    a.reporter_json, a.note, a.battery_pct, a.unit_id, a.acknowledged_at_ms, a.resolved_at_ms,
    a.cancel_reason, a.received_via, a.awaiting_http
  FROM alerts a
  LEFT JOIN (SELECT alert_id, max(seq) AS seq FROM positions GROUP BY alert_id) m ON m.alert_id = a.id
  LEFT JOIN positions p ON p.alert_id = m.alert_id AND p.seq = m.seq;

DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_status ON alerts(status);
CREATE INDEX alerts_created ON alerts(created_at_ms);
CREATE INDEX alerts_device ON alerts(device_id);
CREATE INDEX alerts_received ON alerts(received_at_ms);

-- The alert's refined position (protocol v2 `PositionUpdate.refines`).
ALTER TABLE positions ADD COLUMN refines INTEGER NOT NULL DEFAULT 0;
