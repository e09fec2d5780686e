"""Precomputed facet counts (crawler.db.facet_counts, crawler.web.facets): every facet of
metadata.yml is counted by the build, and a real `ogi serve` answers the unfiltered pages with
exactly what Datasette counts live (values, counts, order, toggle URLs, selected, truncation);
filtered pages and other columns are counted live, and counts the tables no longer match are
never served."""
from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.parse

import httpx
import pytest

from crawler.db import dictionary, facet_counts
from tests.conftest import free_port, synthetic_archive
from tests.test_serve_archive import ogi_serve

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    return synthetic_archive(tmp_path_factory.mktemp("facets") / "archive.db", 400)


def faceted(con) -> dict[str, list[str]]:
    """Declared facets of the tables and views present that the build counts (values and
    checks: their cube columns)."""
    out = {}
    for tbl, cols in {**dictionary.facets(), **facet_counts.BIG_CUBES}.items():
        if con.execute("select 1 from sqlite_master where name = ?", [tbl]).fetchone():
            out[tbl] = list(cols)
    return out


def live(con, tbl: str, col: str, limit: int, where: str = "", params=()) -> list[list]:
    """Datasette's ColumnFacet SQL, run directly."""
    sql = (f"select {q(col)} as value, count(*) as count from (select * from {q(tbl)} {where}) "
           f"where {q(col)} is not null group by {q(col)} order by count desc, value limit {limit}")
    return [list(r) for r in con.execute(sql, params).fetchall()]


def facets_of(url: str, path: str) -> dict:
    """A page's facet_results, its toggle URLs without the server's own address."""
    r = httpx.get(url + path.lstrip("/"), timeout=120)
    assert r.status_code == 200, (path, r.text[:500])
    return json.loads(r.text.replace(url.rstrip("/").replace("/", "\\/"), "").replace(url.rstrip("/"), ""))["facet_results"]


def copy_with(src, dst, *sql: str):
    shutil.copy(src, dst)
    con = sqlite3.connect(dst)
    for s in sql:
        con.execute(s)
    con.commit()
    con.close()
    return dst


def test_the_build_counts_every_declared_facet(synthetic_db):
    con = sqlite3.connect(synthetic_db)
    tables = faceted(con)
    assert {"reports", "t2_wide", "t3_wide", "t4_wide", "captures", "coverage", "values",
            "checks", "search_index"} <= set(tables)
    stored = {(t, c): (d, s) for t, c, d, s in con.execute(
        "select tbl, col, distinct_values, stored from facet_columns")}
    assert ("search_index", "part") in stored  # a generated column is counted too
    for tbl, cols in tables.items():
        have = {r[1] for r in con.execute(f"pragma table_xinfo({q(tbl)})")}
        for col in cols:
            if col not in have:
                continue
            truth = live(con, tbl, col, 10 ** 9)
            assert stored[(tbl, col)] == (len(truth), len(truth)), (tbl, col)
            got = [list(r) for r in con.execute(
                "select value, n from facet_counts where tbl = ? and col = ? order by n desc, value",
                [tbl, col])]
            assert got == truth, (tbl, col)
    # types as stored: a year stays an integer
    assert {type(v) for v, in con.execute(
        "select value from facet_counts where tbl = 'reports' and col = 'year'")} == {int}
    # the cubes of values and checks (counted from one pass over cells and check results) sum
    # to the rows the views give for every combination of their columns
    for tbl, cols in facet_counts.BIG_CUBES.items():
        cs = ", ".join(q(c) for c in cols)
        truth = sorted(con.execute(f"select count(*), {cs} from {q(tbl)} group by {cs}").fetchall(), key=repr)
        vs = ", ".join(f"v{i}" for i in range(len(cols)))
        got = sorted(con.execute(f"select n, {vs} from facet_cube where tbl = ?", [tbl]).fetchall(), key=repr)
        assert got == truth and len(got) > 100, tbl


