-- The current schema (version 2), used to create a fresh database.
-- Upgrading a version 1 database with the numbered steps must end identical
-- (see `schema::tests::upgrade_from_v1_equals_fresh`).
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- One row per SOS raised on this phone: the local view and follow-up state.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY NOT NULL,
    created_at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    silent INTEGER NOT NULL,
    note TEXT,
    fix_json TEXT NOT NULL,
    -- The exact alert JSON that was signed and queued.
    body BLOB NOT NULL,
    sent_at_ms INTEGER,
    received_at_ms INTEGER,
    status TEXT,
    view_json TEXT,
    -- Bit set of the server statuses already announced as events.
    status_seen INTEGER NOT NULL DEFAULT 0,
    cancel_requested_at_ms INTEGER,
    next_seq INTEGER NOT NULL DEFAULT 0,
    last_tracked_fix_ms INTEGER NOT NULL,
    sms_state TEXT NOT NULL DEFAULT 'none'
);
CREATE INDEX alerts_created ON alerts(created_at_ms);

-- One row per message and endpoint. Alerts and cancels keep their exact
-- signed bytes; positions keep their exact update JSON and are signed as a
-- batch (deterministically) when sent.
CREATE TABLE outbox (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    item TEXT NOT NULL CHECK (item IN ('alert', 'position', 'cancel')),
    seq INTEGER,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body BLOB NOT NULL,
    signature TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'delivered', 'wedged')),
    attempts INTEGER NOT NULL DEFAULT 0,
    wedged_reason TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX outbox_unique_item ON outbox(endpoint, alert_id, item, IFNULL(seq, -1));
CREATE INDEX outbox_by_state ON outbox(endpoint, state, item, row_id);
CREATE INDEX outbox_by_alert ON outbox(alert_id, endpoint, item);
CREATE INDEX outbox_by_row_state ON outbox(state);
