"""What keeps the public Datasette of archive.db bounded and current (registered with the
archive plugin by crawler.web.app).

* Query limits, on every SQLite connection: no string or blob longer than ``max_value_bytes``
  (SQLITE_LIMIT_LENGTH: ``select hex(zeroblob(200000000))`` is refused at once with "string or
  blob too big"), at most ``max_columns`` result columns, at most ``max_result_bytes`` of
  values in one query's rows (counted row by row as they are fetched; beyond it the query fails
  with "result too large"), and SQLite's heap for the whole process capped at
  ``max_sqlite_heap`` (``PRAGMA hard_heap_limit``). With Datasette's time limit and
  ``max_returned_rows`` these bound what one anonymous query can take.
* A new snapshot: ``ogi build`` publishes by replacing the file (crawler.db.publish). Before
  each request the server compares the file's inode with the one it opened; when it changed, it
  opens the new file and closes the old connections a grace period later (queries in flight
  finish on the old snapshot).
* No local paths: the JSON and pages under ``/-/`` (databases, metadata, settings...) show the
  database and archive by name, never by their path on the server.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import sqlite3
import threading
import weakref
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database


@dataclasses.dataclass(frozen=True)
class QueryLimits:
    max_value_bytes: int = 8 * 2 ** 20      # one string or blob (SQLITE_LIMIT_LENGTH)
    max_columns: int = 1000                 # result columns (SQLITE_LIMIT_COLUMN)
    max_result_bytes: int = 32 * 2 ** 20    # all values of one query's fetched rows
    max_sqlite_heap: int = 256 * 2 ** 20    # SQLite's memory in the whole server process


class ResultTooLarge(sqlite3.OperationalError):
    pass


def _row_factory(limit: int):
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def factory(cursor, row):
        n = spent.get(cursor, 0)
        for v in row:
            n += len(v) if isinstance(v, (str, bytes)) else 8
        spent[cursor] = n
        if n > limit:
            raise ResultTooLarge(f"result too large: the rows exceed {limit} bytes "
                                 f"(max_result_bytes); select fewer rows or columns, or use "
                                 f"`ogi export` for whole tables")
        return sqlite3.Row(cursor, row)
    return factory


def apply_limits(conn: sqlite3.Connection, limits: QueryLimits) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, limits.max_columns)
    conn.execute(f"PRAGMA hard_heap_limit = {int(limits.max_sqlite_heap)}")
    conn.row_factory = _row_factory(limits.max_result_bytes)


@hookimpl
def prepare_connection(conn, database, datasette):
    limits = getattr(datasette, "ogi_query_limits", None)
    if limits is not None and database != "_internal":
        apply_limits(conn, limits)


@hookimpl
def handle_exception(datasette, request, exception):
    """SQLite out of its heap limit: the query's fault, said in words (400), not a bare 500."""
    if not isinstance(exception, MemoryError):
        return None
    from datasette.utils.asgi import Response

    message = ("query too large: it needs more memory than the server gives one query "
               "(max_sqlite_heap); select fewer or smaller columns")
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": message, "status": 400, "title": None},
                             status=400)
    return Response.text(message + "\n", status=400)


# ------------------------------------------------------------------ a new snapshot

_connections = threading.local()


# A live count of a table or view of more rows than this gets the facet time limit, not the
# SQL time limit: the page shows no count rather than waiting seconds for one
BIG_COUNT = 1_000_000


class SnapshotDatabase(Database):
    """A Datasette database whose per-thread connections belong to this object, not to its
    name: Datasette keeps them by name, so after a switch every thread would go on reading
    the replaced file.

    ``ogi_counts``: the row counts the build that wrote the file left in it (crawler.db.counts),
    or None. With them, Datasette's table counts (at start-up, on the index pages) are taken
    as they are, and a table page's ``select count(*)`` is answered from them or from the facet
    cube (crawler.web.facets.precomputed_count)."""

    ogi_counts: dict | None = None

    def use_counts(self, counts: dict | None, tables: list[str]) -> None:
        self.ogi_counts = counts
        if counts is not None and not self.is_mutable and all(t in counts for t in tables):
            # what Database.table_counts returns: the tables' (its callers look each one up)
            self._cached_table_counts = {t: counts[t] for t in tables}

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None,
                      page_size=None, log_sql_errors=True):
        if self.ogi_counts is not None and sql.startswith("select count(*) from "):
            from datasette.database import Results

            from .facets import _COUNT, _unquote, precomputed_count

            n = await precomputed_count(self.ds, self.name, sql, params)
            if n is not None:
                return Results([(n,)], False, [("count(*)", None, None, None, None, None, None)])
            m = _COUNT.fullmatch(sql)
            if m and (self.ogi_counts.get(_unquote(m.group(1))) or 0) > BIG_COUNT:
                limit = self.ds.setting("facet_time_limit_ms")
                custom_time_limit = min(custom_time_limit or limit, limit)
        return await super().execute(sql, params, truncate=truncate,
                                     custom_time_limit=custom_time_limit, page_size=page_size,
                                     log_sql_errors=log_sql_errors)

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"ogi_{id(self)}"

        def in_thread():
            conn = getattr(_connections, key, None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(_connections, key, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


@dataclasses.dataclass
class Snapshot:
    """The database file a server serves, and how to open it again."""
    path: Path
    name: str
    key: tuple[int, int]
    reopen: object                  # callable(path) -> datasette Database
    grace: float = 60.0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def switch_if_replaced(datasette) -> bool:
    """Open the new file when the served one was replaced; True when it switched."""
    snap: Snapshot | None = getattr(datasette, "ogi_snapshot", None)
    if snap is None:
        return False
    key = file_key(snap.path)
    if key is None or key == snap.key:
        return False  # gone (keep serving what is open) or unchanged
    with snap.lock:
        if key == snap.key:
            return False
        old = datasette.databases.get(snap.name)
        new = snap.reopen(snap.path)
        new.name = new.route = snap.name
        databases = datasette.databases.copy()
        databases[snap.name] = new
        datasette.databases = databases  # one assignment: requests see the old or the new
        snap.key = key
    if old is not None:
        try:
            asyncio.get_running_loop().call_later(snap.grace, old.close)
        except RuntimeError:
            old.close()
    return True


# ------------------------------------------------------------------ no local paths

def _scrub(body: bytes, replacements: list[tuple[bytes, bytes]]) -> bytes:
    for old, new in replacements:
        body = body.replace(old, new)
    return body


def _replacements(datasette) -> list[tuple[bytes, bytes]]:
    import json

    out = []
    for p in getattr(datasette, "ogi_local_paths", ()):
        p = Path(p)
        for form in (str(p), json.dumps(str(p))[1:-1]):
            out.append((form.encode(), p.name.encode()))
    out.sort(key=lambda r: -len(r[0]))  # longest first: a file before its directory
    return out


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            switch_if_replaced(datasette)
            path = scope.get("path", "")
            if not path.startswith("/-/") or path.startswith(("/-/capture/", "/-/static")):
                return await app(scope, receive, send)
            start: dict = {}
            chunks: list[bytes] = []

            async def collect(message):
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = _scrub(b"".join(chunks), _replacements(datasette))
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            await app(scope, receive, collect)
        return wrapped
    return wrap
