"""The demo portal: a county portal's 政府信息公开年报 columns served on loopback for `ogi demo`.

    python -m crawler.demo --port 8000

    from crawler.demo import serve
    with serve() as base:                # base == "http://127.0.0.1:PORT" (no trailing slash)
        ...
        base.site                        # the Site object: expected_reports, change(), log

The shipped static site (crawler/demo/sites/demo): a county portal's 政府信息公开年报 column
(TRS-style paged list, look-alike items) holding the seed report 博爱县人民政府2024年政府信息公开工作
年度报告 as a real HTML page with real tables and a Word attachment, beside the report columns of
three more agencies with their published reports (PDF, HTML, 2019 and 2021 formats; sources in
sites/demo/_SOURCES.md). demo_registry(base) is the registry `ogi demo` crawls.

server.py is the HTTP side and site.py the site model (documents, list endpoints, switchable
faults) that the tests' simulated portals (testbed/, outside the product) build on.
"""
from __future__ import annotations

import contextlib
import pathlib
import re
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
# Constructed for the demo (sites/demo/_SOURCES.md): the 上海 page's earlier state, one cell
# misprinted, and a copy-paste report of a body that does not exist (淮安市演示局), listed only in
# the demo registry's column for it.
DEMO_REVISED = "/shanghai/zfxxgknb/202001/t20200131_2019.html"
DEMO_COPY_COLUMN = "/huaian/yanshiju/zfxxgknb/index.html"
DEMO_COPY = "/huaian/yanshiju/zfxxgknb/202502/t20250220_2001.html"


class BaseURL(str):
    """The base URL of a running simulated site; ``.site`` is the Site object."""
    site: Site
    server: object

    def url(self, path: str = "/") -> str:
        return self + (path if path.startswith("/") else "/" + path)


def demo_site(faults=(), documents_dir=None, **kw) -> Site:
    return StaticSite(SITES_DIR / "demo", "demo", faults, documents_dir,
                      report_paths={p: "report" for p in DEMO_REPORTS}, **kw)


def demo_first_state(site_obj: Site) -> None:
    """The demo portal as it was before its last changes: the 上海 report as first published
    (sites/demo/_constructed/shanghai-2019-first.html: one number misprinted) and the copied
    report not yet listed in its column. `ogi demo` crawls this state first and the shipped one
    (demo_later_state) second, as a portal is crawled over time: the archive then holds a silent
    revision (two captures of one address, one cell changed) and a copy published after the
    report it copies."""
    from .site import Doc

    first = (SITES_DIR / "demo" / "_constructed" / "shanghai-2019-first.html").read_bytes()
    doc = site_obj.docs[DEMO_REVISED]
    site_obj.docs[DEMO_REVISED] = Doc(first, doc.content_type,
                                      last_modified="Fri, 31 Jan 2020 02:00:00 GMT")
    col = site_obj.docs[DEMO_COPY_COLUMN]
    empty = re.sub(rb"<li>.*?</li>\s*", b"", col.body, flags=re.S).replace(
        b"createPageHTML(1, 0,", b"createPageHTML(0, 0,")
    site_obj.docs[DEMO_COPY_COLUMN] = Doc(empty, col.content_type,
                                          last_modified="Mon, 20 Jan 2025 01:30:00 GMT")
    site_obj.docs.pop(DEMO_COPY, None)


def demo_later_state(site_obj: Site) -> None:
    """The shipped state: the corrected 上海 page and the copied report listed and served."""
    from .site import Doc

    root = SITES_DIR / "demo"
    for path in (DEMO_REVISED, DEMO_COPY_COLUMN, DEMO_COPY):
        site_obj.docs[path] = Doc((root / path.lstrip("/")).read_bytes(), "text/html; charset=utf-8",
                                  last_modified="Thu, 20 Feb 2025 02:00:00 GMT")


def demo_registry(base_url: str) -> str:
    """The demo portal's registry (sites/demo/_registry.yaml) for the site running at base_url:
    one entry per agency whose report column the demo portal holds."""
    import urllib.parse

    text = (SITES_DIR / "demo" / "_registry.yaml").read_text("utf-8")
    host = urllib.parse.urlsplit(base_url).hostname or "127.0.0.1"
    return text.replace("{base}", base_url.rstrip("/")).replace("{host}", host)


@contextlib.contextmanager
def serve_site(site_obj: Site, host: str = "127.0.0.1", port: int = 0) -> Iterator[BaseURL]:
    """Serve a site in a background thread; yields its base URL."""
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


def serve(host: str = "127.0.0.1", port: int = 0, faults=(), documents_dir=None,
          **kw) -> contextlib.AbstractContextManager[BaseURL]:
    """Serve the demo portal in a background thread."""
    return serve_site(demo_site(faults, documents_dir, **kw), host, port)


__all__ = ["serve", "serve_site", "demo_site", "BaseURL", "FAULTS", "expand_faults",
           "DEMO_REPORT", "DEMO_COLUMN", "DEMO_REPORTS", "DEMO_SEED_REPORTS", "DEMO_REVISED",
           "DEMO_COPY", "DEMO_COPY_COLUMN", "demo_first_state", "demo_later_state", "demo_registry"]
