"""Registry-driven crawls: `ogi crawl --all` / `--portal` with a registry file whose portals are
simulated on 127.0.0.1 (the shipped registry holds only real portals, never crawled in tests)."""
from __future__ import annotations

import collections
import pytest

from crawler.archive import iter_captures
from testbed import serve
from crawler.demo.site import max_concurrent

from tests.portal_fixtures import explain, last_run, run_crawl, write_registry

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def test_all_portals_of_a_registry_in_one_run(tmp_path):
    archive = tmp_path / "archive"
    # two portals on one host (127.0.0.1): each answer is held 20 ms so overlaps would show
    with serve("trs", hold=0.02) as trs, serve("json", hold=0.02) as js:
        reg = write_registry(
            tmp_path / "portals.yaml",
            {"code": "990001", "agency": "示范县人民政府", "level": "县",
             "column_urls": [trs.url(trs.site.column_path)]},
            {"code": "990002-json", "agency": "示范县人民政府办公室", "region_code": "990002",
             "level": "部门", "column_urls": [js.url(js.site.column_path)], "platform": "json"},
            {"code": "990003", "agency": "未核实的县", "domains": [], "platform": None})
        proc = run_crawl("--all", "--registry", str(reg), archive=archive)
        assert proc.returncode == 0, explain(proc)
        one = run_crawl("--portal", "990002-json", "--registry", str(reg), archive=archive)
        assert one.returncode == 0, explain(one)
        # one request at a time to the host, across the two portals' spiders of one run
        assert max_concurrent(trs.site.spans + js.site.spans) == 1
    assert "skipped portal 990003" in proc.stdout
    caps = [c for c in iter_captures(archive) if c.role == "report"]
    by_portal = collections.Counter(c.portal for c in caps)
    n_trs, n_js = len(trs.site.expected_reports), len(js.site.expected_reports)
    assert by_portal == {"990001": n_trs, "990002-json": 2 * n_js}
    assert {(c.agency, c.region_code) for c in caps if c.portal == "990001"} == {
        ("示范县人民政府", "990001")}
    runs = sorted((archive / "runs").glob("*.json"))
    assert len(runs) == 2
    import json
    first = json.loads(runs[0].read_text("utf-8"))
    assert sorted(first["spiders"]) == ["jsonapi", "trs"]
    assert first["counts"]["reports_found"] == n_trs + n_js
    assert last_run(archive)["counts"]["unchanged"] == n_js


def test_robots_txt_obeyed_unless_the_registry_overrides_it_with_a_reason(tmp_path):
    with serve("trs", faults=["robots"]) as base:
        private = next(p for p, w in base.site.expected_failures.items() if w == "robots")
        assert private.startswith("/private/") and "Disallow: /private/" in base.site.robots

        def registry(extra: str) -> str:
            return str(write_registry(
                tmp_path / f"portals-{len(extra)}.yaml",
                {"code": "990001", "agency": "示范县人民政府",
                 "column_urls": [base.url(base.site.column_path)]}, extra=extra))

        def fetched() -> bool:
            return any(p == private for (_, p, _, _) in base.site.log)

        obey = run_crawl("--portal", "990001", "--registry", registry(""),
                         archive=tmp_path / "a")
        assert obey.returncode == 0, explain(obey)
        assert not fetched()
        failures = {f["url"]: f["reason"] for f in last_run(tmp_path / "a")["failures"]}
        assert "robots.txt" in failures[base.url(private)]

        # an override without a reason is a configuration error
        bare = run_crawl("--portal", "990001", "--registry", registry("    robots: ignore\n"),
                         archive=tmp_path / "b")
        assert bare.returncode == 2 and "only with a reason" in bare.stderr, explain(bare)
        assert not fetched()

        ignore = run_crawl("--portal", "990001", "--registry", registry(
            "    robots: ignore\n    robots_reason: the portal's robots.txt disallows the "
            "report column it publishes by law (test)\n"), archive=tmp_path / "c")
        assert ignore.returncode == 0, explain(ignore)
        assert fetched()
        assert not any("robots" in f["reason"] for f in last_run(tmp_path / "c")["failures"])


def test_a_document_linked_from_two_portals_of_one_run_is_stored_once(tmp_path):
    """Two registry portals list the same reports (a county and its office share a column): the
    spiders of one run share the archive's index, so each payload is stored once and the second
    portal's captures are revisit records pointing at it."""
    archive = tmp_path / "archive"
    with serve("trs") as trs:
        column = trs.url(trs.site.column_path)
        reg = write_registry(
            tmp_path / "portals.yaml",
            {"code": "990011", "agency": "示范县人民政府", "level": "县", "column_urls": [column]},
            {"code": "990012", "agency": "示范县人民政府办公室", "region_code": "990011",
             "level": "部门", "column_urls": [column]})
        proc = run_crawl("--all", "--registry", str(reg), archive=archive)
        assert proc.returncode == 0, explain(proc)
    reports = [c for c in iter_captures(archive) if c.role == "report"]
    stored = collections.Counter(c.sha256 for c in reports if not c.revisit)
    assert len(stored) == len(trs.site.expected_reports)
    assert set(stored.values()) == {1}, [s for s, n in stored.items() if n > 1]
    assert {c.portal for c in reports} == {"990011", "990012"}
    assert sum(1 for c in reports if c.revisit) == len(trs.site.expected_reports)
