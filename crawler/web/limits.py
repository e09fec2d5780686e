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
* Limits in total, for the whole server: at most ``max_concurrent_requests`` requests are
  answered at once (the others wait their turn, up to ``queue_seconds``, then get 503 with
  Retry-After); the values of every query result still held by a request count against
  ``max_total_result_bytes`` (a query that would pass it fails with "server busy"); a request
  whose client went away is cancelled at once.
* CSV downloads with ``_stream=on``: at most ``max_streams`` at once, each at most
  ``stream_seconds`` and ``stream_bytes``; past either the connection is cut, so the download
  fails visibly (never a file that looks complete, never an error line inside a 200 file).
  Every row of anything: ``ogi export``. Every CSV the server writes has its formula-like text
  cells neutralised (crawler.csvsafe).
* No local paths: the JSON and pages under ``/-/`` (databases, metadata, settings...) and the
  error texts of ``/-/capture/`` show the database and archive by name, never by their path on
  the server (:func:`public_text` for any other message); SQL cannot read the file column of
  ``pragma_database_list`` (an authorizer reads it as NULL).
"""
from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import re
import os
import sqlite3
import threading
import weakref
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database

from .schema_cache import SchemaCache


@dataclasses.dataclass(frozen=True)
class QueryLimits:
    max_value_bytes: int = 8 * 2 ** 20      # one string or blob (SQLITE_LIMIT_LENGTH)
    max_columns: int = 1000                 # result columns (SQLITE_LIMIT_COLUMN)
    max_result_bytes: int = 32 * 2 ** 20    # all values of one query's fetched rows
    max_sqlite_heap: int = 256 * 2 ** 20    # SQLite's memory in the whole server process
    # in total, over every request of the server
    max_total_result_bytes: int = 64 * 2 ** 20  # values of the results all requests hold
    max_concurrent_requests: int = 4        # requests answered at once (queries, pages)
    queue_seconds: float = 30.0             # a request's longest wait for its turn (then 503)
    max_streams: int = 2                    # `_stream=on` CSV downloads at once
    stream_seconds: float = 120.0           # one download's longest time (then cut)
    stream_bytes: int = 100 * 2 ** 20       # one download's most bytes (then cut)


class ResultTooLarge(sqlite3.OperationalError):
    pass


class ResultBudget:
    """The result bytes every request of the server holds at once (``max_total_result_bytes``)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self.peak = 0
        self.lock = threading.Lock()


class Ledger:
    """What one request took from the server's ResultBudget (given back as its bytes are sent).
    Query threads take, the event loop gives back: both under the budget's lock. Rows fetched
    after the request ended (a task it started, still querying) are held by no answer and are
    not counted."""

    def __init__(self, budget: ResultBudget) -> None:
        self.budget = budget
        self.held = 0
        self.closed = False

    def take(self, n: int) -> None:
        b = self.budget
        with b.lock:
            if self.closed:
                return
            if b.used + n > b.total:
                raise ResultTooLarge(
                    f"server busy: the results being answered right now hold more than "
                    f"{b.total // 2 ** 20} MiB (max_total_result_bytes); try again in a "
                    f"moment, select fewer rows or columns, or use `ogi export`")
            b.used += n
            self.held += n
            b.peak = max(b.peak, b.used)

    def release(self, final: bool = False) -> None:
        with self.budget.lock:
            self.budget.used -= self.held
            self.held = 0
            self.closed = self.closed or final


_request_ledger: contextvars.ContextVar[Ledger | None] = contextvars.ContextVar(
    "ogi_request_ledger", default=None)
_thread = threading.local()  # the ledger of the request a query thread is working for


def _row_factory(limit: int):
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def factory(cursor, row):
        n = 0
        for v in row:
            n += len(v) if isinstance(v, (str, bytes)) else 8
        total = spent.get(cursor, 0) + n
        spent[cursor] = total
        if total > limit:
            raise ResultTooLarge(f"result too large: the rows exceed {limit} bytes "
                                 f"(max_result_bytes); select fewer rows or columns, or use "
                                 f"`ogi export` for whole tables")
        ledger = getattr(_thread, "ledger", None)
        if ledger is not None:
            ledger.take(n)
        return sqlite3.Row(cursor, row)
    return factory


