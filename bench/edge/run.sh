#!/usr/bin/env bash
# Bad networks, measured: the real auxilio-sim against the real auxilio-server
# over a link made like 2G/EDGE, between two network namespaces of its own:
#
#   phone ns: auxilio-sim ── edge0 (TUN) ─┐                 ┌─ edge0 (TUN) ── auxilio-server :server ns
#             tc tbf 50 kbit, nft 10 % loss└─ delayline.py ─┘ tc tbf 50 kbit, nft 10 % loss
#                                            300 ms each way
#
# Each SOS is one `auxilio-sim raise` from a fresh copy of an enrolled phone
# (a cold process and a new TCP connection, as after a tap on an idle phone).
# Tap → stored is the server's received_at_ms minus the alert's created_at_ms
# (one machine, one clock). Bytes are the IP packets each side put on the
# link (nftables counters before the drop: retransmissions included).
#
# Needs root (namespaces, tc, nftables); `cargo xtask bench` builds the release
# binaries and installs nftables first. Settings: AUXILIO_EDGE_SOS (200),
# AUXILIO_EDGE_TRACK_S (300), AUXILIO_EDGE_DELAY_MS (300), AUXILIO_EDGE_LOSS_PCT
# (10), AUXILIO_EDGE_RATE (50kbit).
set -euo pipefail

SOS=${AUXILIO_EDGE_SOS:-200}
TRACK_S=${AUXILIO_EDGE_TRACK_S:-300}
DELAY_MS=${AUXILIO_EDGE_DELAY_MS:-300}
LOSS_PCT=${AUXILIO_EDGE_LOSS_PCT:-10}
RATE=${AUXILIO_EDGE_RATE:-50kbit}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${CARGO_TARGET_DIR:-$HERE/../../target}/release
PH=auxedge-ph$$
SV=auxedge-sv$$
SERVER=http://10.77.0.2:8080
WORK=$(mktemp -d)
PIDS=()

if [ "$(id -u)" != 0 ]; then
    echo "edge: needs root (network namespaces, tc, nftables)" >&2
    exit 2
fi
for tool in ip tc nft python3 curl jq; do
    command -v "$tool" >/dev/null || { echo "edge: $tool is missing" >&2; exit 2; }
done
for bin in auxilio-server auxilio-sim; do
    [ -x "$BIN/$bin" ] || { echo "edge: $BIN/$bin is missing (cargo build --release -p $bin)" >&2; exit 2; }
done

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$PH" 2>/dev/null || true
    ip netns del "$SV" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# One end of the link: a TUN device, shaped, lossy and counted on its way out.
link_end() {
    local ns=$1 addr=$2 peer=$3
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add dev edge0 mode tun
    ip -n "$ns" addr add "$addr" peer "$peer" dev edge0
    ip -n "$ns" link set edge0 up
    tc -n "$ns" qdisc add dev edge0 root tbf rate "$RATE" burst 1600 latency 5s
    ip netns exec "$ns" nft -f - <<EOF
table inet edge {
    counter wire { }
    counter syn { }
    chain out {
        type filter hook output priority 0; policy accept;
        oifname "edge0" counter name "wire"
        oifname "edge0" tcp flags & syn == syn counter name "syn"
        oifname "edge0" numgen random mod 100 < $LOSS_PCT drop
    }
}
EOF
}

# Bytes a counter has seen, both namespaces together.
bytes() {
    local total=0 ns n
    for ns in "$PH" "$SV"; do
        n=$(ip netns exec "$ns" nft -j list counter inet edge "$1" | jq '.nftables[] | .counter.bytes // empty')
        total=$((total + n))
    done
    echo "$total"
}

# Waits (up to $2 s) for a line in file $1 matching $3.
wait_for_line() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        grep -q "$3" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "edge: no '$3' in $1 after $2 s" >&2
    cat "$1" >&2
    return 1
}

link_end "$PH" 10.77.0.1 10.77.0.2
link_end "$SV" 10.77.0.2 10.77.0.1
ip netns exec "$PH" python3 "$HERE/delayline.py" "$SV" "$DELAY_MS" >"$WORK/delayline.out" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/delayline.out" 10 "up"

ip netns exec "$SV" "$BIN/auxilio-server" demo --db "$WORK/server.db" --listen 10.77.0.2:8080 \
    --info-file "$WORK/info" >"$WORK/server.out" 2>"$WORK/server.log" &
PIDS+=($!)
wait_for_line "$WORK/info" 60 "^code="
CODE=$(sed -n 's/^code=//p' "$WORK/info")
PASSWORD=$(sed -n 's/^  operator: *central \/ //p' "$WORK/server.out")

