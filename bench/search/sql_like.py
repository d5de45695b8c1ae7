#!/usr/bin/env python3
"""The same searches as substring scans, the way a helpdesk without a text index answers
them: SQLite LIKE or PostgreSQL ILIKE over a table of the same matters with their title and
body as plain columns (`matters(id, unit_path, title, body)`, indexed by `(unit_path, id)`;
see run.sh), within a township's unit-path range or over the whole county. Two queries a word,
as a helpdesk sends them: the count, and the 20 newest matching. One warm-up run each, then
REPS timed runs; prints one JSON line per scope and word with the medians.

SQLite runs in process (python3's sqlite3, read-only, default settings); PostgreSQL through one
psql session, `\\timing` (server time plus the transfer to psql).

Usage: sql_like.py sqlite FILE  REPS SCOPE... -- WORD...
       sql_like.py pg     URL   REPS SCOPE... -- WORD...
SCOPE is NAME=LO,HI (unit_path >= LO and < HI) or NAME= (no scope: the whole county).
"""
import json, re, statistics, subprocess, sys, time


def queries(op, lo_hi, word):
    scope = f" AND unit_path >= '{lo_hi[0]}' AND unit_path < '{lo_hi[1]}'" if lo_hi else ""
    where = f"FROM matters WHERE (title {op} '%{word}%' OR body {op} '%{word}%'){scope}"
    return {"count": f"SELECT count(*) {where}",
            "top20": f"SELECT id, title {where} ORDER BY id DESC LIMIT 20"}


def run_sqlite(path, reps, cases):
    import sqlite3
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = {}
    for key, sql in cases:
        res = conn.execute(sql).fetchall()  # warm-up
        ms = []
        for _ in range(reps):
            t = time.perf_counter()
            conn.execute(sql).fetchall()
            ms.append((time.perf_counter() - t) * 1000)
        out[key] = (res, ms)
    return out


def run_pg(url, reps, cases):
    script = ["\\timing on"]
    for i, (key, sql) in enumerate(cases):
        for rep in range(reps + 1):
            script.append(f"\\echo @@ {i} {rep}")
            if key[2] == "top20":
                script.append("\\o /dev/null")
            script.append(sql + ";")
            if key[2] == "top20":
                script.append("\\o")
    text = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url],
                          input="\n".join(script) + "\n", capture_output=True, text=True, check=True).stdout
    out, current, value = {}, None, None
    for line in text.splitlines():
        if line.startswith("@@ "):
            _, i, rep = line.split()
            current, value = (int(i), int(rep)), None
        elif (m := re.match(r"Time: ([\d.]+) ms", line)):
            key = cases[current[0]][0]
            res, ms = out.setdefault(key, (None, []))
            if current[1] == 0:
                out[key] = ([(int(value),)] if value is not None else [], ms)  # the warm-up
            else:
                ms.append(float(m.group(1)))
        else:
            value = line
    return out


def main():
    engine, db, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    cut = rest.index("--")
    scopes = []
    for s in rest[:cut]:
        name, _, rng = s.partition("=")
        scopes.append((name, tuple(rng.split(",")) if rng else None))
    words = rest[cut + 1:]
    op = "ILIKE" if engine == "pg" else "LIKE"
    cases = [((name, w, kind), sql) for name, lo_hi in scopes for w in words
             for kind, sql in queries(op, lo_hi, w).items()]
    results = (run_pg if engine == "pg" else run_sqlite)(db, reps, cases)
    for name, _ in scopes:
        for w in words:
            (count_res, count_ms), (top_res, top_ms) = results[(name, w, "count")], results[(name, w, "top20")]
            rec = {"engine": engine, "scope": name, "query": w, "count": count_res[0][0],
                   "count_ms": round(statistics.median(count_ms), 2),
                   "top20_ms": round(statistics.median(top_ms), 2), "reps": reps}
            if engine == "sqlite":
                rec["top20_rows"] = len(top_res)
            print(json.dumps(rec, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
