"""A simulated nation on loopback (testbed/nation.py): 60 county portals across the
platform families, reached under real-looking .gov.cn names with --resolve. From the home pages
only: `ogi registry import` → `ogi registry discover --all` → `ogi crawl --all --db`; every
column and body found, every report archived and filed under its own body, no request outside a
portal's domains, one request at a time per host."""
from __future__ import annotations

import collections
import os
import subprocess

import pytest

from crawler.archive import iter_captures
from testbed.nation import OFF_PORTAL, Nation
from crawler.demo.server import start, stop
from crawler.registry import load_registry
from crawler.registry.discovery import body_code

from tests.conftest import db_rows
from tests.portal_fixtures import OGI, ROOT, explain

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

FAST = ["--delay", "0", "--timeout", "5", "--set", "RETRY_TIMES=1", "--log-level", "WARNING"]


def ogi(*args, timeout=600):
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    return subprocess.run(OGI + list(args), capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def nation(tmp_path_factory):
    site = Nation(60, hold=0.003)
    server, thread = start(site, "127.0.0.1", 0)
    port = server.server_address[1]
    site.resolve = []
    for h in site.hosts:
        site.resolve += ["--resolve", f"{h}=127.0.0.1:{port}"]
    d = tmp_path_factory.mktemp("nation")
    (d / "seed.csv").write_text(site.seed_csv(), "utf-8")
    reg = d / "registry.csv"
    imp = ogi("registry", "import", str(d / "seed.csv"), "--registry", str(reg))
    assert imp.returncode == 0, explain(imp)
    disc = ogi("registry", "discover", "--all", "--registry", str(reg), *site.resolve, *FAST)
    assert disc.returncode == 0, explain(disc)
    discover_requests = len(site.requests)
    crawl = ogi("crawl", "--all", "--registry", str(reg), "--archive", str(d / "archive"),
                "--db", str(d / "archive.db"), *site.resolve, *FAST)
    stop(server, thread)
    yield {"site": site, "dir": d, "registry": reg, "discover": disc, "crawl": crawl,
           "discover_requests": discover_requests}


def test_discovery_finds_every_column_and_body_from_the_home_pages(nation):
    site, reg = nation["site"], nation["registry"]
    assert len(site.counties) >= 60
    assert len({c.family for c in site.counties}) == 5
    effective = load_registry(reg, str(reg) + ".proposals.json")
    plain = load_registry(reg)
    assert all(not p.column_urls for p in plain.values()), "discover must not write the registry"
    expected = site.entries()
    found_bodies = found_columns = 0
    misses = []
    for e in expected:
        code = e.county.code if e is e.county.gov else body_code(e.parent, e.level, e.name)
        p = effective.get(code)
        if p is None:
            misses.append(f"{e.name} ({e.county.host}, {e.county.family}/{e.county.structure}): not found")
            continue
        found_bodies += 1
        assert (p.agency, p.level) == (e.name, e.level)
        if e is not e.county.gov:
            assert p.parent == e.county.code and p.region_code == e.county.code
        if p.column_urls == [e.url(e.column)]:
            found_columns += 1
        else:
            misses.append(f"{e.name} ({e.county.family}/{e.county.structure}): column {p.column_urls} "
                          f"!= {e.url(e.column)}")
    n = len(expected)
    assert found_bodies >= 0.99 * n and found_columns >= 0.99 * n, "\n".join(misses[:20])
    # nothing else was taken for a body (navigation, sidebars, look-alikes)
    bodies = [p for p in effective.values() if p.level in ("部门", "乡")]
    assert len(bodies) == n - len(site.counties), [p.agency for p in bodies][:40]
    # each column is read by the spider of its platform family
    fam = {"trs": "trs", "hanweb": "hanweb", "vsb": "vsb", "json": "json", "generic": "generic"}
    wrong = [(p.code, p.platform) for c in site.counties for p in [effective[c.code]]
             if p.platform != fam[c.family]]
    assert not wrong


def test_every_report_archived_under_its_own_body(nation):
    site, d, crawl = nation["site"], nation["dir"], nation["crawl"]
    assert crawl.returncode == 0, explain(crawl)
    caps = [c for c in iter_captures(d / "archive") if c.role == "report"]
    by_url = collections.defaultdict(set)
    for c in caps:
        by_url[c.url].add((c.portal, c.agency))
    missing, misfiled = [], []
    for e in site.entries():
        code = e.county.code if e is e.county.gov else body_code(e.parent, e.level, e.name)
        for path in e.reports:
            got = by_url.get(e.url(path))
            if not got:
                missing.append(e.url(path))
            elif got != {(code, e.name)}:
                misfiled.append((e.url(path), got, code))
        for path in e.lookalikes:
            assert e.url(path) not in by_url
    assert not missing, missing[:10]
    assert not misfiled, misfiled[:10]
    # archive.db: each body an agency of its own with its reports, not the county's
    rows = db_rows(d / "archive.db", "select a.name, a.portal, count(r.id) as n from agencies a "
                   "join reports r on r.agency_id = a.id group by a.id")
    got = {(r["name"], r["portal"]): r["n"] for r in rows}
    for e in site.entries():
        code = e.county.code if e is e.county.gov else body_code(e.parent, e.level, e.name)
        pages = [p for p in e.reports if not p.endswith(".pdf")]
        assert got.get((e.name, code), 0) >= len(pages), (e.name, code)
    reg_rows = db_rows(d / "archive.db", "select level, count(*) as n from registry group by level")
    assert {r["level"]: r["n"] for r in reg_rows} == {"县": 60, "部门": 120, "乡": 120, "省": 3}
    cov = db_rows(d / "archive.db", "select sum(reports) as n from registry_reports")
    assert cov[0]["n"] == sum(got.values())


def test_no_request_outside_the_portals_and_one_at_a_time_per_host(nation):
    site = nation["site"]
    portal_hosts = {c.host for c in site.counties}
    hosts = collections.Counter(h for h, _ in site.requests)
    assert set(hosts) <= portal_hosts, {h: n for h, n in hosts.items() if h not in portal_hosts}
    for h in OFF_PORTAL:
        assert hosts[h] == 0
    assert nation["discover_requests"] > 0
    # answers quicker than the 10 ms slack count as 0: never two at once either way
    assert max(site.max_concurrent_per_host().values()) <= 1


def test_coverage_in_datasette(nation):
    import asyncio
    import urllib.parse

    from crawler.db import dictionary
    from crawler.web.app import datasette_instance

    d = nation["dir"]
    ds = datasette_instance(d / "archive.db", d / "archive")

    async def get(*paths):
        return [await ds.client.get(p) for p in paths]

    table, dash = asyncio.run(get("/archive/registry.json?_shape=objects&level=部门",
                                  "/-/dashboards/registry-coverage"))
    assert table.status_code == 200 and len(table.json()["rows"]) == 100  # a page of 120
    assert dash.status_code == 200 and "登记覆盖" in dash.text
    charts = dictionary.coverage_dashboard()["charts"]
    for key, chart in charts.items():
        (page,) = asyncio.run(get(f"/-/dashboards/registry-coverage/{key}"))
        assert page.status_code == 200, key
        sql = chart["query"].replace(dictionary.REGISTRY_FILTERS, "")
        (r,) = asyncio.run(get("/archive.json?_shape=objects&sql=" + urllib.parse.quote(sql)))
        assert r.status_code == 200 and r.json()["rows"], key
    (r,) = asyncio.run(get("/archive.json?_shape=objects&sql=" + urllib.parse.quote(
        charts["reports-by-year"]["query"].replace(dictionary.REGISTRY_FILTERS, ""))))
    by = {(x["year"], x["level"]): x["reports"] for x in r.json()["rows"]}
    assert by[(2024, "部门")] == 120 and by[(2024, "乡")] == 120 and by[(2022, "县")] == 60
    (m,) = asyncio.run(get("/archive.json?_shape=objects&sql=" + urllib.parse.quote(
        charts["bodies"]["query"].replace(dictionary.REGISTRY_FILTERS, ""))))
    assert m.json()["rows"][0]["n"] == 240
