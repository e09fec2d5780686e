"""Lists of the reports holding a field or a rule that few reports of a year hold (derived data).

The ``values`` and ``checks`` views read the compact tables ``cells`` and ``check_results``,
whose keys begin with the report: a page filtered by one report, agency or year reads a few
reports' rows, and a page filtered by a field or a rule that most reports hold finds its first
hundred rows among the first few hundred reports. A field or rule that few reports hold has no
such path: a 2019-format field asked for in 2023 (held by the 2% of that year's reports still
printed in the old format), a rule that applies to one report in two thousand, or a field no
report of that year has are looked for report by report, through a year's or the whole
archive's reports — at national scale (1.3M reports, 259M cells, 62M check results), cold,
seconds and up to the SQL time limit. An index of the cells by field would cost ~3 GB and of
the check results by rule ~0.56 GB (docs/benchmarks.md), over the structured budget.

So each build counts, for every field (``values``) and every rule (``checks``) and every year,
the reports holding a row of it (``filter_lists``), and for those held by at most ``SHARE`` of
the year's reports it lists them (``filter_list_reports``): ~1 % of the cells at the synthetic
national scale. The server (crawler.web.filter_pages) narrows a page filtered by such a field
or rule to the listed reports, and answers at once a field or rule that no report of the year
holds. The lists are written in the same pass as the facet counts (crawler.db.facet_counts)
and carry the same fingerprint, so stale lists are never used.

Nothing here is Scrapy.
"""
from __future__ import annotations

from array import array
from typing import Iterable

# a (field or rule, year) held by at most this share of the year's reports is listed
SHARE = 0.2

# The view, its column naming the field or rule, and the column of the year
NAME_COLUMN = {"values": "field_id", "checks": "rule_id"}
YEAR_COLUMN = "year"

TABLES = """
CREATE TABLE filter_lists (
    id INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,              -- values | checks
    name TEXT NOT NULL,             -- the field_id (values) or rule_id (checks)
    year INTEGER,                   -- the reports' year (NULL: reports of no year)
    reports INTEGER NOT NULL,       -- reports of that year with a row of it in the view
    listed INTEGER NOT NULL,        -- 1: all of them are in filter_list_reports
    UNIQUE (tbl, name, year)
);
CREATE TABLE filter_list_reports (
    list INTEGER NOT NULL,          -- filter_lists.id
    report_id TEXT NOT NULL,        -- reports.id (what the views call report_id)
    PRIMARY KEY (list, report_id)
) WITHOUT ROWID;
"""


def clear(db) -> None:
    for t in ("filter_list_reports", "filter_lists"):
        db.execute(f"delete from {t}")


def write(db, tbl: str, groups: dict, names_of: dict) -> dict:
    """Write the lists of `tbl` from one pass over its compact table: `groups` maps
    (year, signature) to the keys of the reports with that year and signature (an array),
    `names_of` maps each signature to the names (field or rule ids) its rows have in the
    view. Returns {"names": …, "lists": …, "listed": …, "rows": …}."""
    year_total: dict = {}
    held: dict = {}                         # (name, year) -> reports
    for (year, sig), keys in groups.items():
        n = len(keys)
        year_total[year] = year_total.get(year, 0) + n
        for name in names_of[sig]:
            held[(name, year)] = held.get((name, year), 0) + n
    ids: dict = {}
    rows = []
    for i, ((name, year), n) in enumerate(sorted(held.items(), key=_combo_order), start=1):
        listed = n <= SHARE * year_total[year]
        rows.append((i, tbl, name, year, n, int(listed)))
        if listed:
            ids[(name, year)] = i
    base = db.execute("select coalesce(max(id), 0) from filter_lists").fetchone()[0]
    db.conn.executemany("insert into filter_lists (id, tbl, name, year, reports, listed) "
                        "values (?, ?, ?, ?, ?, ?)", [(base + r[0], *r[1:]) for r in rows])
    written = 0
    db.execute("create temp table if not exists listed_keys (list INTEGER, report_key INTEGER)")
    db.execute("delete from temp.listed_keys")
    for (year, sig), keys in groups.items():
        lists = [base + ids[(name, year)] for name in names_of[sig] if (name, year) in ids]
        if not lists:
            continue
        db.conn.executemany("insert into temp.listed_keys (list, report_key) values (?, ?)",
                            ((lst, k) for lst in lists for k in keys))
        written += len(lists) * len(keys)
    # by report id, what the views show: the server narrows a page by its report_id column
    db.execute("insert into filter_list_reports (list, report_id) select t.list, r.id "
               "from temp.listed_keys t join reports r on r.key = t.report_key order by 1, 2")
    db.execute("drop table temp.listed_keys")
    return {"names": len({n for n, _ in held}), "lists": len(ids), "combinations": len(rows),
            "rows": written}


def _combo_order(item):
    (name, year), _ = item
    return (name, year is not None, year or 0)


def collector() -> tuple[dict, object]:
    """(groups, add): add(year, signature, report_key) files a report under its group."""
    groups: dict = {}

    def add(year, sig, key) -> None:
        keys = groups.get((year, sig))
        if keys is None:
            keys = groups[(year, sig)] = array("q")
        keys.append(key)
    return groups, add


def names_by_signature(sigs: Iterable[str], name_of_item) -> dict:
    """{signature: sorted names}: the names (field or rule ids) of a signature's items (its
    comma-separated keys); an item without a name (no field or rule: not in the view) has none."""
    out = {}
    for sig in sigs:
        names = set()
        for item in sig.split(","):
            name = name_of_item(item)
            if name is not None:
                names.add(name)
        out[sig] = sorted(names)
    return out
