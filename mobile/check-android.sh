#!/usr/bin/env bash
# `cargo check --target aarch64-linux-android` without an Android NDK, so the
# mobile-only code paths always compile (linking still needs the NDK).
#
# Rust needs only the target's std. The C parts (ring via reqwest/rustls, and
# SQLite bundled by rusqlite) are compiled by their build scripts even for
# `cargo check`; they look for the NDK's `aarch64-linux-android-clang` and its
# sysroot. Debian's clang with `--target=aarch64-linux-android` (added by the
# cc crate) plus Debian's aarch64 C headers (libc6-dev-arm64-cross) compiles
# them; the objects are never linked into anything.
#
# Usage: mobile/check-android.sh [cargo check args]   (default: -p auxilio-core -p auxilio-mobile)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/auxilio/target}"
target=aarch64-linux-android
headers=/usr/aarch64-linux-gnu/include

die() {
    echo "check-android: FAIL: $*" >&2
    exit 1
}

rustup target list --installed | grep -qx "$target" \
    || rustup target add "$target" || die "cannot add the Rust target $target"
if ! command -v clang >/dev/null || ! command -v llvm-ar >/dev/null || [ ! -f "$headers/stdint.h" ]; then
    sudo_cmd=()
    [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y clang llvm libc6-dev-arm64-cross \
        || die "cannot install clang, llvm and libc6-dev-arm64-cross"
fi

export CC_aarch64_linux_android="${CC_aarch64_linux_android:-clang}"
export AR_aarch64_linux_android="${AR_aarch64_linux_android:-llvm-ar}"
export CFLAGS_aarch64_linux_android="${CFLAGS_aarch64_linux_android:--isystem $headers}"

cd "$root"
if [ "$#" -eq 0 ]; then
    set -- -p auxilio-core -p auxilio-mobile
fi
cargo check --target "$target" "$@"
