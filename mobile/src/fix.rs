//! Positions from the platform (Android `Location`, iOS `CLLocation`).

/// Where a fix came from. `LastKnown` and `RegisteredPlace` are never fresh;
/// native code feeds `Gps`, `Network` or `Fused`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum FixSource {
    Gps,
    Network,
    Fused,
    LastKnown,
    RegisteredPlace,
}

/// A position. `fixed_at_ms` is when it was measured (Android
/// `Location.time`, iOS `CLLocation.timestamp`), not when it is fed.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy (68 % radius) in metres; must be above 0.
    pub accuracy_m: f64,
    pub altitude_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub heading_deg: Option<f64>,
    pub fixed_at_ms: i64,
    pub source: FixSource,
}

impl From<auxilio_core::FixSource> for FixSource {
    fn from(s: auxilio_core::FixSource) -> Self {
        use auxilio_core::FixSource as C;
        match s {
            C::Gps => FixSource::Gps,
            C::Network => FixSource::Network,
            C::Fused => FixSource::Fused,
            C::LastKnown => FixSource::LastKnown,
            C::RegisteredPlace => FixSource::RegisteredPlace,
        }
    }
}

impl From<FixSource> for auxilio_core::FixSource {
    fn from(s: FixSource) -> Self {
        use auxilio_core::FixSource as C;
        match s {
            FixSource::Gps => C::Gps,
            FixSource::Network => C::Network,
            FixSource::Fused => C::Fused,
            FixSource::LastKnown => C::LastKnown,
            FixSource::RegisteredPlace => C::RegisteredPlace,
        }
    }
}

impl From<auxilio_core::Fix> for Fix {
    fn from(f: auxilio_core::Fix) -> Self {
        Fix {
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            altitude_m: f.altitude_m,
            speed_mps: f.speed_mps,
            heading_deg: f.heading_deg,
            fixed_at_ms: f.fixed_at_ms,
            source: f.source.into(),
        }
    }
}

impl From<Fix> for auxilio_core::Fix {
    fn from(f: Fix) -> Self {
        auxilio_core::Fix {
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            altitude_m: f.altitude_m,
            speed_mps: f.speed_mps,
            heading_deg: f.heading_deg,
            fixed_at_ms: f.fixed_at_ms,
            source: f.source.into(),
        }
    }
}
