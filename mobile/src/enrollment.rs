//! Who the person is (given once, at enrollment) and what the server answered.

use auxilio_core::protocol;

/// What the person does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ReporterRole {
    MototaxiDriver,
    BusDriver,
    MarketVendor,
    /// Coordinator of a comedor popular, vaso de leche or olla común.
    ProgrammeCoordinator,
    NeighbourhoodWatch,
    Resident,
    Other,
}

/// A named fixed place (a market stall, a comedor), used when GPS fails indoors.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}

/// The person's profile. The DNI stays on the server; alerts carry the rest.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Profile {
    pub display_name: String,
    pub dni: Option<String>,
    pub phone: String,
    pub role: ReporterRole,
    /// Vehicle plate (placa), for drivers.
    pub plate: Option<String>,
    pub place: Option<Place>,
}

/// The server's answer to enrollment.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Enrollment {
    pub device_id: String,
    pub organization: Option<String>,
    /// The organization's registered place (markets, comedores), if any.
    pub place: Option<Place>,
    /// Where the SMS fallback goes.
    pub sms_number: Option<String>,
}

impl From<protocol::ReporterRole> for ReporterRole {
    fn from(r: protocol::ReporterRole) -> Self {
        use protocol::ReporterRole as P;
        match r {
            P::MototaxiDriver => ReporterRole::MototaxiDriver,
            P::BusDriver => ReporterRole::BusDriver,
            P::MarketVendor => ReporterRole::MarketVendor,
            P::ProgrammeCoordinator => ReporterRole::ProgrammeCoordinator,
            P::NeighbourhoodWatch => ReporterRole::NeighbourhoodWatch,
            P::Resident => ReporterRole::Resident,
            P::Other => ReporterRole::Other,
        }
    }
}

impl From<ReporterRole> for protocol::ReporterRole {
    fn from(r: ReporterRole) -> Self {
        use protocol::ReporterRole as P;
        match r {
            ReporterRole::MototaxiDriver => P::MototaxiDriver,
            ReporterRole::BusDriver => P::BusDriver,
            ReporterRole::MarketVendor => P::MarketVendor,
            ReporterRole::ProgrammeCoordinator => P::ProgrammeCoordinator,
            ReporterRole::NeighbourhoodWatch => P::NeighbourhoodWatch,
            ReporterRole::Resident => P::Resident,
            ReporterRole::Other => P::Other,
        }
    }
}

impl From<protocol::Place> for Place {
    fn from(p: protocol::Place) -> Self {
        Place {
            name: p.name,
            lat: p.lat,
            lon: p.lon,
            radius_m: p.radius_m,
        }
    }
}

impl From<Place> for protocol::Place {
    fn from(p: Place) -> Self {
        protocol::Place {
            name: p.name,
            lat: p.lat,
            lon: p.lon,
            radius_m: p.radius_m,
        }
    }
}

impl From<protocol::Profile> for Profile {
    fn from(p: protocol::Profile) -> Self {
        Profile {
            display_name: p.display_name,
            dni: p.dni,
            phone: p.phone,
            role: p.role.into(),
            plate: p.plate,
            place: p.place.map(Into::into),
        }
    }
}

impl From<Profile> for protocol::Profile {
    fn from(p: Profile) -> Self {
        protocol::Profile {
            display_name: p.display_name,
            dni: p.dni,
            phone: p.phone,
            role: p.role.into(),
            plate: p.plate,
            place: p.place.map(Into::into),
        }
    }
}

impl From<protocol::EnrollResponse> for Enrollment {
    fn from(r: protocol::EnrollResponse) -> Self {
        Enrollment {
            device_id: r.device_id.to_string(),
            organization: r.organization,
            place: r.place.map(Into::into),
            sms_number: r.sms_number,
        }
    }
}
