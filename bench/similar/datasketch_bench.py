#!/usr/bin/env python3
"""The peer side of bench/similar: datasketch MinHash(num_perm=128, seed=1) + MinHashLSH over the
texts in DIR/stored.txt, queried with DIR/queries.txt, the way the anchors' lsh_bench.py does it.

Each line of those files is `count <TAB> text`: `text` is what our similarity module shingles (the
normalised title and body, letters and digits only), `count` the number of distinct character
3-grams our product makes of the original. Shingles here are the same: the set of 3-character
slices of `text` (a shorter, non-empty text is one shingle), checked against `count` for every
text, so both systems index and query exactly the same sets.

Build: MinHash of every stored text (on PROCS processes, default all cores; each worker runs the
anchors' recipe, BASE.copy() then update_batch of the UTF-8 shingles), then `lsh.insert(i, ...)`
into one MinHashLSH(threshold=T, num_perm=128) per threshold, in one process.
Queries: per threshold, one at a time, end to end (MinHash of the text, then lsh.query), at least
R queries and then as many as BUDGET_S seconds allow. The candidates of the first R queries go to
DIR/ds_<T>.bin (per query a little-endian u32 count, then the u32 ids) for similar_peer's recall.
Prints `RESULT {json}` lines.

Usage: datasketch_bench.py DIR R BUDGET_S T [T ...]"""
import json, multiprocessing, os, sys, time

import numpy as np
import datasketch
from datasketch import LeanMinHash, MinHash, MinHashLSH

BASE = MinHash(num_perm=128, seed=1)        # permutations made once, shared through copy()


def shingles(text, k=3):
    return {text[i:i + k] for i in range(len(text) - k + 1)} or ({text} if text else set())


def minhash(text):
    m = BASE.copy()
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def read(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            count, text = line.rstrip("\n").split("\t", 1)
            yield int(count), text


def sign_chunk(lines):
    """Hash values of a chunk of stored lines; -1 for a text whose shingles differ in number."""
    out = np.empty((len(lines), 128), dtype=BASE.hashvalues.dtype)
    bad = 0
    for row, (count, text) in enumerate(lines):
        if len(shingles(text)) != count:
            bad += 1
        out[row] = minhash(text).hashvalues
    return out, bad


def rss(field):
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith(field)).split()[1]) // 1024


def emit(**fields):
    print("RESULT " + json.dumps(fields, ensure_ascii=False), flush=True)


def main():
    folder, recall_queries, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    thresholds = [float(t) for t in sys.argv[4:]]
    procs = int(os.environ.get("PROCS", os.cpu_count() or 1))
    indexes = {t: MinHashLSH(threshold=t, num_perm=128) for t in thresholds}
    emit(step="setup", system="datasketch", version=datasketch.__version__, numpy=np.__version__,
         scheme=BASE.scheme, bands={str(t): [lsh.b, lsh.r] for t, lsh in indexes.items()})

    stored = list(read(os.path.join(folder, "stored.txt")))
    chunk = 20_000
    chunks = [stored[i:i + chunk] for i in range(0, len(stored), chunk)]
    t_insert = 0.0
    bad = 0
    started = time.perf_counter()
    key = 0
    with multiprocessing.Pool(procs) as pool:
        for values, wrong in pool.imap(sign_chunk, chunks):
            t0 = time.perf_counter()
            bad += wrong
            for row in values:
                m = LeanMinHash(seed=1, hashvalues=row, scheme=BASE.scheme)
                for lsh in indexes.values():
                    lsh.insert(key, m, check_duplication=False)
                key += 1
            t_insert += time.perf_counter() - t0
    wall = time.perf_counter() - started
    n = len(stored)
    del stored, chunks
    if bad:
        sys.exit(f"{bad} stored texts shingle to another number of shingles than ours")
    # The workers hash while this process inserts: the wall time is the build's, and the
    # inserting (LeanMinHash + lsh.insert into every index) was most of it.
    emit(step="build", system="datasketch", n=n, procs=procs, wall_s=round(wall, 2), insert_s=round(t_insert, 2),
         docs_per_s=round(n / wall), rss_mib=rss("VmRSS:"), indexes=len(indexes))

    queries = list(read(os.path.join(folder, "queries.txt")))
    for threshold, lsh in indexes.items():
        latencies, counts = [], []
        saved = open(os.path.join(folder, f"ds_{threshold}.bin"), "wb")
        started = time.perf_counter()
        for q, (count, text) in enumerate(queries):
            if q >= recall_queries and time.perf_counter() - started > budget:
                break
            t0 = time.perf_counter()
            found = lsh.query(minhash(text))
            latencies.append(time.perf_counter() - t0)
            counts.append(len(found))
            if q < recall_queries:
                if len(shingles(text)) != count:
                    sys.exit(f"query {q} shingles to another number of shingles than ours")
                ids = np.array(sorted(found), dtype="<u4")
                saved.write(np.array([len(ids)], dtype="<u4").tobytes() + ids.tobytes())
        saved.close()
        ms = np.array(latencies) * 1000
        # Throughput of ten consecutive blocks of lookups, the median one (as similar_peer).
        blocks = [b for b in np.array_split(ms, 10) if len(b)]
        block_qps = float(np.median([len(b) / (b.sum() / 1000) for b in blocks]))
        emit(step="query", system="datasketch", n=n, threshold=threshold, bands=lsh.b, rows=lsh.r,
             queries=len(ms), qps=round(len(ms) / (ms.sum() / 1000), 1), qps_median_block=round(block_qps, 1), p50_ms=round(float(np.percentile(ms, 50)), 3),
             p99_ms=round(float(np.percentile(ms, 99)), 3), max_ms=round(float(ms.max()), 3),
             results_per_query=round(float(np.mean(counts)), 1))
    emit(step="memory", system="datasketch", rss_mib=rss("VmRSS:"), peak_rss_mib=rss("VmHWM:"))


if __name__ == "__main__":
    main()
