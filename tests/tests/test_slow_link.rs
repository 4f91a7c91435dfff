//! An SOS over a link like 2G/EDGE, in CI: the real simulator raises it
//! through a proxy with 300 ms each way at 50 kbit/s whose first two
//! connections lose the server's answer. The phone tries again, the server
//! stores the alert once, and the exchange that got through stays under
//! 2 KB. (`bench/edge/run.sh` measures the same with real packet loss in
//! network namespaces, which CI cannot create.)
//!
//! The simulator binary is found next to this test binary; run with
//! `cargo test --workspace` (or build `auxilio-sim` first).

use std::time::{Duration, Instant};

use auxilio_e2e::sim::SimChild;
use auxilio_e2e::{LinkShape, SlowLink, TestServer};

const ONE_WAY: Duration = Duration::from_millis(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_over_a_slow_link_that_loses_answers_is_stored_once() {
    let rx = TestServer::up().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_string_lossy().to_string();
    // Enrolled beforehand, straight to the server.
    let enroll = SimChild::spawn(&[
        "deliver",
        "--server",
        rx.url().as_str(),
        "--data",
        &dir,
        "--code",
        &rx.enroll_code(),
    ])
    .unwrap();
    assert_eq!(enroll.wait().await.unwrap(), Some(0));

    let shape = LinkShape {
        one_way: ONE_WAY,
        bytes_per_s: 50_000 / 8,
        lose_answers: 2,
    };
    let link = SlowLink::start(rx.addr(), shape).await.unwrap();
    let started = Instant::now();
    let mut sim = SimChild::spawn(&[
        "raise",
        "--server",
        link.url().as_str(),
        "--data",
        &dir,
        "--kind",
        "asalto",
        "--lat",
        "-8.07",
        "--lon",
        "-79.00",
        "--accuracy",
        "8",
        "--backoff-initial-ms",
        "200",
        "--backoff-cap-ms",
        "1000",
        "--request-timeout-ms",
        "5000",
        "--wait-timeout-s",
        "25",
    ])
    .unwrap();
    let id = sim.expect_id("received").await.unwrap();
    let took = started.elapsed();
    assert_eq!(sim.wait().await.unwrap(), Some(0));

    assert_eq!(rx.committed_count(id), 1, "stored exactly once");
    assert!(rx.alert_posts(id) >= 3, "the lost tries reached the server");
    let conns = link.connections();
    assert!(conns.len() >= 3, "{conns:?}");
    assert!(conns[..2].iter().all(|c| c.lost_answer && c.down == 0));
    let through = conns
        .iter()
        .find(|c| c.down > 0)
        .expect("one connection got its answer");
    assert!(
        through.up + through.down <= 2048,
        "an SOS exchange costs {} + {} bytes",
        through.up,
        through.down
    );
    // Three tries, each at least one way up; the last also one way down.
    assert!(took >= ONE_WAY * 4, "{took:?}");
}
