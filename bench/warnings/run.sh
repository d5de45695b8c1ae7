#!/usr/bin/env bash
# Three-colour warnings at scale: builds the release binary and the demo county (MATTERS,
# default 1,000,000), then starts `minsheng serve` on it and reads from its log how long the
# evaluator takes to fold every open and recent matter at start, how many warnings its first
# pass raises (with their responses), and what a full sweep costs afterwards; then times the
# warning list, the clusters and the board page as the county clerk (medians of 11), and the
# server's RSS. Warnings are evaluated in memory from facts kept per matter
# (docs/decisions/0008).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
MATTERS="${MATTERS:-1000000}"
PORT="${PORT:-18182}"
cargo build --release -q -p minsheng
bin="$CARGO_TARGET_DIR/release/minsheng"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; rm -rf "$dir"' EXIT
start=$(date +%s.%N)
"$bin" demo --matters "$MATTERS" --data-dir "$dir" --no-serve >"$dir/demo.log" 2>&1
echo "demo county of $MATTERS matters built in $(echo "$(date +%s.%N) - $start" | bc) s"
log="$dir/serve.log"
MINSHENG_LOG="info,minsheng_web::warnings=debug" \
  "$bin" serve --database-url "$dir/minsheng.db" --listen "127.0.0.1:$PORT" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -q "warning sweep" "$log" && break; sleep 0.5; done
grep -q "warning sweep" "$log" || { echo "no sweep in 10 minutes"; tail "$log"; exit 1; }
echo "start (evaluator loaded):   $(grep -o 'warning evaluator loaded.*' "$log" | head -1)"
echo "first pass (raise+respond): $(grep -o 'warning sweep.*' "$log" | head -1)"
# Later sweeps only re-evaluate (nothing new to raise): wait for three more.
for _ in $(seq 1 240); do [ "$(grep -c 'warning sweep' "$log")" -ge 4 ] && break; sleep 0.5; done
echo "later sweeps, elapsed_ms:   $(grep -o 'warning sweep.*' "$log" | tail -n +2 | grep -o 'elapsed_ms=[0-9]*' | tr '\n' ' ')"
base="http://127.0.0.1:$PORT"
token=$(curl -sf -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"clerk","password":"minsheng2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() {
  for _ in $(seq 1 11); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$1"
  done | median
}
for path in "/api/v1/warnings?limit=50" "/api/v1/warnings?level=red&limit=50" "/api/v1/warnings/clusters"; do
  printf '%-40s median %ss\n' "$path" "$(time_of "$path")"
done
# The board page, signed in through the login form.
jar="$dir/cookies"
curl -sf -c "$jar" -b "$jar" -o /dev/null "$base/login"
csrf=$(grep -o 'name="csrf" value="[^"]*"' <(curl -sf -c "$jar" -b "$jar" "$base/login") | head -1 | sed 's/.*value="//; s/"$//')
curl -sf -c "$jar" -b "$jar" -o /dev/null -X POST "$base/login" \
  --data-urlencode "username=clerk" --data-urlencode "password=minsheng2026" --data-urlencode "csrf=$csrf" || true
board=$(for _ in $(seq 1 11); do curl -sf -b "$jar" -o /dev/null -w '%{time_total}\n' "$base/warnings"; done | median)
printf '%-40s median %ss (%s bytes)\n' "/warnings (board page)" "$board" "$(curl -sf -b "$jar" "$base/warnings" | wc -c)"
echo "warnings open by level: $(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/warnings?limit=500" | python3 -c '
import json,sys,collections; print(dict(collections.Counter(w["level"] for w in json.load(sys.stdin)["items"])))') (first 500)"
echo "server RSS: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB, peak $(( $(awk '/VmHWM/ {print $2}' /proc/$pid/status) / 1024 )) MB"
