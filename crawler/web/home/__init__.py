"""The archive's home page and About page, a Datasette plugin package (registered by
crawler.web.app with the others; templates in templates/ beside this module).

`/`: what the archive is, in figures (reports, agencies, years, provinces, the share with
failing checks, scans read by OCR), the search that answers with report titles and excerpts
(the canned query `search`, grouped by report, each linking its report page), direct links to
report pages, the dashboards, the coverage, the tables and queries, and what the archive does
and does not hold. Datasette's own list of databases stays at /archive.

`/-/about`: how the archive is built, the national format, the checks, how to cite.

Table pages: the column descriptions of metadata.yml fold into one line (a click opens them),
so a table's rows come first.
"""
from __future__ import annotations

import urllib.parse

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import figures as figs

MAX_REPORTS = 50     # reports shown for a search
EXCERPTS = 3         # excerpts shown per report


async def home(request, datasette):
    db = datasette.get_database("archive")
    f = await figs.cached(db)
    q = (request.args.get("q") or "").strip()[:200]
    results = None
    if q:
        results = await db.execute_fn(lambda conn: figs.search(conn, q, MAX_REPORTS, EXCERPTS))
    recent = await db.execute_fn(figs.recent_reports)
    context = {
        "f": f, "q": q, "results": results, "recent": recent,
        "report_path": lambda rid: datasette.urls.path(figs.report_path(rid)),
        "table": lambda name, **kw: datasette.urls.table("archive", name)
        + ("?" + urllib.parse.urlencode(kw) if kw else ""),
        "query": lambda name, **kw: datasette.urls.query("archive", name)
        + ("?" + urllib.parse.urlencode(kw) if kw else ""),
        "path": datasette.urls.path,
        "pct": figs.pct,
        "intf": lambda n: "—" if n is None else f"{n:,}",
        "metadata": datasette.metadata(),
    }
    return Response.html(await datasette.render_template("ogi_home.html", context, request=request))


async def about(request, datasette):
    db = datasette.get_database("archive")
    f = await figs.cached(db)
    context = {"f": f, "path": datasette.urls.path,
               "table": lambda name: datasette.urls.table("archive", name),
               "query": lambda name: datasette.urls.query("archive", name),
               "metadata": datasette.metadata()}
    return Response.html(await datasette.render_template("ogi_about.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/$", home), (r"^/-/about$", about)]


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path("/"), "label": "首页 Home: search and figures"},
            {"href": datasette.urls.path("/-/about"), "label": "关于 About the archive"},
            {"href": datasette.urls.database("archive"), "label": "All tables and queries"}]


# Table pages list a description per column before the rows (about 1,700 px for reports):
# they fold into one line that opens on a click.
FOLD_COLUMNS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
  var d = document.createElement("details");
  d.className = "ogi-column-descriptions";
  var s = document.createElement("summary");
  s.textContent = "列说明 · Column descriptions (" + dl.querySelectorAll("dt").length + ")";
  d.appendChild(s);
  dl.parentNode.insertBefore(d, dl);
  d.appendChild(dl);
});
"""


@hookimpl
def extra_body_script(template, database, table, view_name, columns, request, datasette):
    if view_name == "table":
        return FOLD_COLUMNS
    return None
