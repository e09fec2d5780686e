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

from . import dictionary, filter_lists

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

# Not counted by a group by over the view: one row per cell or per check result (~260M and ~60M
# rows at national scale: each count a scan of the compact table through the view's joins, tens
# of minutes a build). They are counted from one ordered pass over their table instead
# (refresh_big): every report's fields or (rule, result) pairs, grouped by year and province.
NOT_COUNTED = {"values", "checks"}

# Their cube columns: what a page may be filtered by and still have its row count and facets
# summed from facet_cube (the declared facets and the field or rule; the rest is counted live).
BIG_CUBES = {
    "values": ("table", "year", "province", "unit", "field_id"),
    "checks": ("status", "severity", "kind", "year", "province", "rule_id"),
}
BIG_TABLE = {"values": "cells", "checks": "check_results"}

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


def column_types(db, tbl: str) -> dict:
    """{column: declared type} of a table or view, generated columns included (table_xinfo:
    search_index's part and year are computed from its row id)."""
    return {r[1]: r[2] for r in db.execute(f"pragma table_xinfo({q(tbl)})").fetchall() if r[6] != 1}


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


def _report_places(db) -> dict:
    return {k: (y, p) for k, y, p in db.execute("select key, year, province from reports")}


def _signatures(db, sql: str, places: dict, add=None) -> tuple[dict, int]:
    """{(year, province, signature): reports} from rows (report key, rows, signature) of one
    ordered pass over a compact table grouped by report (no sort: its primary key starts with
    the report key), and the table's row count; add(year, signature, report key), when given,
    is called for every report (filter_lists.collector)."""
    out: dict = {}
    get = places.get
    total = 0
    for key, n, sig in db.execute(sql):
        total += n
        place = get(key)
        if place is not None:  # the views join reports: rows of no report are not theirs
            k = (place[0], place[1], sig)
            out[k] = out.get(k, 0) + 1
            if add is not None:
                add(place[0], sig, key)
    return out, total


def big_cube_rows(db, tbl: str, lists: bool = False) -> tuple[list[tuple], int]:
    """The rows of `tbl` (values or checks) counted by every combination of BIG_CUBES[tbl], as
    the view gives them (its inner joins: a report, a field or rule key), and the row count of
    the compact table it reads. With `lists`, the same pass writes the table's filter lists
    (crawler.db.filter_lists)."""
    places = _report_places(db)
    cube: dict = {}
    groups, add = filter_lists.collector() if lists else (None, None)
    if tbl == "values":
        fields = {k: (fid, t, u) for k, fid, t, u in db.execute(
            'select fk.key, fk.field_id, f."table", f.unit from field_keys fk '
            "left join fields f on f.id = fk.field_id")}
        sigs, table_rows = _signatures(db, "select report_key, count(*), group_concat(field_key) "
                                           "from cells group by report_key", places, add)
        for (year, province, sig), n in sigs.items():
            for fk in sig.split(","):
                f = fields.get(int(fk))
                if f is None:  # no field key: not in the view (an inner join)
                    continue
                k = (f[1], year, province, f[2], f[0])
                cube[k] = cube.get(k, 0) + n
        if lists:
            def name_of(item):
                f = fields.get(int(item))
                return None if f is None else f[0]
    elif tbl == "checks":
        rules = {k: (r, kind, sev) for k, r, kind, sev in db.execute(
            "select key, rule_id, kind, severity from check_rules")}
        status = {"1": "pass", "0": "fail", "": "undecidable"}
        sigs, table_rows = _signatures(
            db, "select report_key, count(*), group_concat(rule_key || ':' || coalesce(ok, '')) "
                "from check_results group by report_key", places, add)
        for (year, province, sig), n in sigs.items():
            for item in sig.split(","):
                rk, _, ok = item.partition(":")
                r = rules.get(int(rk))
                if r is None:
                    continue
                k = (status[ok], r[2], r[1], year, province, r[0])
                cube[k] = cube.get(k, 0) + n
        if lists:
            def name_of(item):
                r = rules.get(int(item.partition(":")[0]))
                return None if r is None else r[0]
    else:
        raise KeyError(tbl)
    if lists:
        names = filter_lists.names_by_signature({sig for _, sig in groups}, name_of)
        filter_lists.write(db, tbl, groups, names)
    return [(n, *k) for k, n in cube.items()], table_rows