def test_served_facets_equal_live_counts_over_http(synthetic_db, tmp_path):
    # the same archive without precomputed counts: Datasette counts every facet live
    live_db = copy_with(synthetic_db, tmp_path / "live.db", "delete from facet_columns",
                        "delete from facet_counts")
    con = sqlite3.connect(synthetic_db)
    tables = faceted(con)
    with ogi_serve("--db", str(synthetic_db), "--port", str(free_port())) as pre, \
            ogi_serve("--db", str(live_db), "--port", str(free_port())) as lv:
        compared = 0
        for tbl, cols in tables.items():
            first = con.execute(f"select name from pragma_table_info('{tbl}') order by cid").fetchone()[0]
            for extra in ("", "?_facet_size=max", "?_facet=" + cols[0], f"?_facet={first}&_facet_size=5",
                          "?_size=3&_facet_size=2"):
                path = f"archive/{urllib.parse.quote(tbl)}.json{extra}"
                got = facets_of(pre, path)
                if tbl not in facet_counts.BIG_CUBES:
                    # (a live count of every cell may exceed the facet time limit on a busy
                    # machine: values and checks are compared with SQL below)
                    assert got == facets_of(lv, path), (tbl, extra)
                compared += 1
            # and against SQL: every declared facet, default facet size 30
            got = facets_of(pre, f"archive/{tbl}.json")
            for col in cols:
                if col not in got:
                    continue
                rows = [[v["value"], v["count"]] for v in got[col]["results"]]
                truth = live(con, tbl, col, 31)
                assert rows == truth[:30] and got[col]["truncated"] == (len(truth) > 30), (tbl, col)
        assert compared >= 5 * 8
        # pages filtered by facet values (summed from facet_cube): the same as counted live
        for tbl, cols in tables.items():
            top = {c: live(con, tbl, c, 2) for c in cols[:3]}
            picks = [[(c, rows[0][0])] for c, rows in top.items() if rows]
            picks += [[(c, rows[-1][0]) for c, rows in top.items() if rows][:2]]
            num = "year" if "year" in cols else cols[-1]  # numeric text SQLite converts: live
            picks += [[(cols[0], "no such value")], [(num, "2021.0")], [(num, " 2021")], [(num, "2021")],
                      [(num + "__gte", "2022")], [(num + "__lt", "2022"), (cols[0] + "__not", top[cols[0]][0][0] if top[cols[0]] else "x")],
                      [(cols[0] + "__gt", "5")], [(num + "__lte", "20x")], [(cols[0] + "__contains", "a")]]
            if tbl in facet_counts.BIG_CUBES:  # the pages the cube answers
                picks = picks[:3] + [[(num + "__gte", "2022")], [(num, "2021")]]
            for pick in filter(None, picks):
                qs = urllib.parse.urlencode(pick)
                extras = ("", "&_facet_size=max", "&_facet=" + cols[0]) if tbl in ("reports", "t3_wide") else ("",)
                for extra in extras:
                    path = f"archive/{urllib.parse.quote(tbl)}.json?{qs}{extra}"
                    got = facets_of(pre, path)
                    if tbl not in facet_counts.BIG_CUBES:
                        assert got == facets_of(lv, path), path
                    if any(c.endswith("__contains") for c, _ in pick):
                        continue
                    ops = {"gte": ">=", "lt": "<", "not": "!=", "gt": ">", "lte": "<="}
                    sql_bits, args = [], []
                    for c, v in pick:
                        c, _, op = c.partition("__")
                        sql_bits.append(f"{q(c)} {ops.get(op, '=')} ?")
                        args.append(int(v) if op in ("gt", "gte", "lt", "lte") and v.isdigit() else v)
                    for col in cols:
                        if col in got:
                            assert [[v["value"], v["count"]] for v in got[col]["results"]] == \
                                live(con, tbl, col, 31, "where " + " and ".join(sql_bits), args)[:30], (path, col)
                    compared += 1
        # filtered pages (the same on both servers, equal to SQL)
        for path, where, params in (("archive/reports.json?year=2021", "where year = ?", [2021]),
                                    ("archive/t2_wide.json?province=%E5%8C%97%E4%BA%AC%E5%B8%82",
                                     "where province = ?", ["北京市"])):
            tbl = path.split("/")[1].split(".")[0]
            got = facets_of(pre, path)
            assert got == facets_of(lv, path)
            for col in tables[tbl]:
                assert [[v["value"], v["count"]] for v in got[col]["results"]] == \
                    live(con, tbl, col, 31, where, params)[:30], (path, col)
            assert any(v["selected"] for v in got[tables[tbl][2 if "year" in path else 0]]["results"])
        # the HTML page shows the same facets
        html_pre = httpx.get(pre + "archive/reports", timeout=60).text.replace(pre, "/")
        html_live = httpx.get(lv + "archive/reports", timeout=60).text.replace(lv, "/")
        facets_html = html_pre[html_pre.index('<div class="facet-results">'):]
        facets_html = facets_html[:facets_html.index("\n</div>")]
        assert facets_html.count('class="facet-info ') == 7
        assert facets_html in html_live