sim() { ip netns exec "$PH" env RUST_LOG=warn "$BIN/auxilio-sim" "$@"; }
phone=(--server "$SERVER" --lat -8.0712 --lon -79.0031 --accuracy 8 --kind asalto --wait-timeout-s 120)

# One enrolled phone (over the link too), copied for every SOS.
sim deliver --server "$SERVER" --data "$WORK/phone" --code "$CODE" --timeout-s 120 >/dev/null
echo "edge: link $RATE, ${DELAY_MS} ms each way, ${LOSS_PCT} % loss each way; $SOS SOS, then ${TRACK_S} s of tracking"

start_wire=$(bytes wire) start_syn=$(bytes syn)
for ((i = 1; i <= SOS; i++)); do
    rm -rf "$WORK/sos" && cp -a "$WORK/phone" "$WORK/sos"
    sim raise "${phone[@]}" --data "$WORK/sos" >"$WORK/raise.out"
    grep -q '^received ' "$WORK/raise.out" || { echo "edge: SOS $i not received" >&2; exit 1; }
    sed -n 's/^received //p' "$WORK/raise.out" >>"$WORK/ids"
    if ((i % 50 == 0)); then echo "edge: $i SOS stored"; fi
done
sleep 2 # the last connection's FIN exchange, so it is counted with the SOS
sos_wire=$(($(bytes wire) - start_wire))
sos_syn=$(($(bytes syn) - start_syn))

# Tracking: one SOS, then the phone stays up (positions every 10 s, status polls every 5 s).
rm -rf "$WORK/track" && cp -a "$WORK/phone" "$WORK/track"
sim raise "${phone[@]}" --data "$WORK/track" --stay-s "$TRACK_S" >"$WORK/track.out" &
TRACKER=$!
wait_for_line "$WORK/track.out" 120 "^received "
track_start=$(bytes wire)
wait "$TRACKER"
grep -q '^stayed ' "$WORK/track.out" || { echo "edge: the tracking phone did not stay up" >&2; exit 1; }
track_wire=$(($(bytes wire) - track_start))

# Tap → stored, from the server's own record (the operator's alert list).
TOKEN=$(ip netns exec "$SV" curl -sf "$SERVER/api/v1/login" -H 'content-type: application/json' \
    -d "{\"username\":\"central\",\"password\":\"$PASSWORD\"}" | jq -r .token)
ip netns exec "$SV" curl -sf "$SERVER/api/v1/alerts?limit=1000" -H "authorization: Bearer $TOKEN" >"$WORK/alerts.json"
jq -r --rawfile ids "$WORK/ids" \
    '($ids | split("\n") | map(select(. != ""))) as $want
     | .alerts[] | select(.id as $id | $want | index($id)) | .received_at_ms - .created_at_ms' \
    "$WORK/alerts.json" | sort -n >"$WORK/latency"
stored=$(wc -l <"$WORK/latency")
[ "$stored" -eq "$SOS" ] || { echo "edge: $SOS SOS received, $stored stored" >&2; exit 1; }

pct() { awk -v q="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * q + 0.5) + 1; print v[i] }' "$WORK/latency"; }
p50=$(pct 0.5) p90=$(pct 0.9) p95=$(pct 0.95) p99=$(pct 0.99) max=$(pct 1)
spread=$(awk '{ if ($1 <= 1000) a++; else if ($1 <= 2000) b++; else if ($1 <= 3000) c++; else if ($1 <= 5000) d++; else e++ }
    END { printf "≤ 1 s: %d, 1–2 s: %d, 2–3 s: %d, 3–5 s: %d, > 5 s: %d", a, b, c, d, e }' "$WORK/latency")
per_sos=$((sos_wire / SOS)) per_sos_up=$(((sos_wire - sos_syn) / SOS))
per_hour=$((track_wire * 3600 / TRACK_S))
verdict() { if [ "$1" -le "$2" ]; then echo met; else echo MISSED; fi; }
echo "result: $SOS SOS over ${RATE}/${DELAY_MS} ms/${LOSS_PCT} %: tap → stored p50 $p50 ms, p90 $p90 ms," \
    "p95 $p95 ms, p99 $p99 ms, max $max ms (target p95 ≤ 3000 ms: $(verdict "$p95" 3000))"
echo "result: tap → stored $spread"
echo "result: per SOS $per_sos bytes on the wire both ways, $per_sos_up without the SYNs" \
    "(target ≤ 2048: $(verdict "$per_sos_up" 2048))"
echo "result: tracking $track_wire bytes in $TRACK_S s = $per_hour bytes per hour" \
    "(target ≤ 102400: $(verdict "$per_hour" 102400))"
