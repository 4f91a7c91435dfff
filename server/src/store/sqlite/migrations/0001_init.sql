-- Auxilio server schema, version 1.
-- Times are UTC milliseconds since the Unix epoch; distances are metres.

CREATE TABLE organizations (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('transport_firm', 'mototaxi_association', 'market',
                      'comedor_popular', 'vaso_de_leche', 'olla_comun', 'junta_vecinal', 'other')),
    place_name    TEXT,
    place_lat     REAL,
    place_lon     REAL,
    place_radius_m REAL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE enrollment_codes (
    code          TEXT PRIMARY KEY,
    organization_id INTEGER REFERENCES organizations(id),
    max_uses      INTEGER,              -- NULL: unlimited
    uses          INTEGER NOT NULL DEFAULT 0,
    expires_at_ms INTEGER,              -- NULL: never
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,     -- UUID made on the phone
    public_key    BLOB NOT NULL,        -- 32-byte Ed25519 key
    profile_json  TEXT NOT NULL,        -- protocol::Profile, incl. DNI
    organization_id INTEGER REFERENCES organizations(id),
    enrolled_with TEXT NOT NULL,
    enrolled_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);

CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    call_sign     TEXT NOT NULL UNIQUE,
    agency        TEXT NOT NULL CHECK (agency IN ('serenazgo', 'pnp')),
    lat           REAL,
    lon           REAL,
    position_at_ms INTEGER,
    available     INTEGER NOT NULL DEFAULT 1,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,     -- the phone's UUIDv7: the idempotency key
    device_id     TEXT NOT NULL REFERENCES devices(id),
    raw           BLOB NOT NULL,        -- the exact signed bytes
    kind          TEXT NOT NULL,
    silent        INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    status        TEXT NOT NULL,
    outcome       TEXT,
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    accuracy_m    REAL NOT NULL,
    fix_source    TEXT NOT NULL,
    fixed_at_ms   INTEGER NOT NULL,
    fix_json      TEXT NOT NULL,        -- protocol::Fix as raised
    last_lat      REAL NOT NULL,
    last_lon      REAL NOT NULL,
    last_accuracy_m REAL NOT NULL,
    last_fixed_at_ms INTEGER NOT NULL,
    reporter_json TEXT NOT NULL,
    note          TEXT,
    battery_pct   INTEGER,
    unit_id       INTEGER REFERENCES units(id),
    acknowledged_at_ms INTEGER,
    resolved_at_ms INTEGER,
    cancel_reason TEXT
);
CREATE INDEX alerts_status ON alerts(status);
CREATE INDEX alerts_created ON alerts(created_at_ms);
CREATE INDEX alerts_device ON alerts(device_id);

CREATE TABLE positions (
    alert_id      TEXT NOT NULL REFERENCES alerts(id),
    seq           INTEGER NOT NULL,
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    accuracy_m    REAL NOT NULL,
    fixed_at_ms   INTEGER NOT NULL,
    fix_json      TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (alert_id, seq)
) WITHOUT ROWID;

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'unit', 'supervisor', 'admin', 'pnp')),
    password_hash TEXT NOT NULL,        -- argon2id PHC string
    unit_id       INTEGER REFERENCES units(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY,     -- SHA-256 of the bearer token
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);

-- Append-only: who did what to which alert, when, from which status to which.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms         INTEGER NOT NULL,
    actor         TEXT NOT NULL,        -- 'account:<id>', 'device:<id>', 'system'
    action        TEXT NOT NULL,
    alert_id      TEXT,
    from_status   TEXT,
    to_status     TEXT,
    detail        TEXT
);
CREATE INDEX audit_alert ON audit_log(alert_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Everything the live stream sends, in commit order; the id is the SSE id.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms         INTEGER NOT NULL,
    kind          TEXT NOT NULL,        -- 'alert', 'position', 'status', 'unit'
    alert_id      TEXT,
    payload       TEXT NOT NULL         -- JSON of the StreamPayload variant named by kind
);