def test_counts_are_served_from_the_table_and_never_when_stale(synthetic_db, tmp_path):
    con = sqlite3.connect(synthetic_db)
    truth = live(con, "reports", "level", 31)
    # counts altered in facet_counts only: served as stored, so the page reads the table
    marked = copy_with(synthetic_db, tmp_path / "marked.db",
                       "update facet_counts set n = n + 1000 where tbl = 'reports' and col = 'level'")
    # reports deleted after counting (fingerprint no longer matches): counted live
    stale = copy_with(synthetic_db, tmp_path / "stale.db",
                      "update facet_counts set n = n + 1000 where tbl = 'reports' and col = 'level'",
                      "delete from reports where rowid in (select rowid from reports where level = "
                      f"'{truth[0][0]}' limit 7)")
    marked_con = sqlite3.connect(marked)
    marked_con.execute("update facet_cube set n = n * 1000 where tbl = 'reports'")
    marked_con.commit()
    marked_con.close()
    year = live(con, "reports", "year", 1)[0][0]
    by_year = live(con, "reports", "level", 31, "where year = ?", [year])
    with ogi_serve("--db", str(marked), "--port", str(free_port())) as url:
        got = facets_of(url, "archive/reports.json")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == [[v, n + 1000] for v, n in truth]
        got = facets_of(url, f"archive/reports.json?year={year}")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == [[v, n * 1000] for v, n in by_year]
        # a filter on a column that is not a facet: live
        got = facets_of(url, f"archive/reports.json?year={year}&kind=pdf")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == live(
            con, "reports", "level", 31, "where year = ? and kind = ?", [year, "pdf"])
        got = facets_of(url, "archive/reports.json?level__not=x")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == [[v, n * 1000] for v, n in truth]
        # filtered otherwise (like, search): live, whatever the tables hold
        got = facets_of(url, "archive/reports.json?level__contains=%E7%BA%A7")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == truth
        got = facets_of(url, "archive/reports.json?_where=year%3E0")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == truth
    with ogi_serve("--db", str(stale), "--port", str(free_port())) as url:
        got = facets_of(url, "archive/reports.json")["level"]["results"]
        want = [[v, n - 7] if i == 0 else [v, n] for i, (v, n) in enumerate(truth)]
        assert sorted(([v["value"], v["count"]] for v in got), key=lambda r: (-r[1], r[0])) == \
            sorted(want, key=lambda r: (-r[1], r[0]))
        # the wide views read reports too: their counts are live now
        s = sqlite3.connect(stale)
        got = facets_of(url, "archive/t2_wide.json")["level"]["results"]
        assert [[v["value"], v["count"]] for v in got] == live(s, "t2_wide", "level", 31)


def test_an_archive_without_counts_is_served_live(synthetic_db, tmp_path):
    # an archive.db from before migration 0015 has neither table
    old = copy_with(synthetic_db, tmp_path / "old.db", "drop table facet_counts",
                    "drop table facet_columns")
    con = sqlite3.connect(old)
    with ogi_serve("--db", str(old), "--port", str(free_port())) as url:
        got = facets_of(url, "archive/reports.json")
        for col in dictionary.facets()["reports"]:
            assert [[v["value"], v["count"]] for v in got[col]["results"]] == \
                live(con, "reports", col, 31)[:30]


def _count(url: str, path: str) -> int | None:
    r = httpx.get(url + path.lstrip("/"), timeout=120)
    assert r.status_code == 200, (path, r.text[:500])
    return r.json()["filtered_table_rows_count"]


def test_row_counts_are_the_builds_while_the_file_is_as_it_left_it(synthetic_db, tmp_path):
    """Every table and view's rows are counted by the build (crawler.db.counts) and a page's
    count is read from them, or summed from the cube when the page is filtered by cube
    columns; a file written after its build is counted live."""
    from crawler.db import build, counts

    con = sqlite3.connect(synthetic_db)
    from crawler.db.search import register_functions
    register_functions(con)
    stored = counts.read(con, synthetic_db)
    assert stored is not None
    for tbl, n in stored.items():
        assert n == con.execute(f"select count(*) from {q(tbl)}").fetchone()[0], tbl
    year = con.execute("select max(year) from reports").fetchone()[0]
    field = "t3.new.total"
    pages = {
        "archive/values.json": ("values", "", []),
        f"archive/values.json?year={year}": ("values", "where year = ?", [year]),
        f"archive/values.json?field_id={field}&year={year}": ("values", "where field_id = ? and year = ?", [field, year]),
        "archive/checks.json?status=fail": ("checks", "where status = ?", ["fail"]),
        f"archive/checks.json?year__gte={year}": ("checks", "where year >= ?", [year]),
        "archive/search_index.json?part=s1": ("search_index", "where part = ?", ["s1"]),
        "archive/reports.json": ("reports", "", []),
        "archive/t3_wide.json": ("t3_wide", "", []),
    }
    # a copy whose build counts are made up (and stamped as the build's): served as they are
    fake = tmp_path / "fake.db"
    shutil.copy(synthetic_db, fake)
    db = build.open_db(fake)
    counts.refresh(db, {"reports": 123_456, "values": 7_654_321})
    db.close()
    stale = copy_with(fake, tmp_path / "stale.db", "update archive_info set value = value where 0 = 1",
                      "insert into archive_info (key, value) values ('written', 'after the build')")
    with ogi_serve("--db", str(synthetic_db), "--port", str(free_port())) as url:
        for path, (tbl, where, params) in pages.items():
            assert _count(url, path) == con.execute(f"select count(*) from {q(tbl)} {where}",
                                                    params).fetchone()[0], path
    with ogi_serve("--db", str(fake), "--port", str(free_port())) as url:
        assert _count(url, "archive/reports.json") == 123_456
        assert _count(url, "archive/values.json") == 7_654_321
        tables = {t["name"]: t["count"] for t in httpx.get(url + "archive.json", timeout=60).json()["tables"]}
        assert tables["reports"] == 123_456  # Datasette's own table counts: not counted
        assert httpx.get(url + ".json", timeout=60).json()["archive"]["table_rows_sum"] >= 123_456
    with ogi_serve("--db", str(stale), "--port", str(free_port())) as url:
        assert _count(url, "archive/reports.json") == stored["reports"]
        assert _count(url, "archive/values.json") == stored["values"]
