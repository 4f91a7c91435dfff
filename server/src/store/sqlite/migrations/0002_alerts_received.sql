-- Alerts are listed and ranged by the server's receive time: the phone's
-- created_at_ms may come from a wrong clock (2000, 1970, days ahead).
CREATE INDEX alerts_received ON alerts(received_at_ms);
