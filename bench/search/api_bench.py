#!/usr/bin/env python3
"""Times Minsheng's search API for one user: for each query, one warm-up request, then N
sequential requests over one keep-alive connection (`GET /api/v1/matters?q=…&limit=20`: the
hit count and the top 20 by relevance, with snippets). Client wall time per request, from
sending to the whole JSON body read. Prints one JSON line per query.

Usage: api_bench.py HOST:PORT TOKEN N QUERY...
"""
import http.client, json, statistics, sys, time, urllib.parse


def pct(sorted_ms, p):
    """The nearest-rank percentile: the smallest sample with at least p% at or below it."""
    k = max(0, min(len(sorted_ms) - 1, -(-len(sorted_ms) * p // 100) - 1))
    return sorted_ms[k]


def main():
    hostport, token, n, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    host, port = hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(path):
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status} {body[:300]!r}")
        return body

    for q in queries:
        path = "/api/v1/matters?" + urllib.parse.urlencode({"q": q, "limit": 20})
        raw = get(path)  # warm-up, and the figures the timed runs return again
        page = json.loads(raw)
        ms = []
        for _ in range(n):
            t = time.perf_counter()
            get(path)
            ms.append((time.perf_counter() - t) * 1000)
        ms.sort()
        print(json.dumps({
            "query": q, "requests": n, "total": page.get("total"), "items": len(page["items"]),
            "p50_ms": round(statistics.median(ms), 2), "p99_ms": round(pct(ms, 99), 2),
            "max_ms": round(ms[-1], 2), "bytes": len(raw),
        }, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
