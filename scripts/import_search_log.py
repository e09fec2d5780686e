"""Bring a search log into the registry's data files (a maintainer's tool, run from the checkout).

    .venv/bin/python scripts/import_search_log.py LOG.jsonl [LOG.jsonl ...]

A search log holds one JSON object a line, one per query made in the stored public pages
(``{"helper", "seq", "t", "q", "results": [{"url", "kind", "title", "year"}]}``, each result
judged by whoever read it: ``report`` — the page is one body's annual report on its official
site —, ``column`` — an official list of such reports —, or ``interpretation``, ``news``,
``mirror``, ``other``). A look-up in stored public code (``"corpus": "code"``) logs the addresses
a file names as a 年报 column or report, each with ``source`` (the repository file) and
``label`` (what the file says beside it). The queries are numbered in time order after those already in
crawler/registry/search_queries.csv; every report or column address not yet in
crawler/registry/report_addresses.csv is added with its title, the body as printed, its year,
its division and registry entry (crawler.registry.addresses.Divisions.match), the date it was
seen and the queries that found it. Existing rows are kept as they are.
"""
from __future__ import annotations

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.registry import load_registry  # noqa: E402
from crawler.registry.addresses import (ADDRESS_FIELDS, ADDRESSES_FILE, QUERIES_FILE,  # noqa: E402
                                        QUERY_FIELDS, Divisions, read_addresses, read_queries,
                                        write_csv, year_of)

SOURCE = "a public web page found by searching stored copies of public pages"


def source_of(rec: dict, res: dict) -> str:
    """Where an address was seen. A look-up in stored public code (``"corpus": "code"``: a
    crawler's configuration, a portal's template, a list of links) names the file and what it
    says beside the address; the page at the address itself was not seen."""
    if rec.get("corpus") != "code":
        return SOURCE
    label = " ".join(str(res.get("label", "")).split())[:80]
    return (f"named beside «{label}» in a public repository file ({res['source']}), found by "
            "searching stored copies of public code; the page itself was not seen")


def main(paths: list[str]) -> int:
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            records += [json.loads(line) for line in f if line.strip()]
    records.sort(key=lambda r: (r["t"], r.get("helper", ""), r.get("seq", 0)))
    queries = read_queries(QUERIES_FILE) if QUERIES_FILE.exists() else []
    rows = read_addresses(ADDRESSES_FILE) if ADDRESSES_FILE.exists() else []
    by_address = {r["address"]: r for r in rows}
    governments = {r["division"] for r in rows if r["division"]}
    divisions = Divisions(load_registry())
    seq = max((int(q["seq"]) for q in queries), default=0)
    for rec in records:
        seq += 1
        day = rec["t"][:10]
        new_addresses = new_governments = 0
        results = rec.get("results") or []
        for res in results:
            if res.get("kind") not in ("report", "column"):
                continue
            row = by_address.get(res["url"])
            if row is not None:
                row["queries"] = (row["queries"] + f" {seq}").strip()
                continue
            title = res.get("title") or ""
            m = divisions.match(title, res["url"])
            year = res.get("year") or (year_of(title) if res["kind"] == "report" else None)
            row = {"address": res["url"], "kind": res["kind"], "title": title, "body": m.body,
                   "level": m.level, "year": year or "", "division": m.division,
                   "entry": m.entry, "seen": day, "queries": str(seq), "source": source_of(rec, res),
                   "matched_by": m.how}
            by_address[res["url"]] = row
            rows.append(row)
            new_addresses += 1
            if m.division and m.division not in governments:
                governments.add(m.division)
                new_governments += 1
        queries.append({"seq": seq, "seen": day, "group": rec.get("helper", ""), "query": rec["q"],
                        "results": len(results),
                        "reports": sum(1 for r in results if r.get("kind") in ("report", "column")),
                        "mirrors": sum(1 for r in results if r.get("kind") == "mirror"),
                        "new_addresses": new_addresses, "new_governments": new_governments})
    write_csv(queries, QUERY_FIELDS, QUERIES_FILE)
    write_csv(sorted(rows, key=lambda r: (r["division"] or "~", r["entry"], r["address"])),
              ADDRESS_FIELDS, ADDRESSES_FILE)
    print(f"{len(queries)} queries, {len(rows)} addresses, "
          f"{len({r['division'] for r in rows if r['division']})} governments")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
