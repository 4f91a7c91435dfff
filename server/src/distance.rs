//! Distances on the Earth and the nearest available units.

use geo::{Distance, Haversine, Point};

use crate::model::{NearestUnit, UnitView};

/// Great-circle distance in metres between two (lat, lon) points.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    // geo's points are (x = lon, y = lat).
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

/// The available units with a known position, nearest to `at` first.
pub fn nearest_units(units: Vec<UnitView>, at: (f64, f64), limit: usize) -> Vec<NearestUnit> {
    let mut found: Vec<NearestUnit> = units
        .into_iter()
        .filter(|u| u.available)
        .filter_map(|u| {
            let (lat, lon) = (u.lat?, u.lon?);
            let distance_m = haversine_m(at, (lat, lon));
            distance_m.is_finite().then_some(NearestUnit {
                unit: u,
                distance_m,
            })
        })
        .collect();
    found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Agency;

    fn unit(id: i64, pos: Option<(f64, f64)>, available: bool) -> UnitView {
        UnitView {
            id,
            call_sign: format!("Serenazgo {id:02}"),
            agency: Agency::Serenazgo,
            lat: pos.map(|p| p.0),
            lon: pos.map(|p| p.1),
            position_at_ms: pos.map(|_| 1),
            available,
        }
    }

    #[test]
    fn one_thousandth_of_a_degree_of_latitude_is_about_111_m() {
        let d = haversine_m((-8.07, -79.0), (-8.071, -79.0));
        assert!((d - 111.2).abs() < 1.0, "{d}");
    }

    #[test]
    fn nearest_skips_busy_and_unplaced_units_and_sorts_by_distance() {
        let units = vec![
            unit(1, Some((-8.10, -79.00)), true),
            unit(2, Some((-8.071, -79.00)), true),
            unit(3, Some((-8.0701, -79.00)), false),
            unit(4, None, true),
        ];
        let got = nearest_units(units, (-8.07, -79.0), 5);
        let ids: Vec<i64> = got.iter().map(|n| n.unit.id).collect();
        assert_eq!(ids, vec![2, 1]);
        assert!(got[0].distance_m < got[1].distance_m);
    }
}
