-- Version 2: remember the SMS fallback of each alert across restarts, and
-- find an alert's rows and the undelivered rows without scanning the outbox.
ALTER TABLE alerts ADD COLUMN sms_state TEXT NOT NULL DEFAULT 'none';
CREATE INDEX outbox_by_alert ON outbox(alert_id, endpoint, item);
CREATE INDEX outbox_by_row_state ON outbox(state);
