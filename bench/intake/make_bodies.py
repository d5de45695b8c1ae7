#!/usr/bin/env python3
"""Turns the peers' shared Chinese payloads (gen_payloads.py output, one JSON a line on stdin) into
Minsheng intake bodies, each placed in a random village of the given units file (GET /api/v1/units).
Usage: make_bodies.py UNITS_JSON < payloads.jsonl > bodies.jsonl"""
import json, random, sys

CATEGORY = {"拖欠工资": "wage_arrears", "土地纠纷": "land", "邻里纠纷": "neighbour", "物业纠纷": "property_service",
            "征地拆迁": "expropriation", "环境污染": "environment", "婚姻家庭": "family", "医疗纠纷": "medical",
            "交通事故": "traffic", "劳动争议": "labour"}
KIND = {"wage_arrears": "wage_claim", "land": "dispute", "neighbour": "dispute", "family": "dispute",
        "medical": "dispute", "traffic": "dispute", "labour": "dispute", "expropriation": "petition"}

units = json.load(open(sys.argv[1]))["items"]
villages = [u["id"] for u in units if u["kind"] == "village"] or [units[0]["id"]]
r = random.Random(42)
for line in sys.stdin:
    p = json.loads(line)
    cat = CATEGORY.get(p["category"], "other")
    print(json.dumps({
        "kind": KIND.get(cat, "request"), "channel": r.choice(["phone", "visit", "online", "letter"]),
        "category": cat, "unit_id": r.choice(villages), "title": p["title"], "body": p["body"],
        "people_involved": p["people"], "amount_fen": p["amount"] * 100,
    }, ensure_ascii=False))
