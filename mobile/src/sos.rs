//! What the person asks for when they press SOS.

/// What happened, as the person chose it. Plain `Sos` is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AlertKind {
    Sos,
    Asalto,
    Extorsion,
    Violencia,
    EmergenciaMedica,
    Incendio,
    Accidente,
}

/// One SOS, after the countdown or the press pattern.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SosRequest {
    pub kind: AlertKind,
    /// The discreet trigger: nothing alarming on screen, and responders must
    /// not call the phone back blindly.
    pub silent: bool,
    pub note: Option<String>,
    /// Battery level, 0–100 %.
    pub battery_pct: Option<u8>,
}

impl From<auxilio_core::AlertKind> for AlertKind {
    fn from(k: auxilio_core::AlertKind) -> Self {
        use auxilio_core::AlertKind as C;
        match k {
            C::Sos => AlertKind::Sos,
            C::Asalto => AlertKind::Asalto,
            C::Extorsion => AlertKind::Extorsion,
            C::Violencia => AlertKind::Violencia,
            C::EmergenciaMedica => AlertKind::EmergenciaMedica,
            C::Incendio => AlertKind::Incendio,
            C::Accidente => AlertKind::Accidente,
        }
    }
}

impl From<AlertKind> for auxilio_core::AlertKind {
    fn from(k: AlertKind) -> Self {
        use auxilio_core::AlertKind as C;
        match k {
            AlertKind::Sos => C::Sos,
            AlertKind::Asalto => C::Asalto,
            AlertKind::Extorsion => C::Extorsion,
            AlertKind::Violencia => C::Violencia,
            AlertKind::EmergenciaMedica => C::EmergenciaMedica,
            AlertKind::Incendio => C::Incendio,
            AlertKind::Accidente => C::Accidente,
        }
    }
}

impl From<SosRequest> for auxilio_core::SosRequest {
    fn from(r: SosRequest) -> Self {
        auxilio_core::SosRequest {
            kind: r.kind.into(),
            silent: r.silent,
            note: r.note,
            battery_pct: r.battery_pct,
        }
    }
}
