"""The build's lists of the reports holding a sparse field or rule (crawler.db.filter_lists), and
the `values` and `checks` pages the server narrows with them (crawler.web.filter_pages): the
same rows as the views give, from the lists only while the file is as the build left it."""
from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.parse

import pytest

from crawler.db import filter_lists
from crawler.web import filter_pages
from crawler.web.app import datasette_instance
from tests.conftest import get_pages, synthetic_archive

# a synthetic archive built by a subprocess: not in the fast loop
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    return synthetic_archive(tmp_path_factory.mktemp("lists") / "archive.db", 700)


VIEW_COUNTS = {
    "values": "select field_id, year, count(distinct report_id) from \"values\" group by 1, 2",
    "checks": "select rule_id, year, count(distinct report_id) from checks group by 1, 2",
}


def test_the_build_counts_every_field_and_rule_and_lists_the_sparse_ones(synthetic_db):
    con = sqlite3.connect(synthetic_db)
    by_year = dict(con.execute("select year, count(*) from reports where key in "
                               "(select report_key from cells) group by year"))
    for tbl, sql in VIEW_COUNTS.items():
        truth = {(n, y): c for n, y, c in con.execute(sql)}
        got = {(n, y): (c, listed) for n, y, c, listed in con.execute(
            "select name, year, reports, listed from filter_lists where tbl = ?", [tbl])}
        # every (field or rule, year) the view has, with the number of its reports; no other
        assert {k: c for k, (c, _) in got.items()} == truth, tbl
        name = filter_lists.NAME_COLUMN[tbl]
        listed = 0
        for (n, y), (c, is_listed) in got.items():
            if tbl == "values":
                assert bool(is_listed) == (c <= filter_lists.SHARE * by_year[y]), (n, y)
            if not is_listed:
                continue
            listed += 1
            want = {r for (r,) in con.execute(
                f'select distinct report_id from "{tbl}" where {name} = ? and year is ?', [n, y])}
            have = {r for (r,) in con.execute(
                "select report_id from filter_list_reports s join filter_lists l on l.id = s.list "
                "where l.tbl = ? and l.name = ? and l.year is ?", [tbl, n, y])}
            assert have == want, (tbl, n, y)
        assert listed, f"no sparse {tbl} in the synthetic archive: the test proves nothing"


def _pages(db, paths):
    return [r.json() for r in get_pages(datasette_instance(db), paths)]


def _path(tbl, **filters) -> str:
    return f"/archive/{tbl}.json?" + urllib.parse.urlencode({**filters, "_shape": "objects",
                                                              "_size": "max"})


def _cases(con) -> list[tuple[str, dict, bool]]:
    """(view, filters, narrowed?): a listed field of one year, the same field of a year where
    it is not listed, a field and a year no report has together, a listed rule of every year,
    a field every report has."""
    out = []
    n, y = con.execute("select name, year from filter_lists where tbl = 'values' and listed = 1 "
                       "and year is not null order by reports desc limit 1").fetchone()
    out.append(("values", {"field_id": n, "year": y}, True))
    dense = con.execute("select year from filter_lists where tbl = 'values' and name = ? and "
                        "listed = 0 and year is not null limit 1", [n]).fetchone()
    if dense:
        out.append(("values", {"field_id": n, "year": dense[0]}, False))
    empty = con.execute("select fk.field_id, y.year from field_keys fk, (select distinct year "
                        "from reports where year is not null) y where not exists (select 1 from "
                        "filter_lists l where l.tbl = 'values' and l.name = fk.field_id and "
                        "l.year = y.year) limit 1").fetchone()
    assert empty, "every field in every year: no empty page to test"
    out.append(("values", {"field_id": empty[0], "year": empty[1]}, True))
    rule = con.execute("select name from filter_lists where tbl = 'checks' group by name "
                       "having min(listed) = 1 limit 1").fetchone()
    assert rule, "no rule listed in every year"
    out.append(("checks", {"rule_id": rule[0]}, True))
    out.append(("checks", {"rule_id": rule[0], "status": "pass"}, True))
    common = con.execute("select name from filter_lists where tbl = 'values' group by name "
                         "having max(listed) = 0 limit 1").fetchone()
    out.append(("values", {"field_id": common[0]}, False))
    return out


def _truth(con, tbl, filters) -> list:
    where = " and ".join(f'"{c}" = ?' for c in filters)
    cur = con.execute(f'select * from "{tbl}" where {where}', list(filters.values()))
    cols = [d[0] for d in cur.description]
    return sorted(json.dumps(dict(zip(cols, r)), ensure_ascii=False, sort_keys=True) for r in cur)


def _rows(page) -> list:
    return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in page["rows"])


def test_narrowed_pages_give_the_views_rows(synthetic_db, monkeypatch):
    con = sqlite3.connect(synthetic_db)
    cases = _cases(con)
    narrowed = []
    real = filter_pages.narrowed

    async def spy(ds, database, sql, params):
        out = await real(ds, database, sql, params)
        if out is not None:
            narrowed.append(sql)
        return out
    monkeypatch.setattr(filter_pages, "narrowed", spy)
    for tbl, filters, expect_narrowed in cases:
        page = _pages(synthetic_db, [_path(tbl, **filters)])[0]
        assert _rows(page) == _truth(con, tbl, filters), (tbl, filters)
        assert page["filtered_table_rows_count"] == len(page["rows"]) or len(page["rows"]) == 1000
        was = bool(narrowed)
        assert was == expect_narrowed, (tbl, filters, narrowed)
        narrowed.clear()


def test_lists_are_read_only_while_the_file_is_as_the_build_left_it(synthetic_db, tmp_path):
    con = sqlite3.connect(synthetic_db)
    (n, y, list_id), = con.execute(
        "select name, year, id from filter_lists where tbl = 'values' and listed = 1 and "
        "year is not null and reports > 1 order by reports desc limit 1").fetchall()
    con.close()
    path = _path("values", field_id=n, year=y)
    # one report taken out of the list only: the page follows the list (it is what is read)
    marked = tmp_path / "marked.db"
    shutil.copy(synthetic_db, marked)
    m = sqlite3.connect(marked)
    gone = m.execute("select report_id from filter_list_reports where list = ? limit 1",
                     [list_id]).fetchone()[0]
    m.execute("delete from filter_list_reports where list = ? and report_id = ?", [list_id, gone])
    m.commit()
    truth = _truth(m, "values", {"field_id": n, "year": y})
    m.close()
    got = _rows(_pages(marked, [path])[0])
    assert len(got) == len(truth) - 1
    assert all(gone not in r for r in got) and any(gone in r for r in truth)
    # the same, and the cells of a report not in the list deleted: the file is no longer as
    # the build left it, so the list is not used and the view is read as it is (`gone` is back)
    m = sqlite3.connect(marked)
    other = m.execute("select report_key from cells where report_key not in (select r.key from "
                      "reports r join filter_list_reports s on s.report_id = r.id) "
                      "order by report_key desc limit 1").fetchone()[0]
    m.execute("delete from cells where report_key = ?", [other])
    m.commit()
    truth = _truth(m, "values", {"field_id": n, "year": y})
    m.close()
    got = _rows(_pages(marked, [path])[0])
    assert got == truth and any(gone in r for r in got)
