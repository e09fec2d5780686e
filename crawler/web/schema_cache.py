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


# Database's introspection methods, each kept by its arguments (Datasette calls them with
# positional arguments only): what a page asks of the schema, answered once per file.
KEPT_METHODS = ("table_names", "view_names", "hidden_table_names", "table_exists", "table_columns",
                "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
                "foreign_keys_for_table", "get_table_definition", "get_all_foreign_keys")


def _kept_method(name: str):
    async def method(self, *args):
        return await self._kept((name, *args), lambda: getattr(super(SchemaCache, self), name)(*args))
    method.__name__ = method.__qualname__ = name
    return method


for _name in KEPT_METHODS:
    setattr(SchemaCache, _name, _kept_method(_name))
