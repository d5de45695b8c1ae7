#!/usr/bin/env bash
# One million matters: how long `minsheng demo --matters 1000000` takes to load a year of
# history (target: under 5 minutes), and the server's memory with them stored, while wrk
# registers more and lists pages (target: RSS ≤ 200 MB).
#   MATTERS (1000000)  DURATION (20)  CONNS (64)  DATABASE_URL (default: SQLite in a temp dir)
#   SKIP_LOAD=1 reuses the database at DATABASE_URL as it is
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
MATTERS=${MATTERS:-1000000}; DURATION=${DURATION:-20}; CONNS=${CONNS:-64}; PORT=${PORT:-8182}
PAYLOADS=${PAYLOADS:-../shared/bench/gen_payloads.py}
cargo build --release -q -p minsheng
BIN=$CARGO_TARGET_DIR/release/minsheng
WORK=$(mktemp -d /tmp/minsheng-million.XXXXXX)
trap 'kill $(cat $WORK/pid 2>/dev/null) 2>/dev/null || true; rm -rf $WORK' EXIT
if [ -n "${DATABASE_URL:-}" ]; then URL=$DATABASE_URL; LOC=(--database-url "$URL"); else URL=$WORK/demo/minsheng.db; LOC=(--data-dir "$WORK/demo"); fi

if [ -n "${SKIP_LOAD:-}" ]; then echo "== reusing $URL"; else
echo "== loading $MATTERS matters"
/usr/bin/time -f "RESULT load wall_s=%e max_rss_kb=%M" "$BIN" demo --matters "$MATTERS" --no-serve "${LOC[@]}" > /dev/null
fi
[ -f "$URL" ] && du -h "$URL" | sed 's/^/RESULT database size /'

MINSHENG_LOG=warn "$BIN" serve --database-url "$URL" --listen 127.0.0.1:$PORT > "$WORK/serve.log" 2>&1 &
echo $! > "$WORK/pid"
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/readyz > /dev/null && break; sleep 0.1; done
rss() { grep -E "$1" /proc/$(cat "$WORK/pid")/status | tr -s ' \t' ' '; }
echo "RESULT idle $(rss VmRSS)"
TOKEN=$(curl -sf -H 'content-type: application/json' -d '{"username":"clerk","password":"minsheng2026"}' \
  http://127.0.0.1:$PORT/api/v1/auth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -sf -H "authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/units > "$WORK/units.json"
python3 "$PAYLOADS" 5000 42 | python3 bench/intake/make_bodies.py "$WORK/units.json" > "$WORK/bodies.jsonl"
export BODIES=$WORK/bodies.jsonl AUTH="Bearer $TOKEN"
echo "== registering for ${DURATION}s with $MATTERS stored"
wrk -t2 -c$CONNS -d${DURATION}s --timeout 10s -s bench/intake/post.lua http://127.0.0.1:$PORT/api/v1/matters | grep RESULT
echo "== listing (status filter, 50 a page) for ${DURATION}s"
wrk -t2 -c16 -d${DURATION}s -H "Authorization: Bearer $TOKEN" --latency "http://127.0.0.1:$PORT/api/v1/matters?status=in_progress&limit=50" \
  | grep -E "Requests/sec|50%|99%"
echo "RESULT after load $(rss 'VmRSS|VmHWM' | paste -sd' ')"
