#!/usr/bin/env bash
# The patrol unit page in the real desktop app (WebKitGTK) under Xvfb, end
# to end, checked on the server:
#   a server with a unit and an operator; an SOS from auxilio-sim dispatched
#   to the unit; the app started with role `unit` and a saved login (as after
#   a restart) shows the unit screen (`ui-ready screen=unit`) with the
#   assignment read through IPC; then, clicking like a person (XTest):
#   on duty (server: available), accept, "En camino" (server: en_route),
#   "En el lugar" (on_scene), "Cerrar con resultado" (resolved, attended).
# Screenshots of each step go to $OUT. Clicks are at fixed points of the
# 420x780 window, so a layout change of the unit page needs new points here.
#
#   cargo build -p auxilio-app -p auxilio-server -p auxilio-sim
#   CARGO_TARGET_DIR=... src-tauri/tests/xvfb-unit.sh
#
# Needs: Xvfb, ImageMagick `import`, libXtst (python3 ctypes), curl.
set -euo pipefail
T=${CARGO_TARGET_DIR:?}/debug
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$here/../artifacts}
PORT=${PORT:-18931}
DISP=${DISP:-:77}
mkdir -p "$OUT"
work=$(mktemp -d)
db=$work/server.db
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export AUXILIO_LOG=warn

# 1. Server, accounts, an SOS dispatched to the unit.
unit=$("$T/auxilio-server" --db "$db" create-unit --call-sign "Serenazgo 07" | sed -n 's/.*unit \([0-9]*\) created.*/\1/p')
op=$("$T/auxilio-server" --db "$db" create-account --username operador1 --role operator | sed -n 's/.*(shown once): \([^ ]*\).*/\1/p')
up=$("$T/auxilio-server" --db "$db" create-account --username unidad07 --role unit --unit "$unit" | sed -n 's/.*(shown once): \([^ ]*\).*/\1/p')
code=$("$T/auxilio-server" --db "$db" create-code --qr "$work/qr.svg" | sed -n 's/.*code: \([^ ]*\).*/\1/p')
"$T/auxilio-server" --db "$db" serve --listen 127.0.0.1:$PORT >"$OUT/server.log" 2>&1 &
pids+=($!)
url=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done
login() { curl -sf -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" "$url/api/v1/login"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ulogin=$(login unidad07 "$up")
optok=$(login operador1 "$op" | json '["token"]')
utok=$(echo "$ulogin" | json '["token"]')
curl -sf -H "authorization: Bearer $utok" -H 'content-type: application/json' -d '{"lat":-8.0712,"lon":-79.002,"available":true}' "$url/api/v1/units/me" >/dev/null
id=$("$T/auxilio-sim" raise --server "$url" --data "$work/phone" --code "$code" --phone "+51 987 000 010" --name "Rosa Quispe Demo" --role resident --kind violencia --lat -8.0625 --lon -78.9915 --accuracy 12 2>/dev/null | sed -n 's/.*received \([^ ]*\).*/\1/p' | head -1)
[[ -n $id ]] || { echo "FAIL: no alert raised" >&2; exit 1; }
tr() { curl -sf -H "authorization: Bearer $optok" -H 'content-type: application/json' -d "$2" "$url/api/v1/alerts/$1/transition" >/dev/null; }
tr "$id" '{"to":"acknowledged"}'
tr "$id" "{\"to\":\"dispatched\",\"unit_id\":$unit}"
alert_is() { curl -sf -H "authorization: Bearer $optok" "$url/api/v1/alerts/$id" | python3 -c "import json,sys; a=json.load(sys.stdin)['alert']; sys.exit(0 if (a['status'], a.get('outcome')) == ('$1', ${2:-None}) else 1)"; }
available_is() { curl -sf -H "authorization: Bearer $optok" "$url/api/v1/units" | python3 -c "import json,sys; sys.exit(0 if [u['available'] for u in json.load(sys.stdin) if u['id']==$unit]==[$1] else 1)"; }
# Waits (up to 10 s) for a condition; fails the run with its name.
wait_for() {
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done
  echo "FAIL: $what" >&2; exit 1
}

# 2. The app's data directory: role unit, the saved login.
data=$work/app
mkdir -p "$data"
echo '{"role":"unit"}' >"$data/settings.json"
echo "$ulogin" | python3 -c "
import json,sys; l=json.load(sys.stdin)
json.dump({'server':'$url/','token':l['token'],'account':l['account']}, open('$data/unit-session.json','w'))"
chmod 600 "$data/unit-session.json"

# 3. Xvfb, the app, XTest clicks.
Xvfb "$DISP" -screen 0 480x900x24 >/dev/null 2>&1 &
pids+=($!)
cat >"$work/click.py" <<'PY'
import ctypes, sys, time
x11 = ctypes.cdll.LoadLibrary("libX11.so.6"); xt = ctypes.cdll.LoadLibrary("libXtst.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
d = ctypes.c_void_p(x11.XOpenDisplay(None))
if not d: sys.exit("no display")
xt.XTestFakeMotionEvent(d, -1, int(sys.argv[1]), int(sys.argv[2]), 0); x11.XFlush(d); time.sleep(0.1)
xt.XTestFakeButtonEvent(d, 1, 1, 0); x11.XFlush(d); time.sleep(0.05)
xt.XTestFakeButtonEvent(d, 1, 0, 0); x11.XFlush(d)
x11.XCloseDisplay(d)
PY
for _ in $(seq 1 50); do DISPLAY=$DISP python3 -c 'import ctypes; x=ctypes.cdll.LoadLibrary("libX11.so.6"); x.XOpenDisplay.restype=ctypes.c_void_p; exit(0 if x.XOpenDisplay(None) else 1)' && break; sleep 0.1; done
export DISPLAY=$DISP
AUXILIO_DATA_DIR="$data" AUXILIO_SERVER="$url" WEBKIT_DISABLE_DMABUF_RENDERER=1 AUXILIO_LOG=info \
  "$T/auxilio-app" >"$OUT/app.out" 2>"$OUT/app.err" &
pids+=($!)
click() { python3 "$work/click.py" "$1" "$2"; }
shot() { import -window root "$OUT/$1.png" || true; }
wait_for "the unit screen (ui-ready screen=unit)" grep -q "ui-ready screen=unit" "$OUT/app.out"
sleep 1 # the first paint after the probe
shot unit-1-assigned

click 41 118 # "Fuera de servicio" -> on duty
wait_for "on duty: the unit available on the server" available_is True
sleep 0.5
shot unit-2-on-duty
click 210 390 # "Aceptar" (silences the alarm)
sleep 0.5
click 210 458 # "En camino"
wait_for "en route on the server" alert_is en_route
sleep 0.5
shot unit-3-en-route
click 210 458 # "En el lugar"
wait_for "on scene on the server" alert_is on_scene
sleep 0.5
click 175 543 # "Cerrar con resultado" (atendido)
wait_for "resolved (attended) on the server" alert_is resolved "'attended'"
sleep 0.5
shot unit-4-resolved
echo "ok: the unit page in the app logged in from the saved login, went on duty, accepted, en route, on scene, resolved (attended)"
