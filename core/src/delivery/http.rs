//! One HTTP exchange with an endpoint (reqwest + rustls), and the rule that
//! sorts every failure into transient (retry) or permanent (wedge).

use std::time::Duration;

use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE};
use auxilio_protocol::{ApiError, DeviceId};
use reqwest::header::{CONTENT_TYPE, DATE, RETRY_AFTER};

use super::backoff::{parse_retry_after, reference_now};
use crate::CoreError;

/// How long the reason text of a refusal may be (it is shown to the person).
const MAX_REASON_CHARS: usize = 200;

/// A request to send: the exact bytes and, when signed, the device id and
/// the signature header value.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: Vec<u8>,
    pub signed_by: Option<(DeviceId, String)>,
}

/// A 2xx answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Any answer, with its `Retry-After` already read.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Failure {
    /// Try again later: no connection, timeout, 408, 429, 5xx.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Never going to work as is: any other non-2xx answer.
    Permanent {
        status: u16,
        kind: String,
        reason: String,
    },
}

impl Failure {
    pub(crate) fn into_core_error(self) -> CoreError {
        match self {
            Failure::Transient { reason, .. } => CoreError::Unreachable(reason),
            Failure::Permanent { status, kind, .. } => CoreError::Server { status, kind },
        }
    }
}

#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
}

impl Http {
    pub(crate) fn new(timeout: Duration) -> Result<Http, CoreError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("auxilio-core/", env!("CARGO_PKG_VERSION")))
            // A redirect is not the server taking the message (captive portals
            // redirect); it is classified, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| CoreError::Config("the HTTP client could not be built"))?;
        Ok(Http { client })
    }

    /// Sends one request to `base` + `path`; `Ok` only for a 2xx answer.
    pub(crate) async fn send(&self, base: &url::Url, req: Request<'_>) -> Result<Reply, Failure> {
        let a = self.exchange(base, req).await?;
        classify(a.status, a.retry_after, &a.body)?;
        Ok(Reply {
            status: a.status,
            body: a.body,
        })
    }

    /// Sends one request to `base` + `path`; `Ok` with any answer, `Err`
    /// (transient) only when there was none.
    pub(crate) async fn exchange(
        &self,
        base: &url::Url,
        req: Request<'_>,
    ) -> Result<Answer, Failure> {
        let url = base.join(req.path).map_err(|_| Failure::Transient {
            reason: "the endpoint URL cannot take this path".into(),
            retry_after: None,
        })?;
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| Failure::Permanent {
                status: 0,
                kind: "bad_method".into(),
                reason: "unknown HTTP method".into(),
            })?;
        let mut builder = self.client.request(method, url);
        if !req.body.is_empty() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        if let Some((device, signature)) = req.signed_by {
            builder = builder
                .header(HEADER_DEVICE, device.to_string())
                .header(HEADER_SIGNATURE, signature);
        }
        let resp = builder
            .body(req.body)
            .send()
            .await
            .map_err(transport_failure)?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok())
        };
        let retry_after =
            header(RETRY_AFTER).and_then(|v| parse_retry_after(v, reference_now(header(DATE))));
        let body = resp.bytes().await.map_err(transport_failure)?.to_vec();
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// A failure before any answer: always transient. The text names the kind
/// of failure only (no URL, no body).
fn transport_failure(e: reqwest::Error) -> Failure {
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke during the answer"
    } else {
        "the request failed"
    };
    Failure::Transient {
        reason: reason.into(),
        retry_after: None,
    }
}

/// Sorts an answer: 2xx is `Ok`; 3xx (a captive portal, a proxy), 408, 429
/// and 5xx are transient; every other status is permanent, with the server's
/// `{kind, message}` if any. `retry_after` is the answer's parsed
/// `Retry-After` (see [`parse_retry_after`]).
pub(crate) fn classify(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<(), Failure> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let api: Option<ApiError> = serde_json::from_slice(body).ok();
    if status == 408
        || status == 429
        || (300..400).contains(&status)
        || (500..600).contains(&status)
    {
        return Err(Failure::Transient {
            reason: format!("HTTP {status}"),
            retry_after,
        });
    }
    let (kind, message) = match api {
        Some(e) => (e.kind, e.message),
        None => ("http_error".to_string(), String::new()),
    };
    let mut reason = format!("HTTP {status} {kind}");
    if !message.is_empty() {
        reason.push_str(": ");
        reason.extend(
            message
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_REASON_CHARS),
        );
    }
    Err(Failure::Permanent {
        status,
        kind,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(kind: &str, message: &str) -> Vec<u8> {
        serde_json::to_vec(&ApiError {
            kind: kind.into(),
            message: message.into(),
        })
        .unwrap()
    }

    #[test]
    fn success_statuses_pass() {
        for s in [200, 201, 204] {
            assert_eq!(classify(s, None, b""), Ok(()));
        }
    }

    #[test]
    fn server_errors_timeouts_and_rate_limits_are_transient() {
        for s in [302, 307, 408, 429, 500, 502, 503, 504, 599] {
            assert!(
                matches!(classify(s, None, b"oops"), Err(Failure::Transient { .. })),
                "status {s}"
            );
        }
        assert_eq!(
            classify(503, Some(Duration::from_secs(7)), b""),
            Err(Failure::Transient {
                reason: "HTTP 503".into(),
                retry_after: Some(Duration::from_secs(7))
            })
        );
        assert!(matches!(
            classify(
                429,
                Some(Duration::from_secs(30)),
                &api("rate_limited", "slow down")
            ),
            Err(Failure::Transient { retry_after: Some(d), .. }) if d == Duration::from_secs(30)
        ));
    }

    #[test]
    fn other_client_errors_are_permanent_with_the_servers_reason() {
        for s in [400, 401, 403, 404, 409, 413, 422] {
            assert!(
                matches!(classify(s, None, b""), Err(Failure::Permanent { status, .. }) if status == s)
            );
        }
        match classify(
            400,
            None,
            &api("invalid", "invalid field `fix.lat`: out of range"),
        ) {
            Err(Failure::Permanent {
                status,
                kind,
                reason,
            }) => {
                assert_eq!(status, 400);
                assert_eq!(kind, "invalid");
                assert_eq!(
                    reason,
                    "HTTP 400 invalid: invalid field `fix.lat`: out of range"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_huge_reason_is_cut() {
        let long = "x".repeat(10_000);
        match classify(400, None, &api("invalid", &long)) {
            Err(Failure::Permanent { reason, .. }) => assert!(reason.chars().count() < 260),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_transient() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let http = Http::new(Duration::from_secs(2)).unwrap();
        let base = url::Url::parse(&format!("http://{addr}")).unwrap();
        let req = Request {
            method: "GET",
            path: "/api/v1/alerts",
            body: Vec::new(),
            signed_by: None,
        };
        assert!(matches!(
            http.send(&base, req).await,
            Err(Failure::Transient { .. })
        ));
    }
}
