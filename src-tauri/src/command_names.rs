//! The IPC command names, shared by `build.rs` (the ACL manifest) and the
//! app. The web UI calls these names (`ui/src/citizen/tauri.ts`, `CMD`).

/// Every command the web view may call, as `invoke(name, args)`.
pub const ALL: &[&str] = &[
    // Citizen
    "is_enrolled",
    "profile",
    "enroll",
    "set_profile",
    "settings",
    "set_settings",
    "set_position",
    "raise_sos",
    "cancel_sos",
    "alert_status",
    "open_alerts",
    "pending",
    "pending_count",
    "sms_fallback_sent",
    "arm_location",
    "connectivity_restored",
    "open_link",
    "haptic",
    "ui_ready",
    // Patrol unit
    "unit_login",
    "unit_account",
    "unit_logout",
    "start_duty",
    "stop_duty",
    "unit_report",
    "acknowledge_assignment",
    "unit_duty",
    "unit_assignments",
    "unit_transition",
];
