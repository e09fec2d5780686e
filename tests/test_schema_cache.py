"""The schema of an immutable archive is read once (crawler.web.schema_cache): Datasette's
introspection runs once per table however many pages ask, every caller gets its own copy, a
mutable file is asked every time, and a file replaced by a new build is read afresh."""
from __future__ import annotations

import asyncio
import os
import re
import sqlite3

import datasette.database
import pytest

from crawler.web.app import datasette_instance
from crawler.web.schema_cache import KEPT_SQL
from tests.conftest import get_pages


def make_db(path, tables=("apples", "pears")):
    conn = sqlite3.connect(path)
    for t in tables:
        conn.execute(f"create table {t} (id integer primary key, name text, note text)")
        conn.executemany(f"insert into {t} (name, note) values (?, ?)",
                         [(f"{t} {i}", "政府信息公开") for i in range(5)])
    conn.execute("create virtual table pears_fts using fts5 (name, content=[pears], content_rowid='id')")
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def counted(monkeypatch):
    """How often Datasette read each table's FTS table and columns from SQLite."""
    calls = {"fts": [], "columns": []}
    real_fts, real_columns = datasette.database.detect_fts, datasette.database.table_columns

    def fts(conn, table):
        calls["fts"].append(table)
        return real_fts(conn, table)

    def columns(conn, table):
        calls["columns"].append(table)
        return real_columns(conn, table)

    monkeypatch.setattr(datasette.database, "detect_fts", fts)
    monkeypatch.setattr(datasette.database, "table_columns", columns)
    return calls


def test_an_immutable_archive_is_asked_its_schema_once(tmp_path, counted):
    ds = datasette_instance(make_db(tmp_path / "archive.db"), immutable=True)
    pages = ["/archive/apples", "/archive/pears", "/archive"]
    ours = {"apples", "pears", "pears_fts", "pears_fts_config", "pears_fts_data",
            "pears_fts_docsize", "pears_fts_idx"}  # (Datasette's own in-memory database is not)

    def asked():
        return {k: sorted(t for t in v if t in ours) for k, v in counted.items()}
    first = get_pages(ds, pages)
    after_first = asked()
    assert after_first["fts"], "the pages asked for no FTS table: the test proves nothing"
    # once per table, however many pages (the search-all menu asks on every page)
    assert len(after_first["fts"]) == len(set(after_first["fts"])), after_first
    again = get_pages(ds, pages * 3)
    assert asked() == after_first
    # and the pages are the same pages (but for the time their queries took)
    def same(r):
        return re.sub(r"[0-9.]+ ?ms", "", r.text)
    assert [same(r) for r in again[:len(pages)]] == [same(r) for r in first]
    assert "Search all tables" in first[0].text  # the menu still finds the FTS table


def test_a_mutable_archive_is_asked_every_time_and_its_new_tables_are_seen(tmp_path, counted):
    db = make_db(tmp_path / "archive.db")
    ds = datasette_instance(db, immutable=False)
    get_pages(ds, ["/archive/apples"])
    n = len(counted["fts"])
    get_pages(ds, ["/archive/apples"])
    assert len(counted["fts"]) > n
    conn = sqlite3.connect(db)
    conn.execute("create table plums (id integer primary key, name text)")
    conn.commit()
    conn.close()
    assert "plums" in get_pages(ds, ["/archive"])[0].text


def test_each_caller_gets_its_own_copy(tmp_path):
    ds = datasette_instance(make_db(tmp_path / "archive.db"), immutable=True)
    db = ds.get_database("archive")

    async def go():
        cols = await db.table_columns("apples")
        cols.append("spoiled")
        names = await db.table_names()
        names.clear()
        fks = await db.get_all_foreign_keys()
        fks["apples"]["incoming"].append({"other_table": "spoiled"})
        return (await db.table_columns("apples"), await db.table_names(),
                (await db.get_all_foreign_keys())["apples"])
    cols, names, fks = asyncio.run(go())
    assert cols == ["id", "name", "note"]
    assert set(names) >= {"apples", "pears", "pears_fts"}
    assert fks == {"incoming": [], "outgoing": []}


def test_the_table_name_lookup_is_kept_by_its_parameters(tmp_path):
    ds = datasette_instance(make_db(tmp_path / "archive.db"), immutable=True)
    db = ds.get_database("archive")
    sql = next(s for s in KEPT_SQL if "collate nocase" in s)

    async def go():
        return [(await db.execute(sql, (name,))).rows for name in ("APPLES", "pears", "APPLES", "figs")]
    got = asyncio.run(go())
    assert [[tuple(r) for r in rows] for rows in got] == [[("apples",)], [("pears",)], [("apples",)], []]
    # a visitor's own SQL over sqlite_master is run, not kept
    assert not any("select name from sqlite_master" == s for s in KEPT_SQL)


def test_a_replaced_file_is_read_afresh(tmp_path):
    db = make_db(tmp_path / "archive.db")
    ds = datasette_instance(db, immutable=True)
    assert "plums" not in get_pages(ds, ["/archive"])[0].text
    new = make_db(tmp_path / "new.db", tables=("apples", "pears", "plums"))
    os.replace(new, db)  # what `ogi build` does when it publishes
    page = get_pages(ds, ["/archive"])[0].text
    assert "plums" in page
    assert get_pages(ds, ["/archive/plums"])[0].status_code == 200