def refresh_big(db, master: list) -> dict[str, int]:
    """facet_counts, facet_columns and facet_cube of the views BIG_CUBES names, from their
    compact tables (big_cube_rows); returns their row counts."""
    present = {n for _, n, _ in master}
    has_lists = "filter_lists" in present   # migration 0024
    if has_lists:
        filter_lists.clear(db)
    totals = {}
    for tbl, cols in BIG_CUBES.items():
        if tbl not in present:
            continue
        rows, table_rows = big_cube_rows(db, tbl, lists=has_lists)
        totals[tbl] = sum(r[0] for r in rows)
        base = BIG_TABLE[tbl]
        totals[base] = table_rows
        types = column_types(db, tbl)
        # the fingerprint of the tables the view reads (the compact table's count from the pass)
        parts = []
        for t in sources(tbl, master):
            pk = db.execute(PK_SQL, [t]).fetchall()
            key = q(pk[0][0]) if pk else "rowid"
            if t == base:
                lo, hi = db.execute(f"select min({key}), max({key}) from {q(t)}").fetchone()
                parts.append(fingerprint_part(t, (table_rows, lo, hi)))
            else:
                parts.append(fingerprint_part(t, db.execute(fingerprint_sql(t, pk[0][0] if pk else None)).fetchone()))
        fp = ";".join(parts)
        vs = ", ".join(f"v{i}" for i in range(len(cols)))
        if len(rows) <= CUBE_CAP:
            db.conn.executemany(f"insert into facet_cube (tbl, n, {vs}) values (?, ?, {', '.join('?' * len(cols))})",
                                [(tbl, *r) for r in rows])
        for pos, col in enumerate(cols):
            by: dict = {}
            for r in rows:
                if r[1 + pos] is not None:
                    by[r[1 + pos]] = by.get(r[1 + pos], 0) + r[0]
            top = sorted(by.items(), key=lambda kv: (-kv[1], _order(kv[0])))[:CAP]
            db.conn.executemany("insert into facet_counts (tbl, col, value, n) values (?, ?, ?, ?)",
                                [(tbl, col, v, n) for v, n in top])
            db.execute("insert into facet_columns (tbl, col, pos, decl_type, distinct_values, stored, "
                       "fingerprint) values (?, ?, ?, ?, ?, ?, ?)",
                       [tbl, col, pos if len(rows) <= CUBE_CAP else None, types.get(col), len(by),
                        len(top), fp])
    return totals


def _order(value):
    """Sort key of SQLite's `order by value` for the values a facet holds (NULL excluded):
    numbers before text."""
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def refresh(db) -> dict[str, int]:
    """Recount every facet of metadata.yml (dictionary.facets()) of the tables and views present:
    facet_counts (each column over all rows), facet_cube (all rows counted by every combination
    of the table's facet columns, from which the server sums a page filtered by facet values);
    and the views of BIG_CUBES (refresh_big). Returns the row counts of the tables and views
    counted on the way ({table: rows}: crawler.db.counts takes them)."""
    master = db.execute(MASTER_SQL).fetchall()
    present = {n for _, n, _ in master}
    for t in ("facet_counts", "facet_columns", "facet_cube"):
        db.execute(f"delete from {t}")
    known: dict[str, int] = {}
    for tbl, declared in dictionary.facets().items():
        if tbl not in present or tbl in NOT_COUNTED:
            continue
        types = column_types(db, tbl)
        cols = [c for c in dict.fromkeys(declared) if c in types]
        if not cols:
            continue
        fp = fingerprint(lambda sql, args: db.execute(sql, args).fetchall(), sources(tbl, master))
        for part in fp.split(";"):  # "<table>:<rows>:<min key>:<max key>"
            name, rows = part.split(":")[:2]
            known[name] = int(rows)
        cube = cols[:CUBE_COLUMNS] if len(cols) <= CUBE_COLUMNS else []
        if cube:
            vs = ", ".join(f"v{i}" for i in range(len(cube)))
            cs = ", ".join(q(c) for c in cube)
            made = db.execute(f"insert into facet_cube (tbl, n, {vs}) select ?, count(*), {cs} "
                              f"from {q(tbl)} group by {cs} limit {CUBE_CAP + 1}", [tbl]).rowcount
            if made > CUBE_CAP:  # too many combinations to sum per page: live counts
                db.execute("delete from facet_cube where tbl = ?", [tbl])
                cube = []
            else:  # every row is in one combination (NULLs included)
                known[tbl] = db.execute("select sum(n) from facet_cube where tbl = ?", [tbl]).fetchone()[0] or 0
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
    known.update(refresh_big(db, master))
    return known
