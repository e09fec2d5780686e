"""A `values` or `checks` page filtered by a field or rule that few reports hold, read from the
build's lists of those reports (crawler.db.filter_lists) instead of report by report.

Datasette makes a view page's rows with ``select <columns> from [values] where <filters>
[order by …] limit N [offset M]``. When the filters hold an exact ``field_id`` (``values``) or
``rule_id`` (``checks``), possibly an exact ``year``, and the build listed every report of
that field or rule (of that year, or of every year it has), :func:`narrowed` adds
``and "report_id" in (<the listed reports>)``: the same rows, as the lists hold every report
with a row of it; SQLite then starts from those reports. A field or rule no report of that year
holds gets the empty list: no rows, at once. Nothing else changes: the SQL the page shows, its
count and facets (summed from the facet cube) are Datasette's.

The lists are used only while the file is as the build that wrote them left it: the build's
counts handed to the server (crawler.db.counts), or else, for a file served immutable, the
fingerprint of the tables the view reads equal to the one the build recorded with its facet
counts (a file that may change is read through the views as before).
"""
from __future__ import annotations

import re

from crawler.db.filter_lists import NAME_COLUMN, YEAR_COLUMN

from . import facets

# Datasette 0.65's table page SQL of a view (views/table.py): where_clause ends with a space,
# order_by has none, and the limit is page size + 1
_ROWS = re.compile(r'select (?P<cols>.+?) from (?P<tbl>\[values\]|checks) (?P<where>where .*? )?'
                   r'(?P<order>order by (?:(?!:p[0-9]).)*?)? ?limit (?P<limit>[0-9]+)(?P<offset> offset [0-9]+)?',
                   re.S)

_YEAR = re.compile(r'(?:(?<=where )|(?<=and ))("year"|year|\[year\]) = :p[0-9]+(?= )')

LISTS_SQL = "select tbl, name, year, id, listed from filter_lists"


async def _lists(ds, database: str) -> dict | None:
    """{(tbl, name): {year: (list id, listed)}} of the file served, or None without lists.
    Cached on an immutable Database object (a new snapshot is a new object)."""
    db = ds.get_database(database)
    cached = getattr(db, "_ogi_filter_lists", None)
    if cached is not None:
        return cached or None
    out: dict = {}
    try:
        rows = (await db.execute(LISTS_SQL, log_sql_errors=False)).rows
    except Exception:  # an archive from before migration 0024
        rows = []
    for tbl, name, year, list_id, listed in rows:
        out.setdefault((tbl, name), {})[year] = (list_id, bool(listed))
    if not db.is_mutable:
        db._ogi_filter_lists = out
    return out or None


async def _current(ds, database: str, tbl: str) -> bool:
    """Whether the lists of `tbl` describe the file as served (see the module docstring)."""
    state = await facets._state(ds, database)
    if state["stamped"]:
        return True
    if ds.get_database(database).is_mutable:
        return False    # its fingerprint would be counted again on every page: read the view
    recorded = {c["fingerprint"] for (t, _), c in state["columns"].items() if t == tbl}
    if len(recorded) != 1:
        return False
    return await facets._fingerprint(ds, database, state, tbl) == recorded.pop()


def _lists_for(years: dict, year) -> list[int] | None:
    """The list ids to read for a page of one year (`year` an int) or of every year (None);
    None when a year asked for is held by too many reports to have been listed."""
    if year is not None:
        got = years.get(year)
        if got is None:
            return []           # no report of that year holds it
        return [got[0]] if got[1] else None
    if not all(listed for _, listed in years.values()):
        return None
    return sorted(list_id for list_id, _ in years.values())


async def narrowed(ds, database: str, sql: str, params) -> str | None:
    """`sql` with the page narrowed to the listed reports, or None to run it as it is."""
    m = _ROWS.fullmatch(sql)
    if m is None or not m.group("where"):
        return None
    tbl = facets._unquote(m.group("tbl"))
    filters = facets.where_filters(m.group("where"), params)
    if not filters:
        return None
    name_col = NAME_COLUMN[tbl]
    names = [v for c, op, v in filters if c == name_col and op == "="]
    years = [v for c, op, v in filters if c == YEAR_COLUMN and op == "="]
    if len(names) != 1 or not isinstance(names[0], str) or len(years) > 1:
        return None
    year = None
    if years:
        year = facets.compared_value(years[0], "INTEGER")
        if not isinstance(year, int):
            return None
    lists = await _lists(ds, database)
    if lists is None or not await _current(ds, database, tbl):
        return None
    ids = _lists_for(lists.get((tbl, names[0]), {}), year)
    if ids is None:
        return None
    # the year is the list's: compared without its index (+), else SQLite may read the year's
    # reports one by one to test each against the list
    where = m.group("where")
    if year is not None:
        where = _YEAR.sub(f"+\\g<1> = {year}", where, count=1)
    narrowing = ('"report_id" in (select report_id from filter_list_reports '
                 f'where list in ({", ".join(map(str, ids))}))')
    return (f'select {m.group("cols")} from {m.group("tbl")} {where}and {narrowing} '
            f'{m.group("order") or ""}{" " if m.group("order") else ""}limit {m.group("limit")}'
            f'{m.group("offset") or ""}')
