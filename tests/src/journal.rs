//! What crossed the wire between the phones and the real server, as the
//! fault layer saw it: every phone request and every answer it got. What
//! the server *stored* is read from the server itself ([`crate::ledger`]).

use std::collections::HashMap;
use std::time::Instant;

use auxilio_protocol::AlertId;

use crate::fault::Route;

/// One answer the server gave to a phone request (faulted ones included: a
/// dropped connection is not an answer and is not recorded).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub route: Route,
    /// The alerts the request was about.
    pub alerts: Vec<AlertId>,
    pub status: u16,
    /// The `kind` of a `{kind, message}` error body.
    pub error_kind: Option<String>,
    /// The answer came from the real server (not made up by a fault).
    pub from_server: bool,
}

#[derive(Default)]
pub(crate) struct Journal {
    pub arrivals: HashMap<Route, Vec<Instant>>,
    /// Requests about each alert per route (retries included).
    pub posts: HashMap<(Route, AlertId), u32>,
    pub answers: Vec<Answer>,
    /// `duplicates` of every batch receipt the server gave.
    pub duplicate_positions: u64,
    /// Updates in every position batch that reached the server.
    pub batch_sizes: Vec<usize>,
}

impl Journal {
    pub(crate) fn arrived(&mut self, route: Route, alerts: &[AlertId], batch: Option<usize>) {
        self.arrivals.entry(route).or_default().push(Instant::now());
        for id in alerts {
            *self.posts.entry((route, *id)).or_default() += 1;
        }
        if let Some(n) = batch {
            self.batch_sizes.push(n);
        }
    }

    pub(crate) fn answered(&mut self, answer: Answer, body: &[u8]) {
        if answer.route == Route::Positions && answer.status == 200 {
            if let Ok(receipt) = serde_json::from_slice::<auxilio_protocol::BatchReceipt>(body) {
                self.duplicate_positions += u64::from(receipt.duplicates);
            }
        }
        self.answers.push(answer);
    }

    pub(crate) fn requests(&self, route: Route) -> usize {
        self.arrivals.get(&route).map_or(0, Vec::len)
    }

    /// Positions or cancels the server refused because their alert was not
    /// stored yet: a phone that broke the delivery order.
    pub(crate) fn order_violations(&self) -> Vec<String> {
        self.answers
            .iter()
            .filter(|a| {
                a.from_server
                    && matches!(a.route, Route::Positions | Route::Cancel)
                    && a.status == 404
            })
            .map(|a| format!("{:?} before its alert", a.route))
            .collect()
    }
}
