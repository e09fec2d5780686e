"""The archive's Datasette plugin (registered by crawler.web.app.datasette_instance, or with
`datasette --plugins-dir crawler/web/datasette_plugins`).

* Chinese search: replaces Datasette's `escape_fts` SQL function with
  crawler.db.search.fts_query, so the table search box and datasette-search-all query the
  bigram index; `cjk_fts_query(q)` is the same function under its own name for canned SQL,
  `cjk_contains(text, q)` checks the phrases in the text (the search box of search_index
  does: filters_from_request), `ogi_text(body)` reads a stored text (crawler.db.texts).
* `/-/capture/<sha256>`: the archived original as an archive shows it (crawler.web.captures):
  an HTML page rewritten under a banner (archived from URL at time, sha256) with its links
  pointing at the archived captures (or, marked, at the live site), a Word/WPS document as its
  PDF rendering (crawler.web.preview), anything else as its bytes. `/raw` gives the exact bytes,
  `/preview.pdf` the rendering. Every response: a CSP sandbox, a type the project chose from
  the bytes, nosniff — no archived byte ever runs in the archive's origin.
* sha256 columns link to that route, so from any value a reader reaches the original;
  capture_id columns link the capture's row (URL, time, sha256), which row pages do not.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.db.search import register_functions

from . import captures, preview

SHA_COLUMNS = {"capture_sha256", "sha256"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, which defines escape_fts
def prepare_connection(conn):
    register_functions(conn)


def _archive_dir(datasette) -> Path | None:
    cfg = datasette.plugin_config("ogi-archive") or {}
    return Path(cfg["archive_dir"]) if cfg.get("archive_dir") else None


CAPTURE = "/-/capture/"


def capture_path(datasette, sha: str, suffix: str = "") -> str:
    return datasette.urls.path(f"{CAPTURE}{sha}{suffix}")


async def _capture_row(datasette, sha: str) -> dict | None:
    """The first capture of these bytes (its URL and time), with how often they were seen."""
    db = datasette.get_database("archive")
    rows = (await db.execute(
        "select warc_file, warc_offset, content_type, url, final_url, fetched_at from captures "
        "where sha256 = ? and coalesce(revisit, 0) = 0 and warc_file is not null "
        "order by fetched_at limit 1", [sha])).rows
    if not rows:
        return None
    row = dict(zip(("warc_file", "warc_offset", "content_type", "url", "final_url", "fetched_at"), rows[0]))
    seen = (await db.execute("select count(*), max(fetched_at) from captures where sha256 = ?", [sha])).rows[0]
    row["times_seen"], row["last_seen"] = seen[0], seen[1]
    return row


def _public(text: str, datasette) -> str:
    """An error message without the server's paths."""
    for p in sorted((str(p) for p in getattr(datasette, "ogi_local_paths", []) or []), key=len, reverse=True):
        text = text.replace(p, "<archive>")
    return text


async def _payload(request, datasette):
    """(capture row, bytes, the kind sniffed from them) of the route's sha256, or (None, an
    error Response, None)."""
    sha = request.url_vars["sha256"]
    row = await _capture_row(datasette, sha)
    if row is None:
        return None, Response.text(f"no archived capture with sha256 {sha}\n", status=404,
                                   headers=_plain_headers()), None
    archive_dir = _archive_dir(datasette)
    if archive_dir is None:
        return None, Response.text("this server was started without --archive: the original documents "
                                   "are not available here\n", status=404, headers=_plain_headers()), None
    from crawler.archive import read_payload

    try:
        data = await asyncio.to_thread(read_payload, archive_dir, row["warc_file"], row["warc_offset"])
    except (OSError, ValueError) as exc:
        return None, Response.text(_public(f"cannot read the capture {row['warc_file']}@{row['warc_offset']}: {exc}\n",
                                           datasette), status=500, headers=_plain_headers()), None
    return row, data, captures.sniff(data, row["content_type"])


def _plain_headers() -> dict:
    return {"Content-Security-Policy": captures.CSP_DEFAULT, "X-Content-Type-Options": "nosniff"}


def _respond(data: bytes | str, kind: captures.Kind, sha: str, url: str | None, *,
             disposition: str = "inline", filename: str | None = None, status: int = 200,
             cache: str = "public, max-age=3600") -> Response:
    h = captures.headers(kind, sha=sha, url=url, disposition=disposition, filename=filename)
    ctype = h.pop("Content-Type")
    h["Cache-Control"] = cache
    return Response(data, status=status, headers=h, content_type=ctype)


async def _report_links(datasette, sha: str) -> list[tuple[str, str]]:
    from .report_page import report_path

    db = datasette.get_database("archive")
    rows = (await db.execute("select id, year from reports where capture_sha256 = ? order by id limit 5",
                             [sha])).rows
    return [(f"报告页 report page ({r[1] or '?'})", datasette.urls.path(report_path(r[0]))) for r in rows]