def _authorizer(action, arg1, arg2, dbname, source):
    # the path of the database file is the server's business, not a query's
    if action == sqlite3.SQLITE_READ and arg1 == "pragma_database_list" and arg2 == "file":
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


def apply_limits(conn: sqlite3.Connection, limits: QueryLimits) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, limits.max_columns)
    conn.execute(f"PRAGMA hard_heap_limit = {int(limits.max_sqlite_heap)}")
    conn.row_factory = _row_factory(limits.max_result_bytes)
    conn.set_authorizer(_authorizer)


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


class SnapshotDatabase(SchemaCache, Database):
    """A Datasette database whose per-thread connections belong to this object, not to its
    name: Datasette keeps them by name, so after a switch every thread would go on reading
    the replaced file.

    ``ogi_counts``: the row counts the build that wrote the file left in it (crawler.db.counts),
    or None. With them, Datasette's table counts (at start-up, on the index pages) are taken
    as they are, and a table page's ``select count(*)`` is answered from them or from the facet
    cube (crawler.web.facets.precomputed_count). The schema of an immutable file is read once
    (crawler.web.schema_cache)."""

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
        elif " from [values] where " in sql or " from checks where " in sql:
            from .filter_pages import narrowed

            sql = await narrowed(self.ds, self.name, sql, params) or sql
        kept, key = self.kept_query(sql, params)
        if kept is not None:
            return kept
        results = await super().execute(sql, params, truncate=truncate,
                                        custom_time_limit=custom_time_limit, page_size=page_size,
                                        log_sql_errors=log_sql_errors)
        self.keep_query(key, results)
        return results

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"ogi_{id(self)}"
        ledger = _request_ledger.get()

        def in_thread():
            conn = getattr(_connections, key, None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(_connections, key, conn)
            _thread.ledger = ledger
            try:
                return fn(conn)
            finally:
                _thread.ledger = None

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


def public_text(datasette, text: str) -> str:
    """`text` (an error message) as a visitor may read it: the served files and directories
    by name, any other absolute path by its last part."""
    for old, new in _replacements(datasette):
        text = text.replace(old.decode(), new.decode())
    return _ABS_PATH.sub(lambda m: m.group(1) + m.group(2).rstrip("/").rsplit("/", 1)[-1], text)


_ABS_PATH = re.compile(r"""(^|[\s'"(=\[])(/(?:[^\s'"/)\]]+/)*[^\s'"/)\]]*)""")


class Gate:
    """The server's limits in total (see the module): turns to answer and the result budget."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.requests = asyncio.Semaphore(limits.max_concurrent_requests)
        self.streams = asyncio.Semaphore(limits.max_streams)
        self.budget = ResultBudget(limits.max_total_result_bytes)
        self.active = 0          # requests being answered now (tests and the stress bench read it)
        self.peak_active = 0
        self.cancelled = 0       # requests cancelled because their client went away
        self.cut = 0             # streams cut at their time or size bound
        self.loop = None


def gate_of(datasette) -> Gate:
    """The server's Gate (one per event loop: asyncio's semaphores belong to one loop, and a
    test may drive one Datasette from several)."""
    gate = getattr(datasette, "ogi_gate", None)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if gate is None or (loop is not None and gate.loop is not None and gate.loop is not loop):
        gate = datasette.ogi_gate = Gate(getattr(datasette, "ogi_query_limits", None)
                                         or QueryLimits())
        gate.loop = loop
    elif gate.loop is None:
        gate.loop = loop
    return gate


def _is_stream(scope) -> bool:
    qs = scope.get("query_string", b"") or b""
    return scope.get("path", "").endswith(".csv") and b"_stream=" in qs


async def _plain(send, status: int, text: str, headers=()) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class _Cut(BaseException):
    """A stream passed its byte bound, or a cancelled request tried to send (not an Exception:
    Datasette's CSV writer catches those and writes their text into the file)."""


async def _answer(app, scope, receive, send, deadline: float | None, stop: dict) -> str:
    """Run the app for one request; "done", "gone" (client left: app cancelled) or "late"
    (past the deadline: app cancelled). `stop["now"]` is set before the app is cancelled: its
    next send raises, so the cancellation holds even where a library swallows one (asyncio's
    wait_for in Python 3.11 can, when its inner task ends at the same moment)."""
    inbox: asyncio.Queue = asyncio.Queue()
    gone = asyncio.Event()

    async def listen():
        while True:
            message = await receive()
            await inbox.put(message)
            if message["type"] == "http.disconnect":
                gone.set()
                return

    listener = asyncio.ensure_future(listen())
    task = asyncio.ensure_future(app(scope, inbox.get, send))
    left = asyncio.ensure_future(gone.wait())
    try:
        done, _ = await asyncio.wait({task, left}, timeout=deadline,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            return "done"
        stop["now"] = True
        for _ in range(60):
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
            if task.done():
                break
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: it was stopped on purpose
        return "gone" if left in done else "late"
    finally:
        for t in (listener, left):
            t.cancel()


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            switch_if_replaced(datasette)
            path = scope.get("path", "")
            if path.startswith("/-/static") or _request_ledger.get() is not None:
                # static files; or a request made from inside a request (datasette.client): it
                # shares its caller's turn and ledger, never waits for a second turn
                return await app(scope, receive, send)
            gate = gate_of(datasette)
            limits = gate.limits
            stream = _is_stream(scope)
            turn = gate.streams if stream else gate.requests
            try:
                await asyncio.wait_for(turn.acquire(), limits.queue_seconds)
            except asyncio.TimeoutError:
                return await _plain(send, 503, "server busy: too many requests at once; "
                                    "try again in a moment\n", [(b"retry-after", b"5")])
            ledger = Ledger(gate.budget)
            token = _request_ledger.set(ledger)
            gate.active += 1
            gate.peak_active = max(gate.peak_active, gate.active)
            state = {"started": False, "complete": False, "sent": 0}
            scrub = path.startswith("/-/") and not path.startswith("/-/capture/")
            capture = path.startswith("/-/capture/")
            csv_out = path.endswith(".csv")
            start: dict = {}
            chunks: list[bytes] = []
            from crawler.csvsafe import StreamNeutraliser
            neutral = StreamNeutraliser() if csv_out else None

            stop = {"now": False}

            async def out(message):
                if stop["now"]:
                    raise _Cut()  # the request was cancelled: nothing more is sent
                if message["type"] == "http.response.start":
                    state["started"] = True
                    if scrub or (capture and message.get("status", 200) >= 400):
                        start.update(message)  # the body is rewritten: sent with it
                        return
                    if neutral is not None:
                        message = {**message, "headers": [
                            (k, v) for k, v in message.get("headers", [])
                            if k.lower() != b"content-length"]}
                    return await send(message)
                body = message.get("body", b"")
                more = message.get("more_body", False)
                if start:  # rewritten: wait for the whole body
                    chunks.append(body)
                    if more:
                        return
                    text = b"".join(chunks)
                    text = (_scrub(text, _replacements(datasette)) if scrub else
                            public_text(datasette, text.decode("utf-8", "replace")).encode())
                    headers = [(k, v) for k, v in start.get("headers", [])
                               if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(text)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": text})
                    state["complete"] = True
                    return
                if neutral is not None:
                    body = neutral.feed(body, final=not more)
                state["sent"] += len(body)
                if stream and state["sent"] > limits.stream_bytes:
                    raise _Cut()
                await send({"type": "http.response.body", "body": body, "more_body": more})
                ledger.release()  # the rows behind these bytes are written out
                if not more:
                    state["complete"] = True

            try:
                how = await _answer(app, scope, receive, out,
                                    limits.stream_seconds if stream else None, stop)
            except _Cut:
                how = "late"
            finally:
                _request_ledger.reset(token)
                ledger.release(final=True)
                gate.active -= 1
                turn.release()
            if how == "gone":
                gate.cancelled += 1
            elif how == "late":
                gate.cut += 1
                if not state["started"]:
                    await _plain(send, 503, "the download took longer than the server allows "
                                 f"({limits.stream_seconds:.0f} s): use `ogi export`\n")
                # else: returning without completing the response closes the connection: the
                # client sees a cut-off transfer, never a short file that looks whole
        return wrapped
    return wrap
