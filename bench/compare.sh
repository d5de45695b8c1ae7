#!/usr/bin/env bash
# Side-by-side intake comparison in one run on this machine: the bare axum + SQLite ceiling
# probe, django-helpdesk and Request Tracker 5 (set up by the peers' own scripts), then
# Minsheng on SQLite and PostgreSQL. Every system is driven by wrk over loopback with the same
# Chinese payloads (gen_payloads.py 5000 42). Prints RESULT lines; see bench/README.md.
#
#   SHARED   the directory holding the peers' scripts: ceiling/, peers/, gen_payloads.py
#            (default ../shared/bench beside the repository)
#   PEERS    which peers to run (default "ceiling djh rt5")
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd .. && pwd)/shared/bench}
PEERS=${PEERS:-ceiling djh rt5}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }

for peer in $PEERS; do
  case $peer in
    ceiling)
      echo "== ceiling: bare axum, JSON parse + 2 SQLite rows through one group-committing writer"
      CEIL_TARGET=$HOME/.cache/minsheng-ceiling-target
      (cd "$SHARED/ceiling" && CARGO_TARGET_DIR=$CEIL_TARGET cargo build --release -q)
      rm -f /tmp/minsheng-ceiling.db*
      "$CEIL_TARGET/release/ceiling" /tmp/minsheng-ceiling.db & cpid=$!
      sleep 1
      python3 "$SHARED/peers/common/make_bodies.py" djh 5000 42 > /tmp/minsheng-ceiling-bodies.jsonl
      for c in 16 64; do
        echo "-- ceiling /durable, $c connections"
        BODIES=/tmp/minsheng-ceiling-bodies.jsonl wrk -t2 -c$c -d15s -s "$SHARED/peers/common/cycle_post.lua" \
          http://127.0.0.1:8099/durable | grep RESULT
      done
      kill $cpid; rm -f /tmp/minsheng-ceiling.db*
      ;;
    djh)
      echo "== django-helpdesk 2.6.1, 4 gunicorn workers, SQLite WAL, 16 connections"
      (cd "$SHARED/peers/django-helpdesk" && ./setup.sh > /dev/null && DJH_JOURNAL=wal DJH_WORKERS=4 ./start.sh > /dev/null \
        && ./load.sh create; ./stop.sh > /dev/null) | grep RESULT
      ;;
    rt5)
      echo "== Request Tracker 5, SQLite WAL, 2 workers, token auth, 16 connections"
      (cd "$SHARED/peers/rt5" && ./setup.sh > /dev/null 2>&1 && RT_JOURNAL=wal ./start.sh > /dev/null \
        && ./load.sh create; ./stop.sh > /dev/null) | grep RESULT
      ;;
  esac
done

echo "== Minsheng"
CONNS=16 ENGINE=sqlite bench/intake/run.sh
CONNS=64 ENGINE=both bench/intake/run.sh
