#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings of auxilio-mobile into
#   mobile/generated/kotlin  (package pe.elporvenir.auxilio)
#   mobile/generated/swift   (AuxilioMobile.swift + the AuxilioMobileFFI C header and modulemap)
# from the host build of the library (uniffi library mode: the interface is
# read from the library itself; the bindings are the same for every target).
# Usage: mobile/generate.sh [--release]
set -euo pipefail
mobile="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$mobile")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/auxilio/target}"
profile=debug
flags=()
if [ "${1:-}" = "--release" ]; then
    profile=release
    flags=(--release)
fi
case "$(uname -s)" in
    Darwin) lib="$CARGO_TARGET_DIR/$profile/libauxilio_mobile.dylib" ;;
    *) lib="$CARGO_TARGET_DIR/$profile/libauxilio_mobile.so" ;;
esac
cd "$root"
cargo build -p auxilio-mobile "${flags[@]}"
cargo build -q -p auxilio-bindgen
for language in kotlin swift; do
    rm -rf "$mobile/generated/$language"
    "$CARGO_TARGET_DIR/debug/auxilio-bindgen" generate --library "$lib" \
        --language "$language" --out-dir "$mobile/generated/$language" --no-format
done
echo "bindings in $mobile/generated/{kotlin,swift}"
