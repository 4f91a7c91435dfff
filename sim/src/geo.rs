//! Movement inside El Porvenir (Trujillo): a box around (-8.07, -79.00).

use auxilio_core::{Fix, FixSource};
use rand::Rng;

pub const LAT_MIN: f64 = -8.09;
pub const LAT_MAX: f64 = -8.05;
pub const LON_MIN: f64 = -79.02;
pub const LON_MAX: f64 = -78.98;
pub const CENTRE: (f64, f64) = (-8.07, -79.00);

const M_PER_DEG_LAT: f64 = 111_320.0;

fn m_per_deg_lon(lat: f64) -> f64 {
    M_PER_DEG_LAT * lat.to_radians().cos()
}

/// A random point in the box, kept a little away from its edges.
pub fn random_point(rng: &mut impl Rng) -> (f64, f64) {
    (
        rng.gen_range(LAT_MIN + 0.002..LAT_MAX - 0.002),
        rng.gen_range(LON_MIN + 0.002..LON_MAX - 0.002),
    )
}

/// Where a phone is and how it moves.
#[derive(Clone, Debug)]
pub struct Mover {
    pub lat: f64,
    pub lon: f64,
    /// Degrees clockwise from north, `[0, 360)`.
    pub heading_deg: f64,
    /// Typical speed in m/s; 0 for someone at a fixed place.
    pub cruise_mps: f64,
    pub speed_mps: f64,
    /// A fixed place (market stall, comedor): stays within a few metres.
    pub anchored: bool,
}

impl Mover {
    pub fn moving(lat: f64, lon: f64, cruise_mps: f64, rng: &mut impl Rng) -> Self {
        Mover {
            lat,
            lon,
            heading_deg: rng.gen_range(0.0..360.0),
            cruise_mps,
            speed_mps: cruise_mps,
            anchored: false,
        }
    }

    pub fn anchored(lat: f64, lon: f64) -> Self {
        Mover {
            lat,
            lon,
            heading_deg: 0.0,
            cruise_mps: 0.0,
            speed_mps: 0.0,
            anchored: true,
        }
    }

    /// Advances `dt_s` seconds: vehicles turn a little, stop at corners now
    /// and then, and bounce off the edges of the district.
    pub fn step(&mut self, dt_s: f64, rng: &mut impl Rng) {
        if self.anchored {
            return;
        }
        self.heading_deg = (self.heading_deg + rng.gen_range(-25.0..25.0)).rem_euclid(360.0);
        self.speed_mps = if rng.gen_bool(0.1) {
            0.0
        } else {
            (self.cruise_mps * rng.gen_range(0.6..1.3)).clamp(0.0, 30.0)
        };
        let dist = self.speed_mps * dt_s;
        let rad = self.heading_deg.to_radians();
        let mut lat = self.lat + dist * rad.cos() / M_PER_DEG_LAT;
        let mut lon = self.lon + dist * rad.sin() / m_per_deg_lon(self.lat);
        if !(LAT_MIN..=LAT_MAX).contains(&lat) {
            lat = lat.clamp(LAT_MIN, LAT_MAX);
            self.heading_deg = (180.0 - self.heading_deg).rem_euclid(360.0);
        }
        if !(LON_MIN..=LON_MAX).contains(&lon) {
            lon = lon.clamp(LON_MIN, LON_MAX);
            self.heading_deg = (360.0 - self.heading_deg).rem_euclid(360.0);
        }
        self.lat = lat;
        self.lon = lon;
    }

    /// The fix a phone would report now: GPS outdoors (5–20 m), a network
    /// fix indoors at a fixed place (40–150 m, sometimes worse).
    pub fn fix(&self, now_ms: i64, rng: &mut impl Rng) -> Fix {
        let (accuracy_m, source) = if self.anchored {
            (rng.gen_range(40.0..150.0), FixSource::Network)
        } else {
            (rng.gen_range(5.0..20.0), FixSource::Gps)
        };
        // The reported point scatters around the true one by about the accuracy.
        let err_m = accuracy_m * rng.gen_range(0.0..0.7);
        let err_dir = rng.gen_range(0.0f64..360.0).to_radians();
        let lat = (self.lat + err_m * err_dir.cos() / M_PER_DEG_LAT).clamp(LAT_MIN, LAT_MAX);
        let lon =
            (self.lon + err_m * err_dir.sin() / m_per_deg_lon(self.lat)).clamp(LON_MIN, LON_MAX);
        Fix {
            lat,
            lon,
            accuracy_m,
            altitude_m: Some(rng.gen_range(70.0..110.0)),
            speed_mps: (!self.anchored).then_some(self.speed_mps),
            heading_deg: (!self.anchored && self.speed_mps > 0.5).then_some(self.heading_deg),
            fixed_at_ms: now_ms,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auxilio_protocol::Validate;
    use rand::SeedableRng;

    #[test]
    fn test_a_mototaxi_driving_for_an_hour_stays_in_el_porvenir_with_valid_fixes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (lat, lon) = random_point(&mut rng);
        let mut m = Mover::moving(lat, lon, 9.0, &mut rng);
        let now = auxilio_protocol::now_ms();
        let mut travelled = 0.0;
        for _ in 0..3600 {
            let before = (m.lat, m.lon);
            m.step(1.0, &mut rng);
            travelled += ((m.lat - before.0).abs() + (m.lon - before.1).abs()) * M_PER_DEG_LAT;
            assert!((LAT_MIN..=LAT_MAX).contains(&m.lat) && (LON_MIN..=LON_MAX).contains(&m.lon));
            let fix = m.fix(now, &mut rng);
            fix.validate(now).unwrap();
        }
        assert!(travelled > 5_000.0, "a mototaxi moves: {travelled} m");
    }

    #[test]
    fn test_a_vendor_at_her_stall_does_not_move_and_reports_network_fixes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut m = Mover::anchored(CENTRE.0, CENTRE.1);
        m.step(10.0, &mut rng);
        assert_eq!((m.lat, m.lon), CENTRE);
        let fix = m.fix(auxilio_protocol::now_ms(), &mut rng);
        assert_eq!(fix.source, FixSource::Network);
        assert!(fix.accuracy_m >= 40.0);
    }
}
