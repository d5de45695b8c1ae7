#!/usr/bin/env bash
# Similar matters at one million (issue 6), against datasketch in the same run: a lookup of a new
# matter among N stored ones, p99 ≤ 10 ms; throughput ≥ 10× datasketch's MinHashLSH with the same
# shingles and texts; recall ≥ 0.95 against exact Jaccard. For each corpus, in one run:
#  1. the texts: `register` is the synthetic hotline register the similarity tests use (one in
#     eight stored complaints a re-filing of another; half the queries re-filings of stored ones),
#     `anchor` the peers' generated payloads (gen_payloads.py N 7 stored, NQ 8 queries, as the
#     anchors' lsh_bench.py used them: 17 templates, so thousands of near-copies of every text);
#     both written once as the text our signature shingles (normalised title and body, letters and
#     digits only), so both systems shingle the same character 3-grams of the same strings, and
#     each checks its shingle count against our product's for every text;
#  2. datasketch 2.0.0 (MinHash num_perm=128 seed=1, MinHashLSH at each threshold, the anchors'
#     recipe; installed into a venv under CACHE when missing): build, then the queries one at a
#     time, end to end (MinHash of the text + lsh.query, all candidates returned);
#  3. ours (`crates/search/examples/similar_peer.rs`): build, then the same queries one at a time,
#     end to end (text → signature → every stored id estimated ≥ T − 2σ(T), σ(T) = √(T(1−T)/128), ranked), then exact
#     Jaccard of the first R queries against every stored text, and recall and precision of both;
#  4. a table per threshold with the ratio (bench/similar/report.py): throughput on each side is
#     the median q/s of ten consecutive blocks of its lookups (a burst of noise on the VM spoils a
#     block, not the figure); the whole passes' ratio is printed beside it.
# Thresholds: 0.5 (our module's) and 0.8 (the anchors'). Each query pass runs at least R queries,
# then up to NQ while under BUDGET seconds. ≈ 15 minutes for both corpora at 1 M.
#
#   N (1000000)  NQ (10000)  R (500)  BUDGET (60)  CORPORA ("register anchor")
#   SHARED  the directory holding gen_payloads.py (../shared/bench beside the repository)
#   CACHE   where the datasketch venv lives ($HOME/.cache/minsheng-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}"
N=${N:-1000000}; NQ=${NQ:-10000}; R=${R:-500}; BUDGET=${BUDGET:-60}
CORPORA=${CORPORA:-register anchor}
THRESHOLDS=(0.5 0.8)
SHARED=${SHARED:-$(cd .. && pwd)/shared/bench}
CACHE=${CACHE:-$HOME/.cache/minsheng-bench}
VENV=$CACHE/venv-datasketch
HERE=bench/similar

if ! "$VENV/bin/python" -c 'import datasketch' 2>/dev/null; then
  echo "== installing datasketch 2.0.0 into $VENV"
  mkdir -p "$CACHE"; python3 -m venv "$VENV"; "$VENV/bin/pip" install -q datasketch==2.0.0
fi
cargo build --release -q -p minsheng-search --example similar_peer
BIN=$CARGO_TARGET_DIR/release/examples/similar_peer
WORK=$(mktemp -d /tmp/minsheng-similar.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "RESULT machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; load average $(cut -d' ' -f1-3 /proc/loadavg)"

tsv() { python3 -c 'import json, sys
for line in sys.stdin:
    d = json.loads(line); print(d["title"] + "\t" + d["body"])'; }

for corpus in $CORPORA; do
  D=$WORK/$corpus; mkdir -p "$D"
  echo "== $corpus: $N stored texts, $NQ queries"
  case $corpus in
    register) "$BIN" prepare-register "$D" "$N" "$NQ" ;;
    anchor)
      python3 "$SHARED/gen_payloads.py" "$N" 7 | tsv > "$D/stored.tsv"
      python3 "$SHARED/gen_payloads.py" "$NQ" 8 | tsv > "$D/queries.tsv"
      "$BIN" prepare-tsv "$D" ;;
    *) echo "unknown corpus $corpus"; exit 2 ;;
  esac
  echo "== $corpus: datasketch"
  /usr/bin/time -o "$D/ds.time" -f '%e %M' "$VENV/bin/python" $HERE/datasketch_bench.py "$D" "$R" "$BUDGET" "${THRESHOLDS[@]}" \
    | tee "$D/ds.log"
  echo "RESULT datasketch process: wall $(cut -d' ' -f1 "$D/ds.time") s, peak RSS $(( $(cut -d' ' -f2 "$D/ds.time") / 1024 )) MiB"
  echo "== $corpus: ours"
  /usr/bin/time -o "$D/ours.time" -f '%e %M' "$BIN" bench "$D" "$R" "$BUDGET" "${THRESHOLDS[@]}" | tee "$D/ours.log"
  echo "RESULT ours process: wall $(cut -d' ' -f1 "$D/ours.time") s, peak RSS $(( $(cut -d' ' -f2 "$D/ours.time") / 1024 )) MiB (index, texts and the ground truth's inverted lists)"
  python3 $HERE/report.py "$corpus" "$D/ds.log" "$D/ours.log"
  rm -f "$D"/*.tsv "$D"/stored.txt
done
