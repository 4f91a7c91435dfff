//! Fixtures and proptest strategies shared by the protocol tests.
#![allow(dead_code)]

use auxilio_protocol::{
    Alert, AlertKind, Cancel, DeviceKey, EnrollRequest, Fix, FixSource, Place, PositionBatch,
    PositionUpdate, Profile, Reporter, ReporterRole, PROTOCOL_VERSION,
};
use proptest::prelude::*;
use uuid::{Builder, Uuid};

/// "Now" in every test: 2025-06-15T15:06:40Z.
pub const NOW_MS: i64 = 1_750_000_000_000;
/// The spread of times the generators use around [`NOW_MS`] (any time is
/// valid; these keep alerts inside the SMS form's range so they round-trip).
const SKEW_MS: i64 = 24 * 60 * 60 * 1000;
const AGE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// The fixed test key of the worked examples (seed 0, 1, …, 31).
pub fn test_key() -> DeviceKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8;
    }
    DeviceKey::from_bytes(&seed)
}

pub fn v7(ms: i64, tail: u8) -> Uuid {
    Builder::from_unix_timestamp_millis(ms as u64, &[tail; 10]).into_uuid()
}

pub fn v4(n: u8) -> Uuid {
    Builder::from_random_bytes([n; 16]).into_uuid()
}

/// A complete, valid alert from El Porvenir (Trujillo).
pub fn alert() -> Alert {
    Alert {
        v: PROTOCOL_VERSION,
        id: v7(NOW_MS - 2_000, 0x42),
        device_id: v4(0x17),
        kind: AlertKind::Asalto,
        created_at_ms: NOW_MS - 2_000,
        fix: Some(fix()),
        reporter: Reporter {
            display_name: "Rosa Quispe Ñique".into(),
            phone: "+51 987 654 321".into(),
            role: ReporterRole::MototaxiDriver,
            organization: Some("Asociación de Mototaxis El Porvenir".into()),
            plate: Some("M1-2345".into()),
            place: None,
        },
        battery_pct: Some(41),
        silent: false,
        note: Some("Dos sujetos en moto,\nse fueron hacia Alto Trujillo".into()),
        app_version: "0.1.0".into(),
    }
}

pub fn fix() -> Fix {
    Fix {
        lat: -8.07123,
        lon: -79.00456,
        accuracy_m: 12.5,
        altitude_m: Some(80.0),
        speed_mps: Some(3.2),
        heading_deg: Some(271.0),
        fixed_at_ms: NOW_MS - 4_500,
        source: FixSource::Gps,
    }
}

pub fn cancel() -> Cancel {
    Cancel {
        v: PROTOCOL_VERSION,
        alert_id: v7(NOW_MS - 2_000, 0x42),
        device_id: v4(0x17),
        cancelled_at_ms: NOW_MS - 500,
        reason: Some("falsa alarma".into()),
    }
}

pub fn batch() -> PositionBatch {
    PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: v4(0x17),
        updates: vec![PositionUpdate {
            alert_id: v7(NOW_MS - 2_000, 0x42),
            seq: 1,
            fix: fix(),
            refines: false,
        }],
    }
}

/// A valid enrollment of a market vendor with a registered place.
pub fn enroll() -> EnrollRequest {
    EnrollRequest {
        v: PROTOCOL_VERSION,
        code: "PORVENIR-2025".into(),
        device_id: v4(0x17),
        public_key: test_key().public_key().to_base64(),
        profile: Profile {
            display_name: "Rosa Quispe".into(),
            dni: Some("40123456".into()),
            phone: "987654321".into(),
            role: ReporterRole::MarketVendor,
            plate: None,
            place: Some(Place {
                name: "Mercado Unión, puesto 14".into(),
                lat: -8.0731,
                lon: -79.0012,
                radius_m: 40.0,
            }),
        },
    }
}

/// JSON of a value with one field replaced (or removed with `None`).
pub fn with_field(
    value: &impl serde::Serialize,
    path: &[&str],
    new: Option<serde_json::Value>,
) -> Vec<u8> {
    let mut json = serde_json::to_value(value).unwrap();
    let mut node = &mut json;
    for key in &path[..path.len() - 1] {
        node = node.get_mut(*key).unwrap();
    }
    let obj = node.as_object_mut().unwrap();
    let last = path[path.len() - 1];
    match new {
        Some(v) => {
            obj.insert(last.to_owned(), v);
        }
        None => {
            obj.remove(last);
        }
    }
    serde_json::to_vec(&json).unwrap()
}

// ---- strategies -------------------------------------------------------------

