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


class BaseURL(str):
    """The base URL of a running simulated site; ``.site`` is the Site object."""
    site: Site
    server: object

    def url(self, path: str = "/") -> str:
        return self + (path if path.startswith("/") else "/" + path)


def demo_site(faults=(), documents_dir=None, **kw) -> Site:
    return StaticSite(SITES_DIR / "demo", "demo", faults, documents_dir,
                      report_paths={p: "report" for p in DEMO_REPORTS}, **kw)


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
           "DEMO_REPORT", "DEMO_COLUMN", "DEMO_REPORTS", "DEMO_SEED_REPORTS", "demo_registry"]
