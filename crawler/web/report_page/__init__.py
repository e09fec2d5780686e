"""The report page, a Datasette plugin (registered by crawler.web.app with the archive plugin).

`/-/report/<report id>`: one report as the national format prints its three tables (the
report's own format version, layouts from parsers/formats/formats.yml), every cell with its
printed text, hover or click for its provenance and checks, failing checks marked on their
cells with expected vs printed, the text-vs-table and cross-year findings, the archived
original beside it (shown in the page, with URL, capture time, sha256 and a citation line), the
agency's earlier years and its peers. Every column that names a report (report_id,
previous_report_id, reports.id and reports.title) links here. The template ships in
templates/ beside this module.
"""
from __future__ import annotations

import urllib.parse

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.db.documents import CANONICAL_RULE

from . import charts, data
from .charts import num as _num

ROUTE = "/-/report/"
REPORT_COLUMNS = {"report_id", "previous_report_id"}


def report_path(report_id: str) -> str:
    return ROUTE + urllib.parse.quote(report_id, safe="/")


def _tip(cell: dict) -> str:
    """The cell's evidence as plain text: hover (title) and the click panel."""
    lines = [cell["id"]]
    if cell.get("row_label"):
        lines.append(f"{cell['row_label']} × {cell['column_label']}（{cell.get('unit') or ''}）")
    raw = cell.get("raw")
    if raw is None:
        lines.append("not printed (row absent from the document)")
    else:
        lines.append(f"printed: \u201c{raw}\u201d · value: {_num(cell.get('value'))}"
                     + (f" · flags: {', '.join(cell['flags'])}" if cell.get("flags") else ""))
    where = []
    if cell.get("page") is not None:
        where.append(f"page {cell['page']}")
    if cell.get("table_index") is not None:
        where.append(f"document table {cell['table_index'] + 1}")
    if cell.get("row_index") is not None:
        where.append(f"row {cell['row_index'] + 1}")
    if cell.get("col_index") is not None:
        where.append(f"column {cell['col_index'] + 1}")
    if where:
        lines.append("found at: " + ", ".join(where))
    if cell.get("printed_label"):
        lines.append(f"printed label: {cell['printed_label']}")
    for c in cell.get("checks", []):
        line = f"{c['status'].upper()} {c['rule_id']} ({c['kind']})"
        if c["status"] == "fail":
            line += f": expected {_num(c['expected'])}, printed {_num(c['actual'])}"
        lines.append(line)
    for ch in cell.get("changes", []):
        lines.append(f"CHANGED in version {ch['version']}: printed \u201c{ch['before_raw'] or ''}\u201d "
                     f"before, \u201c{ch['after_raw'] or ''}\u201d after")
    return "\n".join(lines)


def _decorate(tables: list[dict]) -> None:
    for t in tables:
        for b in t["blocks"]:
            for row in b["rows"]:
                for cell in row["cells"]:
                    css = ["ogi-cell"]
                    if cell.get("raw") is None:
                        css.append("ogi-absent")
                    elif cell["raw"].strip() == "":
                        css.append("ogi-blank")
                    elif cell.get("value") is None:
                        css.append("ogi-marker")
                    if cell["failing"]:
                        css.append("ogi-fail")
                    if cell.get("changes"):
                        css.append("ogi-changed")
                    cell["css"] = " ".join(css)
                    cell["tip"] = _tip(cell)


# The frame a report page shows its original in. Chromium refuses to show a PDF in a sandboxed
# frame (an error page instead), so a PDF (or a Word document's PDF rendering) is framed
# without the attribute: its response is sandboxed by its own CSP, typed application/pdf only
# when its bytes are a PDF (crawler.web.captures), nosniff. Everything else is framed sandboxed
# as well (no allow-same-origin: the archived page can never reach the report page).
FRAME_SANDBOX = ("allow-popups allow-popups-to-escape-sandbox "
                 "allow-top-navigation-by-user-activation")


def original_frame(datasette, sha: str | None, kind: str) -> dict | None:
    if not sha:
        return None
    base = datasette.urls.path(f"/-/capture/{sha}")
    if kind == "pdf":
        return {"mode": "pdf", "src": base, "label": "PDF"}
    if kind in ("docx", "doc", "wps"):
        return {"mode": "pdf", "src": base + "/preview.pdf",
                "label": "PDF rendering of the Word document (LibreOffice)"}
    return {"mode": "sandboxed", "src": base, "sandbox": FRAME_SANDBOX,
            "label": "archived HTML page" if kind == "html" else kind or "document"}


