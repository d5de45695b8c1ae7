#!/usr/bin/env python3
"""Summary of one corpus of bench/similar: the RESULT lines of datasketch_bench.py and of the
similar_peer example, as one table per threshold with the throughput ratio, and the targets.

Usage: report.py CORPUS DATASKETCH_LOG OURS_LOG"""
import json, sys


def results(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("RESULT {"):
                out.append(json.loads(line[len("RESULT "):]))
    return out


def main():
    corpus, ds_log, ours_log = sys.argv[1:4]
    rows = results(ds_log) + results(ours_log)
    pick = lambda **kw: [r for r in rows if all(r.get(k) == v for k, v in kw.items())]
    one = lambda **kw: (pick(**kw) or [None])[0]

    print(f"\n=== corpus: {corpus} ===")
    ds_build, our_build = one(step="build", system="datasketch"), one(step="build", system="ours")
    truth = one(step="truth")
    if ds_build and our_build:
        print(f"stored texts: {our_build['n']:,}; exact ground truth: the first {truth['queries']} queries against all "
              f"{truth['stored']:,} ({truth['distinct_shingles']:,} distinct 3-grams)")
        print(f"build  datasketch: {ds_build['docs_per_s']:,} texts/s ({ds_build['procs']} processes hashing while one "
              f"inserts into {ds_build['indexes']} indexes, one per threshold), RSS {ds_build['rss_mib']:,} MiB")
        print(f"build  ours:       {our_build['docs_per_s']:,} texts/s ({our_build['threads']} threads signing), "
              f"index {our_build['index_mib']:,} MiB, RSS {our_build['rss_mib']:,} MiB; "
              f"{our_build['bands']} bands x {our_build['rows']} rows")
    memory = one(step="memory", system="datasketch")
    if memory:
        print(f"datasketch peak RSS {memory['peak_rss_mib']:,} MiB")
    cand = one(step="candidates", system="ours")
    if cand:
        print(f"ours: LSH candidates per query before the estimate filter: mean {cand['mean']:,.0f}, "
              f"p50 {cand['p50']:,}, p99 {cand['p99']:,}")

    verdicts = []
    for q in pick(step="query", system="ours"):
        t = q["threshold"]
        ds_q = one(step="query", system="datasketch", threshold=t)
        print(f"\nthreshold {t}: true pairs = exact Jaccard >= {t}")
        print("| system | returns | queries | q/s | p50 ms | p99 ms | results/query | recall | precision |")
        print("|---|---|---|---|---|---|---|---|---|")
        if ds_q:
            rec = one(step="recall", system="datasketch", threshold=t) or {}
            print(f"| datasketch MinHashLSH (b={ds_q['bands']}, r={ds_q['rows']}) | all LSH candidates | "
                  f"{ds_q['queries']:,} | {ds_q['qps']:,.1f} | {ds_q['p50_ms']:.2f} | {ds_q['p99_ms']:.2f} | "
                  f"{ds_q['results_per_query']:,.1f} | {rec.get('recall', float('nan')):.4f} | "
                  f"{rec.get('precision', float('nan')):.4f} |")
        for system, label in (("ours", f"estimate >= {q['asked']:.2f}"), ("ours_at_T", f"estimate >= {t:.2f}")):
            rec = one(step="recall", system=system, threshold=t) or {}
            timing = (f"{q['queries']:,} | {q['qps']:,.1f} | {q['p50_ms']:.2f} | {q['p99_ms']:.2f} | "
                      f"{q['results_per_query']:,.1f}") if system == "ours" else "(same pass, filtered) | | | | "
            print(f"| ours, LSH {our_build['bands']}x{our_build['rows']} | {label} | {timing} | "
                  f"{rec.get('recall', float('nan')):.4f} | {rec.get('precision', float('nan')):.4f} |")
        ours_rec = one(step="recall", system="ours", threshold=t) or {}
        if ds_q:
            # The median of ten blocks of lookups on each side (a burst of noise spoils a block).
            ratio = q["qps_median_block"] / ds_q["qps_median_block"]
            print(f"throughput ratio ours / datasketch: {ratio:,.1f}x, median blocks "
                  f"{q['qps_median_block']:,.1f} / {ds_q['qps_median_block']:,.1f} q/s "
                  f"(whole passes {q['qps'] / ds_q['qps']:,.1f}x; "
                  f"p50 {ds_q['p50_ms'] / q['p50_ms']:,.1f}x, p99 {ds_q['p99_ms'] / q['p99_ms']:,.1f}x lower)")
            verdicts.append(f"T={t}: p99 {q['p99_ms']:.2f} ms {'<=' if q['p99_ms'] <= 10 else '>'} 10 ms; "
                            f"throughput {ratio:,.1f}x {'>=' if ratio >= 10 else '<'} 10x; "
                            f"recall {ours_rec.get('recall', float('nan')):.4f} "
                            f"{'>=' if ours_rec.get('recall', 0) >= 0.95 else '<'} 0.95")
    print(f"\ntargets ({corpus}): " + ("\n  " if verdicts else "") + "\n  ".join(verdicts))


if __name__ == "__main__":
    main()
