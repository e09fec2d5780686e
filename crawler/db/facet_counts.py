"""Facet counts of every faceted table and view, computed at build time (derived data).

Datasette counts each configured facet of a table page with a ``group by`` over every row:
5-7 facets over 1.3M reports took ~0.5 s a page, and 1.6 s for the reports of one year
(docs/benchmarks.md). ``refresh`` counts them once per build (migration 0015) with the same
SQL semantics as Datasette's ColumnFacet (non-null values, by count descending then value):
``facet_counts`` per column over all rows, and ``facet_cube``, the rows counted by every
combination of the table's facet columns (1,220 combinations for 1.3M reports). The archive's
Datasette plugin (crawler.web.facets) serves a page without filters from facet_counts and
a page filtered only by facet columns (``?year=2023&province=…``, what clicking facet values
gives) by summing facet_cube; anything else is counted live.

Stale counts are never served: ``facet_columns.fingerprint`` holds, at counting time, the row
count and the smallest and largest primary key of every table the counted table or view reads;
the server compares it with the tables as served and counts live when they differ (rows added
or deleted after the build, e.g. ``load_parsed`` without the derived step). An UPDATE of a
faceted column that keeps the row count and keys is not seen: only builds write the archive,
and every build ends by recounting.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from . import dictionary

# The most frequent values kept per facet. Datasette asks for at most max_returned_rows + 1
# (1,001 by default, ?_facet_size=max); beyond what is kept the server counts live.
CAP = 5000

# facet_cube: the facet columns of a table (at most CUBE_COLUMNS, its columns v0-v7) and the
# combinations kept (beyond CUBE_CAP the table's filtered pages are counted live)
CUBE_COLUMNS = 8
CUBE_CAP = 100_000

# Views whose rows and faceted columns all come from these tables: the wide views are one row
# per report with a format, their facet columns are reports' (values only fill the cells), so
# their counts change only when reports do. Other views: every table their SQL names.
VIEW_SOURCES = {"t2_wide": ("reports",), "t3_wide": ("reports",), "t4_wide": ("reports",)}

# Not counted at build time: one row per cell or per check result (~260M and ~60M rows at
# national scale: each count is a scan of the whole compact table through the view's joins, tens
# of minutes a build). Their pages count live, as Datasette does, within its facet time limit.
NOT_COUNTED = {"values", "checks"}

MASTER_SQL = "select type, name, sql from sqlite_master where type in ('table', 'view')"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sources(name: str, master: Iterable[tuple]) -> list[str]:
    """The base tables `name` reads (itself for a table), from sqlite_master rows."""
    kinds = {n: (t, sql or "") for t, n, sql in master}
    if name in VIEW_SOURCES:
        return sorted(VIEW_SOURCES[name])
    out: set[str] = set()
    todo, seen = [name], set()
    while todo:
        n = todo.pop()
        if n in seen or n not in kinds:
            continue
        seen.add(n)
        kind, sql = kinds[n]
        if kind == "table":
            out.add(n)
            continue
        for other in kinds:
            if other != n and re.search(r'(?<![\w"])"?' + re.escape(other) + r'"?(?![\w"])', sql):
                todo.append(other)
    return sorted(out)


PK_SQL = "select name from pragma_table_info(?) where pk = 1"


def fingerprint_sql(table: str, pk: str | None) -> str:
    """One table's part of the fingerprint: its row count and the smallest and largest key
    (its primary key's first column, else rowid), each read from an index. The same rows give
    the same fingerprint, so that a rebuild of the same archive is the same file."""
    key, t = (q(pk) if pk else "rowid"), q(table)
    return (f"select (select count(*) from {t}), (select min({key}) from {t}), "
            f"(select max({key}) from {t})")


def fingerprint_part(table: str, row) -> str:
    return f"{table}:{row[0]}:{row[1]}:{row[2]}"


def fingerprint(execute: Callable[[str, list], list], tables: Iterable[str]) -> str:
    parts = []
    for t in tables:
        pk = execute(PK_SQL, [t])
        parts.append(fingerprint_part(t, execute(fingerprint_sql(t, pk[0][0] if pk else None), [])[0]))
    return ";".join(parts)


def refresh(db) -> dict[str, int]:
    """Recount every facet of metadata.yml (dictionary.facets()) of the tables and views present:
    facet_counts (each column over all rows), facet_cube (all rows counted by every combination
    of the table's facet columns, from which the server sums a page filtered by facet values)."""
    master = db.execute(MASTER_SQL).fetchall()
    present = {n for _, n, _ in master}
    for t in ("facet_counts", "facet_columns", "facet_cube"):
        db.execute(f"delete from {t}")
    counted = {}
    for tbl, declared in dictionary.facets().items():
        if tbl not in present or tbl in NOT_COUNTED:
            continue
        types = {r[1]: r[2] for r in db.execute(f"pragma table_info({q(tbl)})").fetchall()}
        cols = [c for c in dict.fromkeys(declared) if c in types]
        if not cols:
            continue
        fp = fingerprint(lambda sql, args: db.execute(sql, args).fetchall(), sources(tbl, master))
        cube = cols[:CUBE_COLUMNS] if len(cols) <= CUBE_COLUMNS else []
        if cube:
            vs = ", ".join(f"v{i}" for i in range(len(cube)))
            cs = ", ".join(q(c) for c in cube)
            made = db.execute(f"insert into facet_cube (tbl, n, {vs}) select ?, count(*), {cs} "
                              f"from {q(tbl)} group by {cs} limit {CUBE_CAP + 1}", [tbl]).rowcount
            if made > CUBE_CAP:  # too many combinations to sum per page: live counts
                db.execute("delete from facet_cube where tbl = ?", [tbl])
                cube = []
        for col in cols:
            stored = db.execute(
                f"""insert into facet_counts (tbl, col, value, n)
                select ?, ?, value, n from (
                    select {q(col)} as value, count(*) as n from {q(tbl)}
                    where {q(col)} is not null group by {q(col)}
                    order by n desc, value limit {CAP})""", [tbl, col]).rowcount
            distinct = stored if stored < CAP else db.execute(
                f"select count(distinct {q(col)}) from {q(tbl)}").fetchone()[0]
            db.execute("insert into facet_columns (tbl, col, pos, decl_type, distinct_values, stored, "
                       "fingerprint) values (?, ?, ?, ?, ?, ?, ?)",
                       [tbl, col, cube.index(col) if col in cube else None, types[col], distinct,
                        stored, fp])
            counted[f"{tbl}.{col}"] = distinct
    return counted
