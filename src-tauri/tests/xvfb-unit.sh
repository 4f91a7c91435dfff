#!/usr/bin/env bash
# The patrol unit page in the real desktop app (WebKitGTK) under Xvfb: a
# server with a unit and an operator, an SOS from auxilio-sim dispatched to
# the unit, and the app started with role `unit` and a saved login (as after
# a restart). After 12 s the screen is captured: it must show the unit
# logged in and the assignment card (read through IPC, not HTTP). The final
# line prints the alert's status on the server. Nothing is clicked (no
# xdotool here): going on duty and the steps are tested through IPC
# (tests/unit_steps.rs) and in Vitest (ui/tests/unit-tauri.test.ts).
#
#   cargo build -p auxilio-app -p auxilio-server -p auxilio-sim
#   CARGO_TARGET_DIR=... src-tauri/tests/xvfb-unit.sh   # -> $OUT/unit-assigned.png
set -euo pipefail
T=${CARGO_TARGET_DIR:?}/debug
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$here/../artifacts}
PORT=${PORT:-18931}
mkdir -p "$OUT"
work=$(mktemp -d)
db=$work/server.db
export AUXILIO_LOG=warn
unit=$("$T/auxilio-server" --db "$db" create-unit --call-sign "Serenazgo 07" | sed -n 's/.*unit \([0-9]*\) created.*/\1/p')
op=$("$T/auxilio-server" --db "$db" create-account --username operador1 --role operator | sed -n 's/.*(shown once): \([^ ]*\).*/\1/p')
up=$("$T/auxilio-server" --db "$db" create-account --username unidad07 --role unit --unit "$unit" | sed -n 's/.*(shown once): \([^ ]*\).*/\1/p')
code=$("$T/auxilio-server" --db "$db" create-code --qr "$work/qr.svg" | sed -n 's/.*code: \([^ ]*\).*/\1/p')
"$T/auxilio-server" --db "$db" serve --listen 127.0.0.1:$PORT >"$OUT/server.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null || true; rm -rf "$work"' EXIT
url=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$url/api/v1/health" >/dev/null 2>&1 && break; curl -s "$url/" >/dev/null 2>&1 && break; sleep 0.1; done
login() { curl -sf -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" "$url/api/v1/login"; }
ulogin=$(login unidad07 "$up")
optok=$(login operador1 "$op" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
utok=$(echo "$ulogin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -sf -H "authorization: Bearer $utok" -H 'content-type: application/json' -d '{"lat":-8.0712,"lon":-79.002,"available":true}' "$url/api/v1/units/me" >/dev/null
id=$("$T/auxilio-sim" raise --server "$url" --data "$work/phone" --code "$code" --phone "+51 987 000 010" --name "Rosa Quispe Demo" --role resident --kind violencia --lat -8.0625 --lon -78.9915 --accuracy 12 | sed -n 's/.*received \([^ ]*\).*/\1/p' | head -1)
tr() { curl -sf -H "authorization: Bearer $optok" -H 'content-type: application/json' -d "$2" "$url/api/v1/alerts/$1/transition" >/dev/null; }
tr "$id" '{"to":"acknowledged"}'
tr "$id" "{\"to\":\"dispatched\",\"unit_id\":$unit}"
echo "alert $id dispatched to unit $unit"
data=$work/app
mkdir -p "$data"
echo '{"role":"unit"}' >"$data/settings.json"
echo "$ulogin" | python3 -c "
import json,sys; l=json.load(sys.stdin)
json.dump({'server':'$url/','token':l['token'],'account':l['account']}, open('$data/unit-session.json','w'))"
chmod 600 "$data/unit-session.json"
AUXILIO_DATA_DIR="$data" AUXILIO_SERVER="$url" WEBKIT_DISABLE_DMABUF_RENDERER=1 AUXILIO_LOG=info \
  xvfb-run -a -s "-screen 0 480x900x24" bash -c '
    "$0" >"$1/app.out" 2>"$1/app.err" &
    pid=$!
    sleep 12
    import -window root "$1/unit-assigned.png" || true
    kill $pid 2>/dev/null || true
    wait $pid || true
  ' "$T/auxilio-app" "$OUT"
curl -sf -H "authorization: Bearer $optok" "$url/api/v1/alerts/$id" | python3 -c 'import json,sys; a=json.load(sys.stdin)["alert"]; print("server status:", a["status"])'
