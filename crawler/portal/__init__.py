"""A local portal simulator for tests and the demo (127.0.0.1 only by default).

    python -m crawler.portal --site demo --port 8000 [--fault 500 --fault challenge | --fault all]

    from crawler.portal import serve
    with serve("demo") as base:          # base == "http://127.0.0.1:PORT" (no trailing slash)
        ...
        base.site                        # the Site object: expected_reports, change(), log

Sites:
  demo        the shipped static site (crawler/portal/sites/demo): a county portal's
              政府信息公开年报 column (TRS-style paged list, look-alike items) holding the seed
              report 博爱县人民政府2024年政府信息公开工作年度报告 as a real HTML page with real
              tables and a Word attachment, beside the report columns of three more agencies
              with their published reports (PDF, HTML, 2019 and 2021 formats; sources in
              sites/demo/_SOURCES.md). demo_registry(base) is the registry `ogi demo` crawls.
  trs         test bed (a): static paged TRS lists (index.html, index_N.html, createPageHTML), UTF-8
  trs-gbk     the same platform, GBK pages (and, with the gb2312 fault, a page declaring GB2312)
  trs-dynamic a newer TRS column ("动静结合"): a static first page of 10 items, the rest only
              from the TRS search API /was5/web/search (channelid, classsql=chnlid=…)
  hanweb      test bed (b): Hanweb column whose list comes from POST /module/web/jpage/dataproxy.jsp
  json        test bed (c): a gkmlpt-style JSON list API
  generic     test bed (d): discovery from the home page (政务公开 → 信息公开 → 年报 column)
  trs-module, json-inline, xhr-pager, overcount
              columns built by JavaScript (crawler.portal.jslists): an API endpoint in a script
              module, a list rendered from inline JSON, an XHR page bar, a count beyond reach

Faults (``faults=`` or ``--fault``, ``all`` for every one): see crawler.portal.site.FAULTS.
"""
from __future__ import annotations

import contextlib
import pathlib
from typing import Iterator

from .server import start, stop
from .site import FAULTS, Site, StaticSite, expand_faults

SITES_DIR = pathlib.Path(__file__).parent / "sites"
DEMO_REPORT = "/zwgk/zfxxgk/zfxxgknb/202501/t20250120_31245.html"
DEMO_COLUMN = "/zwgk/zfxxgk/zfxxgknb/index.html"
# every report document of the demo portal (the seed's column first)
DEMO_REPORTS = (
    DEMO_REPORT,
    "/zwgk/zfxxgk/zfxxgknb/202501/P020250120_boai2024.docx",
    "/huaian/zfxxgknb/202501/P020250124_szfgs2024.pdf",
    "/hongze/zfxxgknb/P020240130_hzq2023.pdf",
    "/hongze/zfxxgknb/P020250122_hzq2024.pdf",
    "/shanghai/zfxxgknb/202001/t20200131_2019.html",
)
DEMO_SEED_REPORTS = DEMO_REPORTS[:2]  # what a crawl of the seed's column alone finds
SITE_NAMES = ("demo", "trs", "trs-gbk", "trs-dynamic", "hanweb", "json", "generic",
              "trs-module", "json-inline", "xhr-pager", "overcount")


class BaseURL(str):
    """The base URL of a running simulated site; ``.site`` is the Site object."""
    site: Site
    server: object

    def url(self, path: str = "/") -> str:
        return self + (path if path.startswith("/") else "/" + path)


def make_site(site: str = "demo", faults=(), documents_dir=None, **kw) -> Site:
    if site == "demo":
        return StaticSite(SITES_DIR / "demo", "demo", faults, documents_dir,
                          report_paths={p: "report" for p in DEMO_REPORTS}, **kw)
    from . import jslists, testbed
    if site in jslists.SITES:
        return jslists.build(site, faults=faults, documents_dir=documents_dir, **kw)
    return testbed.build(site, faults=faults, documents_dir=documents_dir, **kw)


def demo_registry(base_url: str) -> str:
    """The demo portal's registry (sites/demo/_registry.yaml) for the site running at base_url:
    one entry per agency whose report column the demo portal holds."""
    import urllib.parse

    text = (SITES_DIR / "demo" / "_registry.yaml").read_text("utf-8")
    host = urllib.parse.urlsplit(base_url).hostname or "127.0.0.1"
    return text.replace("{base}", base_url.rstrip("/")).replace("{host}", host)


@contextlib.contextmanager
def serve(site: str = "demo", host: str = "127.0.0.1", port: int = 0, faults=(),
          documents_dir=None, **kw) -> Iterator[BaseURL]:
    """Serve a simulated site in a background thread; yields its base URL."""
    site_obj = make_site(site, faults=faults, documents_dir=documents_dir, **kw)
    server, thread = start(site_obj, host, port)
    h, p = server.server_address[:2]
    base = BaseURL(f"http://{h}:{p}")
    base.site = site_obj
    base.server = server
    site_obj.base_url = str(base)
    try:
        yield base
    finally:
        stop(server, thread)


__all__ = ["serve", "make_site", "BaseURL", "FAULTS", "SITE_NAMES", "expand_faults",
           "DEMO_REPORT", "DEMO_COLUMN", "DEMO_REPORTS", "DEMO_SEED_REPORTS", "demo_registry"]
