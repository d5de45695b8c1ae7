#!/usr/bin/env python3
"""Joins the search benchmark's JSON lines into one markdown table: per user and query,
Minsheng's p50/p99 (count + top 20 by relevance, over HTTP) beside the medians of SQLite LIKE
and PostgreSQL ILIKE (count + 20 newest, in process / via psql) over the same rows, and the
ratios of those medians to Minsheng's p50; then the extremes against the targets.

Usage: report.py DIR USER=SCOPE...   (reads DIR/api_USER.jsonl, DIR/sqlite.jsonl, DIR/pg.jsonl)
"""
import json, os, sys


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    work, users = sys.argv[1], [u.split("=", 1) for u in sys.argv[2:]]
    sql = {}
    for engine in ("sqlite", "pg"):
        for r in lines(os.path.join(work, f"{engine}.jsonl")):
            sql[(engine, r["scope"], r["query"])] = r
    print("| user (scope) | query | Minsheng hits | p50 ms | p99 ms | LIKE hits | SQLite LIKE ms | PG ILIKE ms "
          "| SQLite ÷ p50 | PG ÷ p50 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    p50s, p99s, ratios = [], [], {"sqlite": [], "pg": []}
    for user, scope in users:
        for r in lines(os.path.join(work, f"api_{user}.jsonl")):
            p50s.append(r["p50_ms"]); p99s.append(r["p99_ms"])
            cells, counts = [], []
            for engine in ("sqlite", "pg"):
                s = sql.get((engine, scope, r["query"]))
                if s is None:
                    cells.append(("—", "—"))
                    continue
                counts.append(f"{s['count']:,}")
                ms = s["count_ms"] + s["top20_ms"]
                ratios[engine].append(ms / r["p50_ms"])
                cells.append((f"{ms:,.0f} ({s['count_ms']:,.0f} + {s['top20_ms']:,.1f})", f"{ms / r['p50_ms']:,.0f}×"))
            hits = " / ".join(dict.fromkeys(counts)) or "—"  # SQLite / PostgreSQL, if they differ
            print(f"| {user} ({scope}) | {r['query']} | {r['total']:,} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {hits} "
                  f"| {cells[0][0]} | {cells[1][0]} | {cells[0][1]} | {cells[1][1]} |")
    print()
    if p50s:
        print(f"RESULT worst p50 {max(p50s):.1f} ms, worst p99 {max(p99s):.1f} ms over {len(p50s)} user×query pairs")
    for engine, rs in ratios.items():
        if rs:
            rs.sort()
            print(f"RESULT {engine}: ratio to Minsheng p50 min {rs[0]:.0f}×, median {rs[len(rs) // 2]:.0f}×, max {rs[-1]:.0f}×")


if __name__ == "__main__":
    main()
