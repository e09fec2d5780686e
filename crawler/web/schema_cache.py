"""The schema of an archive served immutable, read once instead of on every page.

Datasette asks the database about its schema many times for each page it makes: the search-all
plugin's menu link looks for a table with full-text search among all the tables (one thread
hop per table, ~9 a page here), a table page reads the table's columns, primary keys, foreign
keys and label column, every permission check of a table looks its name up in
``sqlite_master``, and every request reads ``PRAGMA schema_version``. Each is a round trip
through the SQL thread pool, queued behind the pages' real queries; measured on the national
archive with 8 readers, ~14,000 such hops for 960 pages (crawler/web/limits.py's database;
docs/benchmarks.md).

A file served immutable cannot change its schema (``ogi build`` publishes a new file, which the
server opens as a new database object), so :class:`SchemaCache` keeps each answer for the life
of the database object: the introspection methods by their arguments, and Datasette's own
queries of the schema version and of a table's name (:data:`KEPT_SQL`) by their parameters. A database served
mutable (``ogi serve --mutable``, a file being written) is asked every time, as Datasette does.
Every caller receives its own copy of a list or dict, so none can change another's answer.
"""
from __future__ import annotations

import copy

# Datasette's own queries of the schema, run outside the methods below (app.py: every request
# reads the schema version; every permission check of a table looks up its name). Only these
# exact texts are kept: a visitor's own SQL, even over sqlite_master, is always run.
KEPT_SQL = frozenset({
    "PRAGMA schema_version",
    "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase",
})
# At most this many answers are kept (the names a visitor can look up are unbounded); past it
# they are asked again.
MAX_ENTRIES = 4096


def _fresh(value):
    """A copy the caller may change."""
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        return list(value)
    if isinstance(value, (list, dict)):
        return copy.deepcopy(value)
    return value


def _params_key(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return tuple(sorted((k, repr(v)) for k, v in params.items()))
    return tuple(repr(v) for v in params)


class SchemaCache:
    """Mixin for a Datasette ``Database``: schema answers kept while the file is immutable."""

    def _schema_memo(self) -> dict | None:
        if self.is_mutable or self.is_memory:
            return None
        memo = self.__dict__.get("_ogi_schema_memo")
        if memo is None:
            memo = self.__dict__["_ogi_schema_memo"] = {}
        return memo

    async def _kept(self, key, make):
        memo = self._schema_memo()
        if memo is None:
            return await make()
        if key in memo:
            return _fresh(memo[key])
        value = await make()
        if len(memo) < MAX_ENTRIES:
            memo[key] = value
        return _fresh(value)

    def kept_query(self, sql: str, params):
        """The kept Results of a schema query, or None (and a key to keep it under)."""
        memo = self._schema_memo()
        if memo is None or sql not in KEPT_SQL:
            return None, None
        key = ("sql", sql, _params_key(params))
        if key in memo:
            from datasette.database import Results

            rows, truncated, description = memo[key]
            return Results(list(rows), truncated, description), None
        return None, key

    def keep_query(self, key, results) -> None:
        memo = self._schema_memo()
        if key is not None and memo is not None and len(memo) < MAX_ENTRIES:
            memo[key] = (list(results.rows), results.truncated, results.description)

    async def table_names(self):
        return await self._kept(("table_names",), super().table_names)

    async def view_names(self):
        return await self._kept(("view_names",), super().view_names)

    async def hidden_table_names(self):
        return await self._kept(("hidden_table_names",), super().hidden_table_names)

    async def table_exists(self, table):
        return await self._kept(("table_exists", table), lambda: super(SchemaCache, self).table_exists(table))

    async def table_columns(self, table):
        return await self._kept(("table_columns", table),
                                lambda: super(SchemaCache, self).table_columns(table))

    async def table_column_details(self, table):
        return await self._kept(("table_column_details", table),
                                lambda: super(SchemaCache, self).table_column_details(table))

    async def primary_keys(self, table):
        return await self._kept(("primary_keys", table),
                                lambda: super(SchemaCache, self).primary_keys(table))

    async def fts_table(self, table):
        return await self._kept(("fts_table", table), lambda: super(SchemaCache, self).fts_table(table))

    async def label_column_for_table(self, table):
        return await self._kept(("label_column_for_table", table),
                                lambda: super(SchemaCache, self).label_column_for_table(table))

    async def foreign_keys_for_table(self, table):
        return await self._kept(("foreign_keys_for_table", table),
                                lambda: super(SchemaCache, self).foreign_keys_for_table(table))

    async def get_table_definition(self, table, type_="table"):
        return await self._kept(("get_table_definition", table, type_),
                                lambda: super(SchemaCache, self).get_table_definition(table, type_))

    async def get_all_foreign_keys(self):
        return await self._kept(("get_all_foreign_keys",), super().get_all_foreign_keys)
