#!/usr/bin/env bash
# The Kotlin test of the uniffi bindings: generates the Kotlin bindings,
# compiles them (kotlinc from the npm package kotlin-compiler) with the
# example SosTrigger.kt and src/MobileTest.kt against Debian's JNA, starts a
# real `auxilio-server demo` on loopback, and runs the test on the JVM against
# the real libauxilio_mobile.so: enroll, raise an SOS, receive Received and
# (after an operator acknowledges through the responder API) Acknowledged
# through the callback. Missing tools are installed; if that fails, it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mobile="$(dirname "$here")"
root="$(dirname "$mobile")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/auxilio/target}"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
kotlin_home="$here/node_modules/kotlin-compiler"

die() {
    echo "kotlin-test: FAIL: $*" >&2
    exit 1
}

# 1. Tools.
command -v java >/dev/null || die "no java on PATH (Java 17 is expected)"
if [ ! -f "$jna" ]; then
    echo "kotlin-test: installing libjna-java"
    sudo_cmd=()
    [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y libjna-java \
        || { "${sudo_cmd[@]}" apt-get update && "${sudo_cmd[@]}" apt-get install -y libjna-java; } \
        || die "cannot install libjna-java"
    [ -f "$jna" ] || die "JNA is not at $jna"
fi
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
    echo "kotlin-test: installing kotlin-compiler from npm"
    command -v npm >/dev/null || die "no npm on PATH to install kotlin-compiler"
    (cd "$here" && npm install --no-audit --no-fund --no-package-lock) || die "npm install kotlin-compiler failed"
    [ -x "$kotlin_home/bin/kotlinc" ] || die "kotlinc missing after npm install"
fi
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
stdlib="$kotlin_home/lib/kotlin-stdlib.jar"
[ -f "$coroutines" ] && [ -f "$stdlib" ] || die "kotlin-compiler has no stdlib/coroutines jar"

# 2. Build the server; build the library and generate the bindings.
cd "$root"
cargo build -p auxilio-server
"$mobile/generate.sh"
lib="$CARGO_TARGET_DIR/debug/libauxilio_mobile.so"
[ -f "$lib" ] || die "no $lib"

# 3. Compile the bindings, the example and the test.
build="$here/build"
rm -rf "$build"
mkdir -p "$build"
classpath="$jna:$coroutines"
echo "kotlin-test: compiling with $("$kotlin_home/bin/kotlinc" -version 2>&1 | tail -n 1)"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$classpath" -d "$build/classes" \
    "$mobile/generated/kotlin" "$mobile/examples/android/SosTrigger.kt" "$here/src" \
    || die "kotlinc failed"

# 4. A real server on loopback, with the demo's code and operator account.
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
"$CARGO_TARGET_DIR/debug/auxilio-server" --db "$tmp/server.db" demo --listen 127.0.0.1:0 \
    >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$tmp/server.out" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; die "auxilio-server exited"; }
    sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$tmp/server.out")"
code="$(sed -n 's/^ *enrollment code: *\([^ ]*\).*/\1/p' "$tmp/server.out")"
operator="$(sed -n 's/^ *operator: *\([^ ]*\) \/ \([^ ]*\).*/\1 \2/p' "$tmp/server.out")"
[ -n "$url" ] && [ -n "$code" ] && [ -n "$operator" ] \
    || { cat "$tmp/server.out" "$tmp/server.err" >&2; die "cannot read the demo's URL, code and operator"; }
read -r username password <<<"$operator"

# 5. Run on the JVM against the real library.
java -Duniffi.component.auxilio_mobile.libraryOverride="$lib" \
    -cp "$build/classes:$classpath:$stdlib" pe.elporvenir.auxilio.test.MobileTestKt \
    "$url" "$code" "$username" "$password" "$tmp/phone" \
    || { echo "--- server stderr ---" >&2; tail -n 40 "$tmp/server.err" >&2; die "the Kotlin test failed"; }
echo "kotlin-test: PASS"
