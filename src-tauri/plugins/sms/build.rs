//! tauri-plugin's build step: the plugin's (empty) ACL, and on Android the
//! path of the Kotlin library project (`android/`) for the app's Gradle build.

/// The plugin exposes no command to the web view: only the shell calls it,
/// from Rust.
const COMMANDS: &[&str] = &[];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        .android_path("android")
        .build();
}
