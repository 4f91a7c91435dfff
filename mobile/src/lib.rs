//! `auxilio-mobile`: `auxilio-core` for native Android (Kotlin) and iOS
//! (Swift) code, through uniffi.
//!
//! A thin adapter in the style of matrix-rust-sdk's `bindings/matrix-sdk-ffi`:
//! each module wraps one concept of core in a uniffi `Record`, `Enum` or
//! `Object` with `From` conversions, and adds no behaviour of its own. A
//! home-screen widget, a lock-screen shortcut, a hardware-button receiver or a
//! foreground service calls the very same core as the app.
//!
//! - [`handle`]: [`open_core`] and the [`AuxilioCore`] object (enroll, raise,
//!   cancel, status, queue, fixes, connectivity).
//! - [`config`]: [`CoreConfig`] and [`default_config`].
//! - [`sos`], [`fix`], [`enrollment`], [`status`], [`queue`]: plain data.
//! - [`events`]: [`EventListener`] (implemented in Kotlin/Swift) and the
//!   [`TaskHandle`] that stops a subscription when closed or dropped.
//! - [`error`]: the one [`AuxilioError`] crossing the FFI.
//! - [`runtime`]: the one tokio runtime every async call and core task runs on.

uniffi::setup_scaffolding!();

pub mod config;
pub mod enrollment;
pub mod error;
pub mod events;
pub mod fix;
pub mod handle;
pub mod queue;
pub mod runtime;
pub mod sos;
pub mod status;

pub use config::{default_config, CoreConfig};
pub use enrollment::{Enrollment, Place, Profile, ReporterRole};
pub use error::AuxilioError;
pub use events::{CoreEvent, EventListener, TaskHandle};
pub use fix::{Fix, FixSource};
pub use handle::{open_core, AuxilioCore};
pub use queue::{DrainReport, OutboxItemKind, PendingItem, RowState};
pub use sos::{AlertKind, SosRequest};
pub use status::{AlertStatus, AlertView, LocalAlert, Outcome, SmsState};
