"""The archive's Datasette plugin (registered by crawler.web.app.datasette_instance, or with
`datasette --plugins-dir crawler/web/datasette_plugins`).

* Chinese search: replaces Datasette's `escape_fts` SQL function with
  crawler.db.search.fts_query, so the table search box and datasette-search-all query the
  bigram index; `cjk_fts_query(q)` is the same function under its own name for canned SQL,
  `cjk_contains(text, q)` checks the phrases in the text (the search box of search_index
  does: filters_from_request), `ogi_text(body)` reads a stored text (crawler.db.texts).
* `/-/capture/<sha256>`: the archived original document, streamed from the WARC with the
  content type it was served with (HTML under a sandbox CSP: archived pages never run).
* sha256 columns link to that route, so from any value a reader reaches the original;
  capture_id columns link the capture's row (URL, time, sha256), which row pages do not.
"""
from __future__ import annotations

import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.db.search import register_functions

SHA_COLUMNS = {"capture_sha256", "sha256"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, which defines escape_fts
def prepare_connection(conn):
    register_functions(conn)


def _archive_dir(datasette) -> Path | None:
    cfg = datasette.plugin_config("ogi-archive") or {}
    return Path(cfg["archive_dir"]) if cfg.get("archive_dir") else None


async def capture(request, datasette):
    sha = request.url_vars["sha256"]
    db = datasette.get_database("archive")
    rows = (await db.execute(
        "select warc_file, warc_offset, content_type, url from captures "
        "where sha256 = ? and coalesce(revisit, 0) = 0 and warc_file is not null "
        "order by fetched_at limit 1", [sha])).rows
    archive_dir = _archive_dir(datasette)
    if not rows:
        return Response.text(f"no archived capture with sha256 {sha}\n", status=404)
    if archive_dir is None:
        return Response.text("this server was started without --archive: the original documents "
                             "are not available here\n", status=404)
    warc_file, offset, content_type, url = rows[0]
    from crawler.archive import read_payload

    try:
        data = read_payload(archive_dir, warc_file, offset)
    except (OSError, ValueError) as exc:
        return Response.text(f"cannot read {warc_file}@{offset}: {exc}\n", status=500)
    name = (url or sha).rstrip("/").rsplit("/", 1)[-1] or sha
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Ogi-Sha256": sha,
        "X-Ogi-Source-Url": (url or "").encode("ascii", "backslashreplace").decode(),
        "Content-Disposition": "inline; filename*=UTF-8''" + _quote(name),
    }
    if not (data.startswith(b"%PDF") and "pdf" in (content_type or "").lower()):
        # archived pages never run scripts; a PDF is left to the browser's viewer, which a
        # sandboxed document may not load (the report page shows it inline)
        headers["Content-Security-Policy"] = "sandbox"
    return Response(data, status=200, headers=headers,
                    content_type=content_type or "application/octet-stream")


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# The FTS tables whose texts the bigram index does not place (detail=none): a search of their
# content table also checks each Chinese word or phrase in the text (crawler.db.search)
CHECKED_FTS = {"search_index_fts": "text"}


@hookimpl
def filters_from_request(request, database, table, datasette):
    """The search box of search_index finds exactly the texts holding each Chinese word or
    phrase: Datasette's own search filter asks the index for texts holding its bigrams, this
    adds ``cjk_contains(text, q)`` (the index keeps no positions)."""
    from datasette.filters import FilterArguments

    fts = (datasette.table_metadata(database, table) or {}).get("fts_table")
    column = CHECKED_FTS.get(fts)
    if column is None or request.args.get("_searchmode") == "raw":
        return None
    values = [request.args[k] for k in request.args
              if k.startswith("_search") and k != "_searchmode" and request.args[k]]
    if not values:
        return None
    where = [f'cjk_contains("{column}", :ogi_search_{i})' for i in range(len(values))]
    return FilterArguments(where, {f"ogi_search_{i}": v for i, v in enumerate(values)})


@hookimpl
def register_routes():
    return [(r"^/-/capture/(?P<sha256>[0-9a-f]{64})$", capture)]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "capture_id" and isinstance(value, str) and value and table != "captures":
        from datasette.utils import tilde_encode

        # Datasette's row pages do not link foreign keys: link the capture row here, so a
        # report's page leads to its capture (URL, time, sha256) and from there the original
        return Markup('<a href="{href}" title="capture: URL, time, sha256">{text}</a>').format(
            href=datasette.urls.table(database, "captures") + "/" + tilde_encode(value), text=value)
    if column in SHA_COLUMNS and isinstance(value, str) and _SHA.match(value):
        return Markup('<a href="{cap}" title="archived original">{short}…</a> '
                      '(<a href="{rows}">captures</a>)').format(
            cap=datasette.urls.path(f"/-/capture/{value}"), short=escape(value[:12]),
            rows=datasette.urls.path(f"/{database}/captures?sha256={value}"))
    return None
