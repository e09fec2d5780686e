"""Datasette plugin: the facets of a table or view page from the counts precomputed by the build
(crawler.db.facet_counts: tables facet_counts and facet_cube), live counts for everything else.

Datasette's ColumnFacet counts every facet with a ``group by`` over the page's SQL: over all
1.3M reports for the reports table and the wide views (~0.5 s a page), over a year's reports
(1.6 s) when a facet value is clicked (docs/benchmarks.md). ``PrecomputedColumnFacet``
replaces it (a hook wrapper on ``register_facet_classes``) and differs in where the rows come
from, and only when all of these hold:

* the facet SQL is Datasette's ``select <columns> from <table> `` with no where clause (read
  from facet_counts), or with a where clause made only of filters comparing the table's facet
  columns with values (``"year" = :p0 and "province" = :p1``, ``"year" >= :p0``: Datasette's
  exact, not, gt, gte, lt and lte filters, summed from facet_cube, the filter value compared
  as SQLite compares it with the column), and no search, ``_where`` or ``_through`` argument;
* the column was counted by the build (and, filtered, is in the cube; unfiltered, the values
  kept cover the facet size asked for);
* the build's fingerprint of the tables read (row count, smallest and largest key) matches the
  file served.

The facet results (toggle URLs, "selected", truncation, foreign-key labels, time-outs) are built
by the same code as Datasette 0.65's ColumnFacet.facet_results, from rows of the same values,
counts and order (count descending, then value). ``?_facet=`` of any other column and every
other page are counted live, as before.
"""
from __future__ import annotations

import re

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from crawler.db import facet_counts

PRECOMPUTED_SQL = ("select value, n as count from facet_counts where tbl = :tbl and col = :col "
                   "order by n desc, value limit :limit")

# Request arguments that add where clauses of their own (search, _where, _through): with any of
# them the facets are counted live. (A table's ?_next= cursor is a where clause in the facet
# SQL, which page_filters does not read as a filter; a view's is an offset that Datasette
# leaves out of the facet SQL.)
ROW_ARGS = ("_where", "_search", "_through", "_filter_column", "_filter_op", "_filter_value")


# Datasette's exact, not, gt, gte, lt and lte filters: '"col" <op> :pN'
_FILTER = re.compile(r'("(?:[^"]|"")+"|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_]*) (=|!=|>|>=|<|<=) :(p[0-9]+)')
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NUMBER_LIKE = re.compile(r"\s|[0-9]")


def _unquote(ident: str) -> str:
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    if ident.startswith("["):
        return ident[1:-1]
    return ident


def page_filters(facet) -> list | None:
    """[] for the whole table or view; [(column, operator, value)] for a page filtered only by
    comparisons of a column with a value (Datasette's ``"col" = :pN``, ``!=``, ``>``, ``>=``,
    ``<``, ``<=`` clauses: its exact, not, gt, gte, lt and lte filters); None for anything else."""
    if not facet.table or not facet.sql.startswith("select "):
        return None
    for key in facet.request.args:
        if key.startswith(ROW_ARGS):
            return None
    head = f" from {escape_sqlite(facet.table)} "
    at = facet.sql.find(head)
    if at < 0:
        return None
    return where_filters(facet.sql[at + len(head):], facet.params)


def where_filters(rest: str, params) -> list | None:
    """The filters of the rest of a Datasette table query after ``from <table> ``: [] for none,
    [(column, operator, value)] for comparisons of columns with values, None for anything else."""
    params = dict(params or {})
    if not rest:
        return [] if not params else None
    if not rest.startswith("where ") or not rest.endswith(" "):
        return None
    out: list = []
    used = set()
    for clause in rest[len("where "):-1].split(" and "):
        m = _FILTER.fullmatch(clause)
        if not m or m.group(3) not in params or m.group(3) in used:
            return None
        out.append((_unquote(m.group(1)), m.group(2), params[m.group(3)]))
        used.add(m.group(3))
    return out if used == set(params) else None