def citation(p: dict, page_url: str) -> str:
    r, cap = p["report"], p["capture"] or {}
    sha = r.get("capture_sha256") or cap.get("sha256") or ""
    when = (cap.get("fetched_at") or r.get("fetched_at") or "")[:10]
    return (f"{r.get('agency') or ''}. {r.get('title') or ''}. {r.get('published') or r.get('year')}. "
            f"{r.get('url') or ''} (archived {when}, sha256 {sha}). "
            f"ogi-archive report page: {page_url}")


async def report_view(request, datasette):
    report_id = urllib.parse.unquote(request.url_vars["report_id"])
    db = datasette.get_database("archive")
    p = await db.execute_fn(lambda conn: data.page(conn, report_id))
    if p is None:
        return Response.html(f"<p>no report with id {escape(report_id)}</p>", status=404)
    _decorate(p["tables"])
    r = p["report"]
    sha = r.get("capture_sha256")
    kind = (r.get("kind") or "").lower()
    hist = p["history"] or {"years": [], "groups": []}
    page_url = urllib.parse.unquote(datasette.absolute_url(request, report_path(report_id)))
    failing = p["failing"]
    context = {
        "p": p, "r": r, "report_id": report_id,
        "capture_url": datasette.urls.path(f"/-/capture/{sha}") if sha else None,
        "raw_url": datasette.urls.path(f"/-/capture/{sha}/raw") if sha else None,
        "frame": original_frame(datasette, sha, kind),
        "row_url": datasette.urls.table("archive", "reports") + "/" + _tilde(report_id),
        "checks_url": datasette.urls.table("archive", "checks") + "?report_id=" + urllib.parse.quote(report_id),
        "values_url": datasette.urls.table("archive", "values") + "?report_id=" + urllib.parse.quote(report_id),
        "agency_url": datasette.urls.table("archive", "reports") + "?agency_id=" + urllib.parse.quote(r.get("agency_id") or ""),
        "report_path": lambda rid: datasette.urls.path(report_path(rid)),
        "checks_n": p["check_summary"],
        "versions": p["versions"],
        "capture_path": lambda s: datasette.urls.path(f"/-/capture/{s}"),
        "canonical_rule": CANONICAL_RULE,
        "citation": citation(p, page_url),
        "table_failures": [c for c in failing if c["kind"] == "report"],
        "text_checks": [c for c in p["checks"] if c["kind"] == "text"],
        "cross_checks": [c for c in p["checks"] if c["kind"] == "cross"],
        "chart_applications": charts.applications(hist["years"]),
        "chart_outcomes": charts.outcomes(hist["years"], hist["groups"]),
        "chart_peers": charts.peer_strip(p["peers"]),
        "num": _num,
        "metadata": datasette.metadata(),
    }
    return Response.html(await datasette.render_template("ogi_report.html", context, request=request))


def _tilde(value: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(value)


@hookimpl
def register_routes():
    return [(r"^/-/report/(?P<report_id>.+)$", report_view)]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    label = None
    if isinstance(value, dict):  # a foreign key Datasette expanded: {"value": id, "label": title}
        value, label = value.get("value"), value.get("label")
    if not isinstance(value, str) or not value:
        return None
    rid = None
    if column in REPORT_COLUMNS or (table == "reports" and column == "id"):
        rid = value
    elif table == "reports" and column == "title":
        try:
            rid = row["id"]
        except (KeyError, IndexError, TypeError):
            return None
    if not rid:
        return None
    page = datasette.urls.path(report_path(rid))
    if table and column in REPORT_COLUMNS:
        # keep Datasette's link to the report's row (label and id) and add the report page's
        row_url = datasette.urls.table(database, "reports") + "/" + _tilde(rid)
        return Markup('<a href="{row}">{label}</a>&nbsp;<em>{rid}</em> <a href="{page}" '
                      'class="ogi-report-link" title="report page: the tables as printed, with '
                      'their evidence">报告页&nbsp;›</a>').format(
            row=row_url, label=label or rid, rid=rid, page=page)
    return Markup('<a href="{href}" class="ogi-report-link" title="report page: the tables as '
                  'printed, with their evidence">{text}</a>').format(href=page, text=value)
