#!/usr/bin/env bash
# The desktop app, for real, under Xvfb: it opens, shows the SOS screen, a
# screenshot is saved, and it exits cleanly (exit code 0).
#
#   cargo build -p auxilio-app -p auxilio-server -p auxilio-sim
#   src-tauri/tests/xvfb-smoke.sh            # debug build
#   PROFILE=release src-tauri/tests/xvfb-smoke.sh
#
# Steps: an auxilio-server demo on a free loopback port; auxilio-sim enrolls
# a phone data directory with the demo code (so the app opens on the SOS
# screen, not on enrollment); the app starts on that directory under
# xvfb-run; the shell's page-load probe reports `ui-ready screen=sos`; the
# screen is captured (ImageMagick `import`, else `xwd`); the app exits by
# itself (AUXILIO_EXIT_AFTER_READY_MS) and its exit code is checked.
#
# Needs: xvfb (xvfb-run), imagemagick (or x11-apps for xwd), and the WebKitGTK
# runtime. Artifacts: $ARTIFACTS (default src-tauri/artifacts): sos-screen.png,
# app.log, server.log, timing.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
profile=${PROFILE:-debug}
app=${AUXILIO_APP_BIN:-$target/$profile/auxilio-app}
server=${AUXILIO_SERVER_BIN:-$target/debug/auxilio-server}
sim=${AUXILIO_SIM_BIN:-$target/debug/auxilio-sim}
artifacts=${ARTIFACTS:-$root/src-tauri/artifacts}
ready_timeout=${READY_TIMEOUT_S:-60}

for bin in "$app" "$server" "$sim"; do
  [[ -x $bin ]] || { echo "missing binary: $bin (cargo build -p auxilio-app -p auxilio-server -p auxilio-sim)" >&2; exit 2; }
done
command -v xvfb-run >/dev/null || { echo "xvfb-run not installed (apt-get install xvfb)" >&2; exit 2; }

mkdir -p "$artifacts"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. A real server with the demo data.
"$server" --db "$work/server.db" demo --listen 127.0.0.1:0 >"$work/server.out" 2>"$artifacts/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/server.out" | head -1)
code=$(sed -n 's/^ *enrollment code: *\([A-Za-z0-9_-]*\).*/\1/p' "$work/server.out" | head -1)
[[ -n $url && -n $code ]] || { echo "the server did not start" >&2; cat "$work/server.out" >&2; exit 1; }
echo "server: $url"

# 2. An enrolled phone directory (nothing queued: deliver exits at once).
"$sim" deliver --server "$url" --data "$work/phone" --code "$code" --timeout-s 30 >/dev/null

# 3. The app under Xvfb. It exits by itself 3 s after the first screen is ready.
AUXILIO_DATA_DIR="$work/phone" AUXILIO_SERVER="$url" AUXILIO_EXIT_AFTER_READY_MS=3000 \
  WEBKIT_DISABLE_DMABUF_RENDERER=1 \
  xvfb-run -a -s "-screen 0 480x820x24" bash -c '
    date +%s%N >"$1/start_ns"
    "$0" >"$1/app.out" 2>"$1/app.err" &
    pid=$!
    for _ in $(seq 1 $(( $2 * 50 ))); do
      grep -q "ui-ready" "$1/app.out" 2>/dev/null && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.02
    done
    date +%s%N >"$1/ready_ns"
    sleep 1
    if command -v import >/dev/null; then
      import -window root "$1/sos-screen.png" || true
    else
      xwd -root -silent >"$1/sos-screen.xwd" || true
    fi
    wait $pid
    echo $? >"$1/app.rc"
  ' "$app" "$work" "$ready_timeout"

cp "$work/app.out" "$artifacts/app.log"
cat "$work/app.err" >>"$artifacts/app.log"
[[ -f $work/sos-screen.png ]] && cp "$work/sos-screen.png" "$artifacts/"
[[ -f $work/sos-screen.xwd ]] && cp "$work/sos-screen.xwd" "$artifacts/"

rc=$(cat "$work/app.rc" 2>/dev/null || echo missing)
line=$(grep -m1 'ui-ready' "$work/app.out" || true)
echo "app: ${line:-no ui-ready line} (exit $rc)"
ready_ns=$(cat "$work/ready_ns")
start_ns=$(cat "$work/start_ns")
outside_ms=$(( (ready_ns - start_ns) / 1000000 ))
{
  echo "profile=$profile"
  echo "$line"
  echo "seen_by_script_ms=$outside_ms (exec of the binary to the ui-ready line, 20 ms polling)"
} >"$artifacts/timing.txt"

[[ $line == *"screen=sos"* ]] || { echo "FAIL: the SOS screen was not shown" >&2; exit 1; }
[[ $rc == 0 ]] || { echo "FAIL: the app did not exit cleanly (exit $rc)" >&2; exit 1; }
[[ -s $artifacts/sos-screen.png || -s $artifacts/sos-screen.xwd ]] || { echo "FAIL: no screenshot" >&2; exit 1; }
echo "PASS: SOS screen shown, screenshot in $artifacts, clean exit"
