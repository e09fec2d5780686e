"""Pages of a published snapshot answered once: a response cache for the immutable archive.

A built archive.db does not change until `ogi build` replaces it, so every reader who opens
the same address gets the same bytes: the home page, a table's first page with its facets, a
canned query. At 1.3M reports such a page costs one Datasette process 50 ms to over a second of
work (docs/benchmarks.md); the first reader pays it, the others are answered from memory.

What is kept: complete 200 answers to GET requests for the immutable archive, without a cookie,
each at most ``entry_bytes`` and all together at most ``total_bytes`` (least recently used
leave first), keyed by the served file (device and inode: a replaced file starts afresh), the
host, the path and the query string. Never kept: a mutable (still being built) file, `_stream`
downloads, other methods, errors, answers cut short. Readers asking for a page that is being
made at that moment wait for it instead of making it again (one query per page at once).
An answer says which it was in its ``x-cache`` header: ``miss`` (made now) or ``hit``.

Where it sits: the outermost ASGI wrapper (trylast), so an answer from memory takes no turn
of the request gate (crawler.web.limits) and what it replays already went through it.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
from urllib.parse import parse_qsl

from datasette import hookimpl

from . import limits


@dataclasses.dataclass
class Settings:
    total_bytes: int = 128 * 2 ** 20   # every kept answer together (0: no cache)
    entry_bytes: int = 4 * 2 ** 20     # one answer's body


class Cache:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.bytes = 0
        self.making: dict = {}

    def get(self, key):
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key, start: dict, body: bytes) -> None:
        size = len(body) + 512
        if size > self.settings.entry_bytes or size > self.settings.total_bytes:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old[2]
        self.entries[key] = (start, body, size)
        self.bytes += size
        while self.bytes > self.settings.total_bytes:
            _, (_, _, n) = self.entries.popitem(last=False)
            self.bytes -= n


def cache_of(datasette) -> Cache | None:
    settings = getattr(datasette, "ogi_response_cache", None)
    if settings is None or settings.total_bytes <= 0:
        return None
    cache = getattr(datasette, "_ogi_response_cache", None)
    if cache is None:
        cache = datasette._ogi_response_cache = Cache(settings)
    return cache


def _key(datasette, scope):
    """The cache key of a request, or None when its answer is not to be kept."""
    if scope.get("method") != "GET" or scope.get("path", "").startswith("/-/static"):
        return None
    query = scope.get("query_string", b"")
    if b"_stream" in query and any(k == "_stream" for k, _ in parse_qsl(query.decode("latin-1"))):
        return None
    snap = getattr(datasette, "ogi_snapshot", None)
    database = datasette.databases.get(snap.name) if snap else None
    if snap is None or database is None or database.is_mutable:
        return None
    headers = dict(scope.get("headers") or [])
    if b"cookie" in headers or b"authorization" in headers or b"range" in headers:
        return None
    return (snap.key, scope.get("scheme"), headers.get(b"host"), scope.get("root_path", ""),
            scope.get("path"), query)


async def _replay(send, entry) -> None:
    start, body, _ = entry
    await send({**start, "headers": [*start.get("headers", []), (b"x-cache", b"hit")]})
    await send({"type": "http.response.body", "body": body})


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            cache = cache_of(datasette)
            if cache is None:
                return await app(scope, receive, send)
            limits.switch_if_replaced(datasette)  # a new file: a new key
            key = _key(datasette, scope)
            if key is None:
                return await app(scope, receive, send)
            entry = cache.get(key)
            if entry is None and key in cache.making:  # being made: wait for it
                await asyncio.shield(cache.making[key])
                entry = cache.get(key)
            if entry is not None:
                return await _replay(send, entry)
            made = cache.making.setdefault(key, asyncio.get_running_loop().create_future())
            start: dict = {}
            chunks: list[bytes] = []
            state = {"keep": True, "size": 0}

            async def out(message):
                if message["type"] == "http.response.start":
                    headers = message.get("headers") or []
                    if message.get("status") != 200 or any(k.lower() == b"set-cookie"
                                                           for k, _ in headers):
                        state["keep"] = False
                    start.update(message)
                    message = {**message, "headers": [*headers, (b"x-cache", b"miss")]}
                elif message["type"] == "http.response.body" and state["keep"]:
                    body = message.get("body", b"")
                    state["size"] += len(body)
                    if state["size"] > cache.settings.entry_bytes:
                        state["keep"] = False
                        chunks.clear()
                    else:
                        chunks.append(body)
                        if not message.get("more_body", False):
                            cache.put(key, dict(start), b"".join(chunks))
                await send(message)

            try:
                await app(scope, receive, out)
            finally:
                if cache.making.get(key) is made:
                    del cache.making[key]
                if not made.done():
                    made.set_result(None)
        return wrapped
    return wrap