pub fn kind() -> impl Strategy<Value = AlertKind> {
    proptest::sample::select(AlertKind::ALL.to_vec())
}

pub fn source() -> impl Strategy<Value = FixSource> {
    proptest::sample::select(FixSource::ALL.to_vec())
}

pub fn role() -> impl Strategy<Value = ReporterRole> {
    proptest::sample::select(ReporterRole::ALL.to_vec())
}

/// Coordinates around Peru and anywhere on the globe, never within a metre
/// of (0, 0) (which the SMS form cannot carry and no real fix is).
pub fn coordinates() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        (-18.4f64..=-0.03, -81.4f64..=-68.6),
        (-8.2f64..=-7.9, -79.1f64..=-78.9),
        (-90.0f64..=90.0, -180.0f64..=180.0),
        (
            prop_oneof![Just(-90.0), Just(90.0), Just(0.0)],
            prop_oneof![Just(-180.0), Just(180.0), Just(0.0), Just(1e-4)]
        ),
    ]
    .prop_filter("not at (0, 0)", |(lat, lon)| {
        !auxilio_protocol::is_null_island(*lat, *lon)
    })
}

pub fn accuracy() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.01f64..=50.0,
        50.0f64..=50_000.0,
        Just(50_000.0),
        Just(1.0)
    ]
}

/// A display name: unicode letters, spaces and punctuation, 1 to 120 chars.
pub fn name() -> impl Strategy<Value = String> {
    "\\p{L}[\\p{L}\\p{M}\\p{N} .,'&()-]{0,119}"
}

pub fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\+51 9[0-9]{2} [0-9]{3} [0-9]{3}",
        "9[0-9]{8}",
        "0[0-9]{2}-[0-9]{6}"
    ]
}

pub fn note() -> impl Strategy<Value = String> {
    "\\p{L}[\\PC\n]{0,300}"
}

/// A valid fix measured between 14 days ago and `created_at_ms` (+ skew).
pub fn fix_at(created_at_ms: i64) -> impl Strategy<Value = Fix> {
    let oldest = NOW_MS - AGE_MS + 1_000;
    let newest = (created_at_ms + SKEW_MS).min(NOW_MS + SKEW_MS);
    (
        coordinates(),
        accuracy(),
        proptest::option::of(-500.0f64..=9_000.0),
        proptest::option::of(0.0f64..=150.0),
        proptest::option::of(prop_oneof![0.0f64..=360.0, Just(360.0)]),
        prop_oneof![oldest..=newest, created_at_ms - 60_000..=created_at_ms],
        source(),
    )
        .prop_map(
            move |((lat, lon), accuracy_m, altitude_m, speed_mps, heading_deg, t, source)| Fix {
                lat,
                lon,
                accuracy_m,
                altitude_m,
                speed_mps,
                heading_deg,
                fixed_at_ms: t.clamp(oldest, newest),
                source,
            },
        )
}

pub fn reporter() -> impl Strategy<Value = Reporter> {
    (
        name(),
        phone(),
        role(),
        proptest::option::of(name()),
        proptest::option::of("[A-Z0-9]{1,3}-[0-9]{3,4}"),
        proptest::option::of(name()),
    )
        .prop_map(
            |(display_name, phone, role, organization, plate, place)| Reporter {
                display_name,
                phone,
                role,
                organization,
                plate,
                place,
            },
        )
}

/// Every valid alert (relative to [`NOW_MS`]).
pub fn valid_alert() -> impl Strategy<Value = Alert> {
    let created = prop_oneof![
        NOW_MS - 60_000..=NOW_MS,
        NOW_MS - AGE_MS + 60_000..=NOW_MS + SKEW_MS,
    ];
    created.prop_flat_map(|created_at_ms| {
        (
            any::<[u8; 10]>(),
            any::<[u8; 16]>().prop_filter("not nil", |b| b.iter().any(|x| *x != 0)),
            kind(),
            fix_at(created_at_ms),
            reporter(),
            proptest::option::of(0u8..=100),
            any::<bool>(),
            proptest::option::of(note()),
            "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,3}",
        )
            .prop_map(
                move |(
                    tail,
                    device,
                    kind,
                    fix,
                    reporter,
                    battery_pct,
                    silent,
                    note,
                    app_version,
                )| {
                    Alert {
                        v: PROTOCOL_VERSION,
                        id: Builder::from_unix_timestamp_millis(created_at_ms as u64, &tail)
                            .into_uuid(),
                        device_id: Uuid::from_bytes(device),
                        kind,
                        created_at_ms,
                        fix: Some(fix),
                        reporter,
                        battery_pct,
                        silent,
                        note,
                        app_version,
                    }
                },
            )
    })
}
