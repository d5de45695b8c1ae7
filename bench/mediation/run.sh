#!/usr/bin/env bash
# A mediation committee's books at demo scale: builds the release binary, generates the demo
# county (MATTERS, default 30,000: about 7,000 disputes, every one mediated), then times each
# register of the busiest township committee (枫桥镇人民调解委员会) for a whole year and its
# monthly counts, 7 requests each, and prints the medians. The registers are computed from the
# disputes' event histories on every request (docs/decisions/0006).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
MATTERS="${MATTERS:-30000}"
PORT="${PORT:-18181}"
cargo build --release -q -p minsheng
bin="$CARGO_TARGET_DIR/release/minsheng"
dir=$(mktemp -d)
log="$dir/demo.log"
"$bin" demo --matters "$MATTERS" --listen "127.0.0.1:$PORT" --data-dir "$dir" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do grep -q "listening on" "$log" && break; sleep 0.5; done
base="http://127.0.0.1:$PORT"
token=$(curl -sf -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"clerk_109","password":"minsheng2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
committee=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/units" | python3 -c \
  'import json,sys; print(next(u["id"] for u in json.load(sys.stdin)["items"] if u["name"]=="枫桥镇人民调解委员会"))')
to=$(date -u +%F)
from=$(date -u -d "$to -1 year +1 day" +%F)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() {
  for _ in 1 2 3 4 5 6 7; do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$1"
  done | median
}
echo "committee $committee, $from … $to, $MATTERS matters in the county"
for kind in screening mediation agreements visits summary; do
  url="$base/api/v1/mediation/registers/$kind.xlsx?committee_id=$committee&from=$from&to=$to"
  rows=$(curl -sf -H "Authorization: Bearer $token" "$url" | python3 -c '
import sys, zipfile, io, re
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
print(len(re.findall(rb"<row ", z.read("xl/worksheets/sheet1.xml"))) - 1)')
  printf '%-11s %5s rows  median %ss\n' "$kind" "$rows" "$(time_of "$url")"
done
month_from=$(date -u -d "$to -1 month +1 day" +%F)
printf '%-11s            median %ss\n' "month JSON" \
  "$(time_of "$base/api/v1/mediation/summary?committee_id=$committee&from=$month_from&to=$to")"
