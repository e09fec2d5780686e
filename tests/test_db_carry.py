"""The canned query for carried-over counts that do not match last year's carried-forward,
through Datasette's in-process client.

No pair of consecutive real reports in the corpus disagrees, so the previous year is the seed
report's real parse re-dated to 2023 with its carried-forward counts changed: the rows the
query must return follow from that change alone.
"""
from __future__ import annotations

import asyncio
import copy
import urllib.parse

from tests.conftest import CORPUS


def test_carry_mismatch_lists_exactly_the_changed_columns(tmp_path):
    from crawler.db import build, load
    from crawler.web.app import datasette_instance
    from parsers.parse import parse_bytes

    seed = (CORPUS / "seed/boai-2024.txt").read_bytes()
    this = parse_bytes(seed, name="boai-2024.txt")
    assert this["year"] == 2024 and this["values"]["t3.carried_over.total"] == 0
    last = copy.deepcopy(this)
    last["year"] = 2023
    last["title"] = this["title"].replace("2024", "2023")
    last["checks"] = []  # its own rules are not what is tested here
    changed = {"total": 3, "natural_person": 2, "commercial": 1}
    for col, n in changed.items():
        last["values"][f"t3.carried_forward.{col}"] = n
        last["raw"][f"t3.carried_forward.{col}"] = str(n)

    db_path = tmp_path / "archive.db"
    db = build.open_db(db_path)
    cap = lambda y: {"url": f"http://127.0.0.1/boai/{y}.txt", "sha256": this["sha256"],  # noqa: E731
                     "agency": "博爱县人民政府", "region_code": "410822", "role": "report",
                     "fetched_at": "2025-03-01T00:00:00Z", "status": 200}
    load.load_parsed(db, last, cap(2023))
    load.load_parsed(db, this, cap(2024))
    build.rebuild_after_load(db)
    db.close()

    ds = datasette_instance(db_path)

    async def get(path):
        return await ds.client.get(path)

    r = asyncio.run(get("/archive/carry_mismatch.json?_shape=objects&_size=max"))
    assert r.status_code == 200, r.text[:300]
    got = {row["rule_id"]: row for row in r.json()["rows"]}
    assert set(got) == {f"rule.cross.carry.{c}" for c in changed}
    for col, n in changed.items():
        row = got[f"rule.cross.carry.{col}"]
        assert (row["year"], row["carried_over_this_year"], row["carried_forward_last_year"]) == (
            2024, this["values"][f"t3.carried_over.{col}"], n)
        assert row["previous_report_id"].startswith("410822/博爱县人民政府/2023/")
    # one agency's outcomes by year lists both years in order
    r = asyncio.run(get("/archive/agency_by_year.json?_shape=objects&agency="
                        + urllib.parse.quote("博爱")))
    assert [(x["year"], x["carried_forward"]) for x in r.json()["rows"]] == [(2023, 3), (2024, 0)]