async def _targets(datasette, urls: list[str]) -> dict[str, captures.Target]:
    """The latest capture of each URL the archive holds."""
    db = datasette.get_database("archive")
    out: dict[str, captures.Target] = {}
    uniq = list(dict.fromkeys(urls))[:2000]
    for i in range(0, len(uniq), 400):
        chunk = uniq[i:i + 400]
        marks = ",".join("?" for _ in chunk)
        for url, sha, when in (await db.execute(
                f"select url, sha256, max(fetched_at) from captures where url in ({marks}) "
                f"and coalesce(status, 200) between 200 and 299 group by url", chunk)).rows:
            out[url] = captures.Target(sha, when)
    return out


async def capture(request, datasette):
    """An archived document as the archive shows it: HTML rewritten under a banner, a Word or
    WPS document as its PDF rendering, anything else as its bytes under a type we choose."""
    row, data, kind = await _payload(request, datasette)
    if row is None:
        return data
    sha = request.url_vars["sha256"]
    url = row["final_url"] or row["url"]
    if kind.kind == "html":
        return await _html_view(datasette, sha, row, data, kind)
    if kind.kind in captures.WORD_KINDS:
        return await _word_view(datasette, sha, row, data, kind)
    download = kind.kind in ("zip", "binary")
    return _respond(data, kind, sha, url, disposition="attachment" if download else "inline")


async def capture_raw(request, datasette):
    """The exact archived bytes (their sha256 is the URL's), always as a download."""
    row, data, kind = await _payload(request, datasette)
    if row is None:
        return data
    sha = request.url_vars["sha256"]
    if kind.kind in ("html", "xml"):
        kind = captures.Kind("binary")  # markup is only ever shown rewritten or as source
    return _respond(data, kind, sha, row["url"], disposition="attachment",
                    cache="public, max-age=31536000, immutable")


async def capture_preview(request, datasette):
    """The PDF rendering of an archived Word/WPS document (LibreOffice, cached)."""
    row, data, kind = await _payload(request, datasette)
    if row is None:
        return data
    sha = request.url_vars["sha256"]
    if kind.kind not in captures.WORD_KINDS:
        return Response.text(f"the capture {sha} is a {kind.name}, not a Word/WPS document: no "
                             f"PDF rendering\n", status=404, headers=_plain_headers())
    try:
        pdf = await _previews(datasette).pdf(sha, lambda: data, _word_suffix(kind, row["url"]))
    except preview.PreviewError as exc:
        return Response.text(_public(f"no PDF rendering of {sha}: {exc}\n", datasette), status=503,
                             headers=_plain_headers())
    name = (row["url"] or sha).split("?")[0].rstrip("/").rsplit("/", 1)[-1] + ".pdf"
    return _respond(pdf.read_bytes(), captures.Kind("pdf"), sha, row["url"], filename=name)


def _word_suffix(kind: captures.Kind, url: str | None) -> str:
    if kind.kind == "docx":
        return ".docx"
    return ".wps" if (url or "").split("?")[0].lower().endswith(".wps") else ".doc"


def _previews(datasette) -> preview.Previews:
    p = getattr(datasette, "ogi_previews", None)
    if p is None:
        p = datasette.ogi_previews = preview.Previews(preview.cache_dir())
    return p


async def _html_view(datasette, sha, row, data, kind):
    from parsers.encoding import decode

    text, _, _ = decode(data, kind.encoding)
    base = row["final_url"] or row["url"]
    targets = await _targets(datasette, captures.page_links(text, base))
    reports = await _report_links(datasette, sha)

    def banner_for(counts):
        return captures.banner(url=row["url"], fetched_at=row["fetched_at"], sha=sha, kind=kind,
                               raw_path=capture_path(datasette, sha, "/raw"),
                               report_links=reports, counts=counts, note=_seen(row))

    out = captures.rewrite(text, base, targets, lambda s: capture_path(datasette, s), banner_for)
    return _respond(out.html, kind, sha, row["url"], cache="no-cache")


def _seen(row) -> str | None:
    if (row.get("times_seen") or 0) > 1:
        return (f"The same bytes were captured {row['times_seen']} times, last at {row['last_seen']}.")
    return None


async def _word_view(datasette, sha, row, data, kind):
    """A Word/WPS original: its PDF rendering; if there is none, a page that says why."""
    try:
        pdf = await _previews(datasette).pdf(sha, lambda: data, _word_suffix(kind, row["url"]))
    except preview.PreviewError as exc:
        reports = await _report_links(datasette, sha)
        html = captures.banner(url=row["url"], fetched_at=row["fetched_at"], sha=sha, kind=kind,
                               raw_path=capture_path(datasette, sha, "/raw"), report_links=reports,
                               note=_public(f"No PDF rendering: {exc}. Download the original to read it.", datasette))
        return _respond("<!DOCTYPE html><meta charset=utf-8><title>archived document</title>" + html,
                        captures.Kind("html"), sha, row["url"], cache="no-cache")
    name = (row["url"] or sha).split("?")[0].rstrip("/").rsplit("/", 1)[-1] + ".pdf"
    return _respond(pdf.read_bytes(), captures.Kind("pdf"), sha, row["url"], filename=name)


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
    sha = r"(?P<sha256>[0-9a-f]{64})"
    return [(rf"^/-/capture/{sha}$", capture), (rf"^/-/capture/{sha}/raw$", capture_raw),
            (rf"^/-/capture/{sha}/preview\.pdf$", capture_preview)]


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
