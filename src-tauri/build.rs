//! Tauri build step: the ACL of the app's own commands (each gets an
//! `allow-<command>` permission granted in `capabilities/`), the context,
//! and the platform cfgs (`desktop` / `mobile`).

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(auxilio_commands::ALL);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}

#[path = "src/command_names.rs"]
mod auxilio_commands;
