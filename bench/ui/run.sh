#!/usr/bin/env bash
# Staff-page latency at scale: the workbench and a filtered matter list, rendered server-side
# for signed-in users of three scopes (county clerk, township clerk, department handler),
# measured with wrk over loopback. Also reports page sizes. Targets: p50 ≤ 15 ms, p99 ≤ 50 ms
# at 1 million matters; pages < 100 kB of HTML, < 300 kB of JS+CSS.
#
#   DATABASE_URL  an existing demo database (default: build one with MATTERS in a temp dir)
#   MATTERS (1000000)  DURATION (15)  CONNS (8)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
MATTERS=${MATTERS:-1000000}; DURATION=${DURATION:-15}; CONNS=${CONNS:-8}; PORT=${PORT:-8183}
cargo build --release -q -p minsheng
BIN=$CARGO_TARGET_DIR/release/minsheng
WORK=$(mktemp -d /tmp/minsheng-ui.XXXXXX)
trap 'kill $(cat $WORK/pid 2>/dev/null) 2>/dev/null || true; rm -rf $WORK' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  "$BIN" demo --matters "$MATTERS" --no-serve --data-dir "$WORK/demo" > /dev/null
  DATABASE_URL=$WORK/demo/minsheng.db
fi
MINSHENG_LOG=warn "$BIN" serve --database-url "$DATABASE_URL" --listen 127.0.0.1:$PORT > "$WORK/serve.log" 2>&1 &
echo $! > "$WORK/pid"
for _ in $(seq 300); do curl -sf http://127.0.0.1:$PORT/readyz > /dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:$PORT

# Sign in through the real form: GET the login page for its token, POST the form.
session() {
  local jar=$WORK/$1.jar csrf
  csrf=$(curl -s -c "$jar" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=$1" --data-urlencode "password=minsheng2026" \
    --data-urlencode "csrf=$csrf" --data-urlencode "next=/" "$URL/login"
  awk '$6 == "ms_session" {print $7}' "$jar"
}

for user in clerk clerk_109 handler_zjj; do
  cookie="ms_session=$(session $user)"
  for page in "/" "/matters?status=in_progress&kind=request"; do
    bytes=$(curl -s -H "Cookie: $cookie" "$URL$page" | wc -c)
    echo "== $user $page (${bytes} bytes of HTML)"
    wrk -t2 -c$CONNS -d${DURATION}s --latency -H "Cookie: $cookie" "$URL$page" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx"
  done
done
css=$(curl -s "$URL/assets/app.css" | wc -c); js=$(curl -s "$URL/assets/htmx.min.js" | wc -c)
echo "RESULT assets: app.css $css bytes, htmx.min.js $js bytes, total $((css + js))"
grep -E 'VmRSS|VmHWM' /proc/$(cat "$WORK/pid")/status | tr -s ' \t' ' ' | sed 's/^/RESULT server /'
