//! Demo people of El Porvenir. Every name, phone and plate here is made up
//! and marked as such ("(demo)", +51 900 … numbers, DEMO plates).

use auxilio_core::{AlertKind, Place, Profile};
use auxilio_protocol::ReporterRole;
use rand::Rng;

use crate::geo::{self, Mover};

const FIRST: [&str; 20] = [
    "Rosa", "Juan", "Carmen", "Luis", "María", "José", "Elena", "Carlos", "Julia", "Pedro",
    "Milagros", "Wilmer", "Yolanda", "Segundo", "Flor", "Hugo", "Nelly", "Santos", "Gladys",
    "Víctor",
];
const LAST: [&str; 16] = [
    "Quispe",
    "Rodríguez",
    "Mendoza",
    "Vásquez",
    "Castillo",
    "Huamán",
    "Sánchez",
    "Alvarado",
    "Reyes",
    "Cruz",
    "Gutiérrez",
    "Paredes",
    "Polo",
    "Chávez",
    "Lozano",
    "Rojas",
];
const MARKETS: [&str; 3] = ["Mercado Central", "Mercado Unión", "Mercado Río Seco"];
const PROGRAMMES: [&str; 4] = [
    "Comedor Popular Virgen de la Puerta",
    "Vaso de Leche Sector 3",
    "Olla Común Los Pinos",
    "Comedor Popular Santa Rosa",
];

/// What a simulated phone's owner does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persona {
    Mototaxi,
    Bus,
    Vendor,
    Comedor,
}

impl Persona {
    /// 45 % mototaxi drivers, 20 % bus drivers, 20 % vendors, 15 % coordinators.
    pub fn pick(rng: &mut impl Rng) -> Self {
        match rng.gen_range(0..100) {
            0..=44 => Persona::Mototaxi,
            45..=64 => Persona::Bus,
            65..=84 => Persona::Vendor,
            _ => Persona::Comedor,
        }
    }

    pub fn role(self) -> ReporterRole {
        match self {
            Persona::Mototaxi => ReporterRole::MototaxiDriver,
            Persona::Bus => ReporterRole::BusDriver,
            Persona::Vendor => ReporterRole::MarketVendor,
            Persona::Comedor => ReporterRole::ProgrammeCoordinator,
        }
    }

    /// What happens to this kind of person, roughly as the news tells it.
    pub fn alert_kind(self, rng: &mut impl Rng) -> AlertKind {
        let table: &[(AlertKind, u32)] = match self {
            Persona::Mototaxi => &[
                (AlertKind::Asalto, 45),
                (AlertKind::Extorsion, 20),
                (AlertKind::Accidente, 20),
                (AlertKind::Sos, 15),
            ],
            Persona::Bus => &[
                (AlertKind::Asalto, 40),
                (AlertKind::Extorsion, 25),
                (AlertKind::Accidente, 20),
                (AlertKind::EmergenciaMedica, 15),
            ],
            Persona::Vendor => &[
                (AlertKind::Extorsion, 35),
                (AlertKind::Asalto, 35),
                (AlertKind::Incendio, 10),
                (AlertKind::Sos, 20),
            ],
            Persona::Comedor => &[
                (AlertKind::Violencia, 35),
                (AlertKind::EmergenciaMedica, 25),
                (AlertKind::Incendio, 15),
                (AlertKind::Sos, 25),
            ],
        };
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut roll = rng.gen_range(0..total);
        for (kind, weight) in table {
            if roll < *weight {
                return *kind;
            }
            roll -= weight;
        }
        AlertKind::Sos
    }

    /// Cruising speed in m/s (0 for fixed places).
    fn cruise_mps(self) -> f64 {
        match self {
            Persona::Mototaxi => 7.0,
            Persona::Bus => 9.0,
            Persona::Vendor | Persona::Comedor => 0.0,
        }
    }
}

/// A demo person with a profile and a starting position.
pub struct DemoPerson {
    pub persona: Persona,
    pub profile: Profile,
    pub mover: Mover,
}

/// The `index`-th demo person (the index makes the phone number unique).
pub fn demo_person(index: usize, rng: &mut impl Rng) -> DemoPerson {
    let persona = Persona::pick(rng);
    let first = FIRST[rng.gen_range(0..FIRST.len())];
    let last1 = LAST[rng.gen_range(0..LAST.len())];
    let last2 = LAST[rng.gen_range(0..LAST.len())];
    let display_name = format!("{first} {last1} {last2} (demo)");
    let phone = format!("+51 900 {:03} {:03}", (index / 1000) % 1000, index % 1000);
    let (lat, lon) = geo::random_point(rng);
    let (plate, place, mover) = match persona {
        Persona::Mototaxi | Persona::Bus => (
            Some(format!("DEMO-{:04}", index % 10_000)),
            None,
            Mover::moving(lat, lon, persona.cruise_mps(), rng),
        ),
        Persona::Vendor | Persona::Comedor => {
            let name = if persona == Persona::Vendor {
                let market = MARKETS[rng.gen_range(0..MARKETS.len())];
                format!("{market}, puesto {} (demo)", rng.gen_range(1..200))
            } else {
                format!("{} (demo)", PROGRAMMES[rng.gen_range(0..PROGRAMMES.len())])
            };
            let place = Place {
                name,
                lat,
                lon,
                radius_m: 30.0,
            };
            (None, Some(place), Mover::anchored(lat, lon))
        }
    };
    DemoPerson {
        persona,
        profile: Profile {
            display_name,
            dni: None,
            phone,
            role: persona.role(),
            plate,
            place,
        },
        mover,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auxilio_protocol::Validate;
    use rand::SeedableRng;

    #[test]
    fn test_every_demo_person_has_a_valid_profile_and_a_fake_phone() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut phones = std::collections::HashSet::new();
        for i in 0..500 {
            let p = demo_person(i, &mut rng);
            p.profile.validate(auxilio_protocol::now_ms()).unwrap();
            assert!(p.profile.display_name.ends_with("(demo)"));
            assert!(p.profile.phone.starts_with("+51 900 "));
            assert!(phones.insert(p.profile.phone.clone()), "phones are unique");
            let is_fixed = matches!(p.persona, Persona::Vendor | Persona::Comedor);
            assert_eq!(p.profile.place.is_some(), is_fixed);
            assert_eq!(p.mover.anchored, is_fixed);
        }
    }

    #[test]
    fn test_kinds_follow_the_persona() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..200 {
            assert_ne!(Persona::Comedor.alert_kind(&mut rng), AlertKind::Accidente);
            assert_ne!(Persona::Mototaxi.alert_kind(&mut rng), AlertKind::Violencia);
        }
    }
}
