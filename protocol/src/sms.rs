//! The compact SMS form of an alert (one 160-character GSM-7 message).
