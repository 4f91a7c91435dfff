//! Tap → durable: `Core::raise_sos` measured to its return, which comes only
//! after the SQLite commit (WAL, synchronous=FULL) is on disk. An SOS never
//! waits for a position, so it is measured with each position it can carry:
//! a good fresh fix, the last known fix (ten minutes old), the registered
//! place, and no position at all.
//!
//! First the disk's own fsync latency is probed (context for the tail), then
//! a plain loop of 2,000 SOS per case prints p50 / p90 / p99 / max (the
//! issue's numbers); then criterion measures the fresh-fix call.
//!
//! `cargo bench -p auxilio-core --bench enqueue`
//! (`-- --percentiles-only` skips the criterion part.)

use std::time::{Duration, Instant};

use auxilio_core::protocol::{Place, ReporterRole};
use auxilio_core::{AlertKind, Core, CoreConfig, Fix, FixSource, Profile, SosRequest};
use criterion::Criterion;

const SAMPLES: usize = 2_000;
const WARMUP: usize = 600;

fn profile() -> Profile {
    Profile {
        display_name: "Bench Phone".into(),
        dni: None,
        phone: "+51 944 000 000".into(),
        role: ReporterRole::MototaxiDriver,
        plate: None,
        place: None,
    }
}

fn fresh_fix() -> Fix {
    Fix {
        lat: -8.0712,
        lon: -79.0105,
        accuracy_m: 8.0,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: auxilio_core::protocol::now_ms(),
        source: FixSource::Gps,
    }
}

/// What the phone knows at the tap.
#[derive(Clone, Copy, Debug)]
enum AtTap {
    FreshFix,
    LastKnown,
    RegisteredPlace,
    Nothing,
}

impl AtTap {
    const ALL: [AtTap; 4] = [
        AtTap::FreshFix,
        AtTap::LastKnown,
        AtTap::RegisteredPlace,
        AtTap::Nothing,
    ];

    fn label(self) -> &'static str {
        match self {
            AtTap::FreshFix => "fresh fix",
            AtTap::LastKnown => "last known fix",
            AtTap::RegisteredPlace => "registered place",
            AtTap::Nothing => "no position",
        }
    }

    /// Feeds what this case knows (again every 100 SOS for the fresh fix).
    fn feed(self, core: &Core) {
        let fix = match self {
            AtTap::FreshFix => fresh_fix(),
            AtTap::LastKnown => Fix {
                fixed_at_ms: auxilio_core::protocol::now_ms() - 10 * 60_000,
                ..fresh_fix()
            },
            AtTap::RegisteredPlace | AtTap::Nothing => return,
        };
        core.feed_fix(fix).expect("fix");
    }

    fn place(self) -> Option<Place> {
        matches!(self, AtTap::RegisteredPlace).then(|| Place {
            name: "Mercado La Hermelinda".into(),
            lat: -8.0801,
            lon: -79.0202,
            radius_m: 80.0,
        })
    }
}

fn request() -> SosRequest {
    SosRequest {
        kind: AlertKind::Asalto,
        silent: false,
        note: None,
        battery_pct: Some(60),
    }
}

/// A core on a real disk directory (not tmpfs), never enrolled so delivery
/// stays idle, with follow-up timers far away so only the enqueue is measured.
async fn open(dir: &std::path::Path, place: Option<Place>) -> Core {
    let server = url::Url::parse("http://127.0.0.1:9/").expect("static URL");
    let mut config = CoreConfig::new(dir, server);
    config.tracking_interval = Duration::from_secs(3_600);
    config.sms_fallback_after = Duration::from_secs(3_600);
    config.status_poll_interval = Duration::from_secs(3_600);
    // The refinement window starts after the commit and is no part of tap →
    // durable; 2,000 windows open at once (one phone raises one SOS at a
    // time) would measure the bench, each fed fix waking all of them.
    config.fix_deadline = Duration::ZERO;
    let core = Core::open(config).await.expect("open");
    core.set_profile(Profile { place, ..profile() })
        .expect("profile");
    core
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn percentiles(rt: &tokio::runtime::Runtime, at_tap: AtTap) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    rt.block_on(async {
        let core = open(dir.path(), at_tap.place()).await;
        let mut samples = Vec::with_capacity(SAMPLES);
        for i in 0..WARMUP + SAMPLES {
            if i % 100 == 0 {
                at_tap.feed(&core);
            }
            let start = Instant::now();
            core.raise_sos(request()).await.expect("raise_sos");
            let took = start.elapsed();
            if i >= WARMUP {
                samples.push(took);
            }
        }
        assert_eq!(core.pending().expect("pending").len(), WARMUP + SAMPLES);
        let newest = core.alerts().expect("alerts").remove(0);
        let carried = newest.fix.map(|f| f.source);
        let expected = match at_tap {
            AtTap::FreshFix => Some(FixSource::Gps),
            AtTap::LastKnown => Some(FixSource::LastKnown),
            AtTap::RegisteredPlace => Some(FixSource::RegisteredPlace),
            AtTap::Nothing => None,
        };
        assert_eq!(carried, expected, "{}", at_tap.label());
        core.shutdown().await;
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "raise_sos durable enqueue, {}, {SAMPLES} samples: p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
            at_tap.label(),
            ms(percentile(&samples, 50.0)),
            ms(percentile(&samples, 90.0)),
            ms(percentile(&samples, 99.0)),
            ms(samples[samples.len() - 1]),
        );
    });
}

/// The disk's own fsync latency at the same moment, in the same directory:
/// appending 4 KiB and `sync_data` 500 times. The SOS commit cannot be
/// faster than this; on a shared, loaded machine its tail is the disk's.
fn disk_probe() {
    use std::io::Write;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut file = std::fs::File::create(dir.path().join("probe")).expect("probe file");
    let block = [7u8; 4096];
    let mut samples = Vec::with_capacity(500);
    for _ in 0..500 {
        file.write_all(&block).expect("write");
        let start = Instant::now();
        file.sync_data().expect("sync");
        samples.push(start.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "disk fsync (append 4 KiB + sync_data), 500 samples: p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        ms(percentile(&samples, 50.0)),
        ms(percentile(&samples, 90.0)),
        ms(percentile(&samples, 99.0)),
        ms(samples[samples.len() - 1]),
    );
}

fn criterion_part(rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let core = rt.block_on(open(dir.path(), None));
    let mut c = Criterion::default().configure_from_args().sample_size(50);
    c.bench_function("raise_sos_durable_enqueue", |b| {
        b.to_async(rt).iter(|| async {
            core.feed_fix(fresh_fix()).expect("fix");
            core.raise_sos(request()).await.expect("raise_sos")
        })
    });
    c.final_summary();
    rt.block_on(core.shutdown());
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    disk_probe();
    for at_tap in AtTap::ALL {
        percentiles(&rt, at_tap);
    }
    if !std::env::args().any(|a| a == "--percentiles-only") {
        criterion_part(&rt);
    }
}
