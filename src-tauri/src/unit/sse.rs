//! A minimal `text/event-stream` reader: bytes in, complete events out.
//! Only what the server's stream sends is kept (`id:`, `event:`, `data:`);
//! comments (the keep-alives) and unknown fields are skipped. Lines end in
//! `\n` or `\r\n`; a chunk may end anywhere, even inside a UTF-8 character.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` of this event, if it had one (not carried over from an
    /// earlier event: the server gives every event its own).
    pub id: Option<String>,
    /// The `event:` name (`message` when absent, as in browsers).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Longest line kept; a longer one (a broken or hostile peer) is an error.
pub const MAX_LINE: usize = 1 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SseError {
    #[error("an event-stream line is longer than {MAX_LINE} bytes")]
    LineTooLong,
}

#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser::default()
    }

    /// Feeds a chunk; returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(nl) = self.buf[start..].iter().position(|b| *b == b'\n') {
            let end = start + nl;
            let mut line = &self.buf[start..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            let line = String::from_utf8_lossy(line).into_owned();
            start = end + 1;
            if let Some(ev) = self.line(&line) {
                out.push(ev);
            }
        }
        self.buf.drain(..start);
        if self.buf.len() > MAX_LINE {
            self.buf.clear();
            return Err(SseError::LineTooLong);
        }
        Ok(out)
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            // A blank line ends the event; one without data is dropped whole.
            let (id, event, data) = (self.id.take(), self.event.take(), self.data.take());
            return data.map(|data| SseEvent {
                id,
                event: event.unwrap_or_else(|| "message".into()),
                data,
            });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_across_chunks_and_keep_alives_are_skipped() {
        let mut p = SseParser::new();
        let stream = ": keep-alive\n\nid: 7\nevent: status\ndata: {\"a\":1}\n\nid: 8\r\nevent: unit\r\ndata: x\r\ndata: y\r\n\r\n";
        let mut got = Vec::new();
        // One byte at a time: every split point is exercised.
        for b in stream.as_bytes() {
            got.extend(p.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(
            got,
            vec![
                SseEvent {
                    id: Some("7".into()),
                    event: "status".into(),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    id: Some("8".into()),
                    event: "unit".into(),
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_and_a_partial_one_waits() {
        let mut p = SseParser::new();
        assert!(p.push(b"id: 3\nevent: status\n\n").unwrap().is_empty());
        assert!(p.push(b"event: alert\ndata: {}").unwrap().is_empty());
        let got = p.push(b"\n\n").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event, "alert");
        assert_eq!(got[0].id, None, "an id does not leak into the next event");
    }

    #[test]
    fn a_line_without_an_end_cannot_grow_forever() {
        let mut p = SseParser::new();
        let big = vec![b'a'; MAX_LINE + 1];
        assert_eq!(p.push(&big), Err(SseError::LineTooLong));
    }
}
