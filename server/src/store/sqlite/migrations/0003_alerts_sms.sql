-- How an alert first arrived: its signed HTTP request, or its compact signed
-- SMS through the gateway. An SMS-only alert waits for its HTTP copy (the
-- full body: raw signed bytes, note, battery, exact fix) to complete it.
ALTER TABLE alerts ADD COLUMN received_via TEXT NOT NULL DEFAULT 'http'
    CHECK (received_via IN ('http', 'sms'));
ALTER TABLE alerts ADD COLUMN awaiting_http INTEGER NOT NULL DEFAULT 0;
