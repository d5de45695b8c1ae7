#!/usr/bin/env bash
# One scheduler tick at scale (issue 4): 1 million open matters with 3 million timer rows
# spread over the coming year; a manual clock moves a minute a tick and each tick finds the
# due rows by index and fires them (reminders, overdue marks). Target: p99 ≤ 50 ms a tick,
# cost O(due timers), not O(matters) — shown by running the same due-per-tick load at a
# tenth of the matters (ten-minute ticks) and comparing.
#
#   MATTERS (1000000)  TICKS (300)  PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres; empty to skip)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
MATTERS=${MATTERS:-1000000}; TICKS=${TICKS:-300}
PG_ADMIN=${PG_ADMIN-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release -q -p minsheng-web --example timers
BIN=$CARGO_TARGET_DIR/release/examples/timers

echo "== SQLite, $MATTERS matters, one-minute ticks"
MATTERS=$MATTERS TICKS=$TICKS STEP_SECS=60 "$BIN"
echo "== SQLite, $((MATTERS / 10)) matters, ten-minute ticks (the same timers due a tick)"
MATTERS=$((MATTERS / 10)) TICKS=$TICKS STEP_SECS=600 "$BIN"
if [ -n "$PG_ADMIN" ]; then
  db=minsheng_bench_timers
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  echo "== PostgreSQL, $MATTERS matters, one-minute ticks, 90 s after the bulk load (autovacuum done)"
  DATABASE_URL="${PG_ADMIN%/*}/$db" MATTERS=$MATTERS TICKS=$TICKS STEP_SECS=60 SETTLE_SECS=90 "$BIN"
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db"
fi
