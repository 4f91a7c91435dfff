//! The demo fleet: phones of mototaxi and bus drivers, vendors and
//! comedor coordinators moving through El Porvenir raise alerts through
//! their own cores; each alert reaches the server once, and the moving ones
//! are followed by positions inside the district.

use std::time::Duration;

use auxilio_e2e::TestServer;
use auxilio_protocol::ReporterRole;
use auxilio_sim::fleet::{run, FleetConfig};
use auxilio_sim::geo::{LAT_MAX, LAT_MIN, LON_MAX, LON_MIN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_small_fleet_raises_alerts_that_each_arrive_once() {
    let data = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = FleetConfig::new(rx.url(), 6, 150.0, Duration::from_secs(6));
    config.code = Some(rx.enroll_code());
    config.data_dir = Some(data.path().to_path_buf());
    config.seed = 42;
    config.tracking_interval = Duration::from_millis(500);
    config.fix_interval = Duration::from_millis(200);
    config.cancel_probability = 0.0;
    config.tuning.backoff_initial_ms = 50;
    config.tuning.backoff_cap_ms = 500;
    config.tuning.fix_deadline_ms = 1000;
    config.drain_grace = Duration::from_secs(10);

    let report = run(config).await.unwrap();

    assert_eq!(report.devices, 6);
    assert_eq!(report.enrolled, 6);
    assert_eq!(rx.enrollments(), 6);
    assert!(report.alerts_raised >= 3, "{report}");
    assert_eq!(report.raise_failures, 0, "{report}");
    assert_eq!(report.alerts_received, report.alerts_raised, "{report}");
    assert_eq!(report.wedged, 0);

    let alerts = rx.committed_alerts();
    assert_eq!(alerts.len(), report.alerts_raised);
    let mut moving_tracks = 0;
    for id in &alerts {
        assert_eq!(rx.committed_count(*id), 1);
        let alert = rx.alert(*id).unwrap();
        assert!(alert.reporter.display_name.ends_with("(demo)"));
        let inside = |lat: f64, lon: f64| {
            (LAT_MIN..=LAT_MAX).contains(&lat) && (LON_MIN..=LON_MAX).contains(&lon)
        };
        assert!(inside(
            alert.fix.as_ref().unwrap().lat,
            alert.fix.as_ref().unwrap().lon
        ));
        let track = rx.positions(*id);
        assert!(track.iter().all(|p| inside(p.fix.lat, p.fix.lon)));
        let driver = matches!(
            alert.reporter.role,
            ReporterRole::MototaxiDriver | ReporterRole::BusDriver
        );
        if driver && track.len() >= 2 {
            let first = &track[0].fix;
            if track
                .iter()
                .any(|p| p.fix.lat != first.lat || p.fix.lon != first.lon)
            {
                moving_tracks += 1;
            }
        }
    }
    assert!(rx.position_count() > 0, "tracking sent positions");
    assert!(moving_tracks > 0, "drivers' positions move");
    assert_eq!(rx.order_violations(), Vec::<String>::new());
}