def affinity(decl_type: str | None) -> str:
    """SQLite's column affinity of a declared type (https://sqlite.org/datatype3.html 3.1)."""
    t = (decl_type or "").upper()
    if "INT" in t:
        return "INTEGER"
    if any(k in t for k in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    if any(k in t for k in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


_BAIL = object()


def compared_value(value, decl_type: str | None):
    """The filter parameter as SQLite compares it with a column of that declared type (a bound
    parameter has no affinity: a numeric column converts well-formed numeric text, a text column
    compares numbers as text). _BAIL for what this does not reproduce (reals, exponents,
    spaces): counted live."""
    kind = affinity(decl_type)
    if kind == "BLOB":  # no conversion
        return value
    if kind == "TEXT":  # a number (gt/gte/lt/lte of digits) is compared as its text
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return _BAIL
        return str(value)
    if not isinstance(value, str):
        return value
    if _INTEGER.fullmatch(value):
        return int(value)
    return _BAIL if _NUMBER_LIKE.search(value) else value


async def _state(ds, database: str) -> dict:
    """What the build counted in this database file: {(tbl, col): facet_columns row} plus the
    fingerprints of the tables as served ({tbl: fp}, filled on demand). Cached on the Database
    object when it is immutable (a new snapshot is a new object); read again for every page
    when the file may change."""
    db = ds.get_database(database)
    cached = getattr(db, "_ogi_facet_state", None)
    if cached is not None:
        return cached
    # counted by the build that wrote the file as served (crawler.db.counts): the facet counts
    # of that build are current, no fingerprint to compare
    state: dict = {"columns": {}, "fingerprints": {}, "master": None,
                   "stamped": getattr(db, "ogi_counts", None) is not None}
    try:
        rows = (await db.execute("select tbl, col, pos, decl_type, distinct_values, stored, "
                                 "fingerprint from facet_columns", log_sql_errors=False)).rows
    except Exception:  # an archive built before migration 0015, or a database without it
        rows = []
    for r in rows:
        state["columns"][(r["tbl"], r["col"])] = dict(r)
    if not db.is_mutable:
        db._ogi_facet_state = state
    return state


async def _fingerprint(ds, database: str, state: dict, tbl: str) -> str | None:
    if tbl in state["fingerprints"]:
        return state["fingerprints"][tbl]
    db = ds.get_database(database)
    fp = None
    try:
        if state["master"] is None:
            state["master"] = [tuple(r) for r in (await db.execute(facet_counts.MASTER_SQL)).rows]
        parts = []
        for t in facet_counts.sources(tbl, state["master"]):
            pk = (await db.execute(facet_counts.PK_SQL, [t])).rows
            row = (await db.execute(facet_counts.fingerprint_sql(t, pk[0][0] if pk else None),
                                    log_sql_errors=False)).rows[0]
            parts.append(facet_counts.fingerprint_part(t, row))
        fp = ";".join(parts)
    except Exception:  # timed out or unreadable: count live
        fp = None
    state["fingerprints"][tbl] = fp
    return fp


_COUNT = re.compile(r'select count\(\*\) from ("(?:[^"]|"")+"|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_]*) (.*)', re.S)


async def precomputed_count(ds, database: str, sql: str, params) -> int | None:
    """The answer to a table page's ``select count(*) from <table> [where <filters>] `` from the
    build's counts: the whole table from table_counts, a page filtered by cube columns summed
    from facet_cube; None when the file is not as the build left it or the filters are others."""
    m = _COUNT.fullmatch(sql)
    db = ds.get_database(database)
    counts = getattr(db, "ogi_counts", None)
    if m is None or counts is None:
        return None
    table = _unquote(m.group(1))
    filters = where_filters(m.group(2), params)
    if filters is None:
        return None
    if not filters:
        return counts.get(table)
    state = await _state(ds, database)
    args = {"tbl": table}
    where = _cube_where(state, table, filters, args)
    if where is None:
        return None
    rows = (await db.execute(f"select coalesce(sum(n), 0) from facet_cube where tbl = :tbl and "
                             f"{' and '.join(where)}", args)).rows
    return rows[0][0]


def _cube_where(state: dict, table: str, filters: list, params: dict) -> list[str] | None:
    """The facet_cube conditions for a page's filters (their values put in `params` as f0, f1,
    …), or None when a filtered column is not in the cube or its value cannot be compared."""
    where = []
    for i, (col, op, value) in enumerate(filters):
        f = state["columns"].get((table, col))
        if f is None or f["pos"] is None:
            return None
        value = compared_value(value, f["decl_type"])
        if value is _BAIL:
            return None
        where.append(f"v{int(f['pos'])} {op} :f{i}")
        params[f"f{i}"] = value
    return where


class PrecomputedColumnFacet(ColumnFacet):
    """ColumnFacet answering from facet_counts and facet_cube (see the module docstring)."""

    async def precomputed(self, column: str, limit: int) -> tuple[str, dict] | None:
        """(SQL, params) reading the precomputed counts for this page and column, or None."""
        filters = page_filters(self)
        if filters is None:
            return None
        state = getattr(self, "_ogi_state", None)
        if state is None:  # once per page (per file for an immutable one)
            state = self._ogi_state = await _state(self.ds, self.database)
        known = state["columns"].get((self.table, column))
        if known is None:
            return None
        params = {"tbl": self.table, "limit": limit}
        if not filters:
            if known["stored"] < known["distinct_values"] and limit > known["stored"]:
                return None  # more values asked for than were kept
            sql, params["col"] = PRECOMPUTED_SQL, column
        else:
            if known["pos"] is None:
                return None
            where = _cube_where(state, self.table, filters, params)
            if where is None:
                return None
            v = f"v{int(known['pos'])}"
            sql = (f"select {v} as value, sum(n) as count from facet_cube where tbl = :tbl and "
                   f"{' and '.join(where)} and {v} is not null "
                   f"group by {v} order by count desc, value limit :limit")
        if not state["stamped"] and \
                await _fingerprint(self.ds, self.database, state, self.table) != known["fingerprint"]:
            return None
        return sql, params

    async def facet_rows(self, column: str, facet_size: int):
        limit = facet_size + 1
        pre = await self.precomputed(column, limit)
        if pre is not None:
            return await self.ds.execute(
                self.database, pre[0], pre[1], truncate=False,
                custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        facet_sql = """
                select {col} as value, count(*) as count from (
                    {sql}
                )
                where {col} is not null
                group by {col} order by count desc, value limit {limit}
            """.format(col=escape_sqlite(column), sql=self.sql, limit=limit)
        return await self.ds.execute(
            self.database, facet_sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"))

    async def facet_results(self):
        # Datasette 0.65.5 ColumnFacet.facet_results, the count query moved to facet_rows
        facet_results = []
        facets_timed_out = []

        qs_pairs = self.get_querystring_pairs()

        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            source = source_and_config["source"]
            column = config.get("column") or config["simple"]
            try:
                facet_rows_results = await self.facet_rows(column, facet_size)
                facet_results_values = []
                facet_results.append(
                    {
                        "name": column,
                        "type": self.type,
                        "hideable": source != "metadata",
                        "toggle_url": self.ds.urls.path(
                            path_with_removed_args(self.request, {"_facet": column})
                        ),
                        "results": facet_results_values,
                        "truncated": len(facet_rows_results) > facet_size,
                    }
                )
                facet_rows = facet_rows_results.rows[:facet_size]
                if self.table:
                    # Attempt to expand foreign keys into labels
                    values = [row["value"] for row in facet_rows]
                    expanded = await self.ds.expand_foreign_keys(
                        self.database, self.table, column, values
                    )
                else:
                    expanded = {}
                for row in facet_rows:
                    column_qs = column
                    if column.startswith("_"):
                        column_qs = "{}__exact".format(column)
                    selected = (column_qs, str(row["value"])) in qs_pairs
                    if selected:
                        toggle_path = path_with_removed_args(
                            self.request, {column_qs: str(row["value"])}
                        )
                    else:
                        toggle_path = path_with_added_args(
                            self.request, {column_qs: row["value"]}
                        )
                    facet_results_values.append(
                        {
                            "value": row["value"],
                            "label": expanded.get((column, row["value"]), row["value"]),
                            "count": row["count"],
                            "toggle_url": self.ds.absolute_url(
                                self.request, self.ds.urls.path(toggle_path)
                            ),
                            "selected": selected,
                        }
                    )
            except QueryInterrupted:
                facets_timed_out.append(column)

        return facet_results, facets_timed_out


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """Datasette's ColumnFacet replaced by PrecomputedColumnFacet (same type, "column")."""
    outcome = yield
    classes = outcome.get_result()
    outcome.force_result([[PrecomputedColumnFacet if c is ColumnFacet else c for c in group]
                          for group in classes])
