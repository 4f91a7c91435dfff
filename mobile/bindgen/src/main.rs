//! `auxilio-bindgen`: uniffi's bindgen, in its own crate so that none of it
//! is linked into the phone library. Library mode reads the interface from
//! the built `libauxilio_mobile.so`, e.g.
//!
//! ```text
//! cargo run -p auxilio-bindgen -- generate --library \
//!     $CARGO_TARGET_DIR/debug/libauxilio_mobile.so --language kotlin --out-dir mobile/generated/kotlin
//! ```
//!
//! `mobile/generate.sh` does both languages.

fn main() {
    uniffi::uniffi_bindgen_main()
}
