#!/usr/bin/env bash
# Intake benchmark: wrk drives concurrent clients that register realistic Chinese matters over
# HTTP (POST /api/v1/matters as the county clerk, into random villages of the demo county).
# Every acknowledged matter is durable, sealed into the hash chain and projected; afterwards
# `minsheng verify` recounts the chain, and the server's RSS is read from /proc.
#
#   ENGINE    sqlite | postgres | both (default both)
#   CONNS     concurrent connections (default 64)     THREADS  wrk threads (default 2)
#   DURATION  seconds measured (default 30)           WARMUP   seconds of warm-up (default 5)
#   PG_URL    server for the postgres run (default postgres://postgres@127.0.0.1:5432)
#   PAYLOADS  the peers' payload generator (default ../shared/bench/gen_payloads.py beside the repo)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
ENGINE=${ENGINE:-both}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}; DURATION=${DURATION:-30}; WARMUP=${WARMUP:-5}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PAYLOADS=${PAYLOADS:-../shared/bench/gen_payloads.py}
PORT=${PORT:-8181}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p minsheng
BIN=$CARGO_TARGET_DIR/release/minsheng
WORK=$(mktemp -d /tmp/minsheng-bench.XXXXXX)
trap 'kill $(cat $WORK/pid 2>/dev/null) 2>/dev/null || true; rm -rf $WORK' EXIT
python3 "$PAYLOADS" 5000 42 > "$WORK/payloads.jsonl"

cpu_snap() { awk '/^cpu /{b=$2+$3+$4+$7+$8; print b, b+$5+$6}' /proc/stat; }

one() {
  local engine=$1 url
  if [ "$engine" = sqlite ]; then
    url=$WORK/sqlite/minsheng.db
    "$BIN" demo --matters 0 --no-serve --data-dir "$WORK/sqlite" > /dev/null
  else
    psql "$PG_URL/postgres" -qc "drop database if exists minsheng_bench with (force)" -c "create database minsheng_bench"
    url=$PG_URL/minsheng_bench
    "$BIN" demo --matters 0 --no-serve --database-url "$url" > /dev/null
  fi
  MINSHENG_LOG=warn "$BIN" serve --database-url "$url" --listen 127.0.0.1:$PORT > "$WORK/serve.log" 2>&1 &
  echo $! > "$WORK/pid"
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/readyz > /dev/null && break; sleep 0.1; done
  local token
  token=$(curl -sf -H 'content-type: application/json' -d '{"username":"clerk","password":"minsheng2026"}' \
    http://127.0.0.1:$PORT/api/v1/auth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -sf -H "authorization: Bearer $token" http://127.0.0.1:$PORT/api/v1/units > "$WORK/units.json"
  python3 bench/intake/make_bodies.py "$WORK/units.json" < "$WORK/payloads.jsonl" > "$WORK/bodies.jsonl"
  export BODIES=$WORK/bodies.jsonl AUTH="Bearer $token"
  local W="wrk -t$THREADS -c$CONNS --timeout 10s -s bench/intake/post.lua http://127.0.0.1:$PORT/api/v1/matters"
  $W -d${WARMUP}s > /dev/null
  local before c0 c1 after
  sleep 1
  before=$("$BIN" verify --database-url "$url" | grep -o '[0-9]* events' | cut -d' ' -f1)
  c0=$(cpu_snap)
  echo "== $engine, $CONNS connections, ${DURATION}s"
  $W -d${DURATION}s | grep RESULT
  c1=$(cpu_snap)
  grep -E 'VmRSS|VmHWM' /proc/$(cat "$WORK/pid")/status | tr -s ' \t' ' ' | sed 's/^/RESULT server /'
  kill -TERM "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true
  after=$("$BIN" verify --database-url "$url")
  echo "RESULT verify: $after"
  echo "RESULT matters committed during the run: $(( $(echo "$after" | grep -o '[0-9]* events' | cut -d' ' -f1) - before ))"
  read b0 t0 <<<"$c0"; read b1 t1 <<<"$c1"
  awk -v b=$((b1-b0)) -v t=$((t1-t0)) 'BEGIN{printf "RESULT machine_cpu_busy=%.0f%%\n", 100*b/t}'
}

case $ENGINE in
  both) one sqlite; one postgres ;;
  *) one "$ENGINE" ;;
esac
