"""Simulated portals for the tests and benchmarks (outside the product package): the test beds
of each list platform, columns built by JavaScript, a simulated nation, and a generator of
synthetic archives. Run from the checkout (``python -m testbed --site trs``).

    from testbed import serve
    with serve("trs") as base:           # base == "http://127.0.0.1:PORT" (no trailing slash)
        ...
        base.site                        # the Site object: expected_reports, change(), log

Sites:
  demo        the demo portal (crawler.demo), here so tests can switch its faults on
  trs         test bed (a): static paged TRS lists (index.html, index_N.html, createPageHTML), UTF-8
  trs-gbk     the same platform, GBK pages (and, with the gb2312 fault, a page declaring GB2312)
  trs-dynamic a newer TRS column ("动静结合"): a static first page of 10 items, the rest only
              from the TRS search API /was5/web/search (channelid, classsql=chnlid=…)
  hanweb      test bed (b): Hanweb column whose list comes from POST /module/web/jpage/dataproxy.jsp
  json        test bed (c): a gkmlpt-style JSON list API
  generic     test bed (d): discovery from the home page (政务公开 → 信息公开 → 年报 column)
  trs-module, json-inline, xhr-pager, overcount
              columns built by JavaScript (testbed.jslists): an API endpoint in a script module,
              a list rendered from inline JSON, an XHR page bar, a count beyond reach
  reach       what a registry built from report addresses points at (testbed.reach): a
              year-parameterised report viewer, a department's report whose breadcrumb names
              its column, a shared list of departments' reports
  hang, escape, memory
              hostile list scripts (testbed.jslists): a script that never yields, one that
              opens popups, a WebSocket, workers and a service worker, one that holds 3 GB

Faults (``faults=`` or ``--fault``, ``all`` for every one): see crawler.demo.site.FAULTS.
"""
from __future__ import annotations

from crawler.demo import (DEMO_COLUMN, DEMO_REPORT, DEMO_REPORTS, DEMO_SEED_REPORTS, FAULTS,
                          BaseURL, demo_site, expand_faults, serve_site)
from crawler.demo.site import Site

SITE_NAMES = ("demo", "trs", "trs-gbk", "trs-dynamic", "hanweb", "json", "generic",
              "trs-module", "json-inline", "xhr-pager", "overcount", "reach", "hang", "escape",
              "memory")


def make_site(site: str = "demo", faults=(), documents_dir=None, **kw) -> Site:
    if site == "demo":
        return demo_site(faults, documents_dir, **kw)
    from . import beds, jslists, reach
    if site == "reach":
        return reach.ReachSite(faults, documents_dir, **kw)
    if site in jslists.SITES:
        return jslists.build(site, faults=faults, documents_dir=documents_dir, **kw)
    return beds.build(site, faults=faults, documents_dir=documents_dir, **kw)


def serve(site: str = "demo", host: str = "127.0.0.1", port: int = 0, faults=(),
          documents_dir=None, **kw):
    """Serve a simulated site in a background thread; yields its base URL."""
    return serve_site(make_site(site, faults=faults, documents_dir=documents_dir, **kw), host, port)


__all__ = ["serve", "make_site", "BaseURL", "FAULTS", "SITE_NAMES", "expand_faults",
           "DEMO_REPORT", "DEMO_COLUMN", "DEMO_REPORTS", "DEMO_SEED_REPORTS"]
