"""archive.db's ``registry`` table: the portal registry as a crawl used it (crawler.registry),
for the coverage pages and the dashboard. Rewritten whole on every publish (derived data)."""
from __future__ import annotations

import dataclasses

from . import regions


def rows(reg) -> list[dict]:
    out = []
    for p in reg.values():
        r = dataclasses.asdict(p)
        r.pop("list_api", None)
        r.pop("xxgk_url", None)
        r["domains"] = " ".join(p.domains)
        r["column_urls"] = " ".join(p.column_urls)
        r["known_reports"] = " ".join(p.known_reports)
        r["province"] = regions.province_of(p.region_code)[1]
        out.append(r)
    return out


def publish(db_path, reg) -> int:
    from .build import open_db
    db = open_db(db_path)
    try:
        with db.conn:
            db.execute("DELETE FROM registry")
            data = rows(reg)
            if data:
                db["registry"].insert_all(data, batch_size=1000)
    finally:
        db.close()
    return len(data)
