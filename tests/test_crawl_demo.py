"""P1: a real Scrapy crawl (subprocess) of the shipped demo portal's seed column on 127.0.0.1:
the seed report as an HTML page and its Word attachment, none of the look-alikes."""
from __future__ import annotations

import hashlib

import pytest

from crawler.archive import iter_captures, iter_runs
from testbed import DEMO_COLUMN, DEMO_REPORT, DEMO_SEED_REPORTS, serve

from tests.portal_fixtures import explain, last_run, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("start,platform", [("/", "auto"), (DEMO_COLUMN, "trs")])
def test_demo_crawl_archives_exactly_the_seed_report(tmp_path, start, platform):
    archive = tmp_path / "archive"
    with serve("demo") as base:
        proc = run_crawl("--url", base.url(start), "--platform", platform, archive=archive)
        assert proc.returncode == 0, explain(proc)
        served = base.site.served_bytes(DEMO_REPORT)
        requested = [p for (_, p, _, _) in base.site.log]
    caps = list(iter_captures(archive))
    reports = [c for c in caps if c.role == "report"]
    assert sorted(c.url for c in reports) == sorted(base.url(p) for p in DEMO_SEED_REPORTS)
    seed = next(c for c in reports if c.url == base.url(DEMO_REPORT))
    docx = next(c for c in reports if c.url != base.url(DEMO_REPORT))
    assert docx.payload()[:4] == b"PK\x03\x04" and docx.referer == seed.url
    assert seed.sha256 == hashlib.sha256(served).hexdigest()
    assert seed.payload() == served
    assert seed.status == 200 and not seed.revisit
    assert seed.title == "博爱县人民政府2024年政府信息公开工作年度报告"
    assert seed.encoding == "utf-8" and seed.content_type.startswith("text/html")
    assert seed.size == len(served) and seed.fetched_at.endswith("Z")
    assert seed.referer.endswith("/zfxxgknb/index_1.html")  # found on page 2 of the list
    # the look-alikes of the column were never fetched, let alone archived
    for lookalike in ("t20250603_31398", "t20250108_31206", "t20250305_31290",
                      "t20250321_31311", "t20240910_30876"):
        assert not any(lookalike in p for p in requested)
        assert not any(lookalike in c.url for c in caps)
    assert {c.role for c in caps} <= {"report", "list", "other"}
    assert any(c.role == "list" and c.url.endswith("index_1.html") for c in caps)
    runs = list(iter_runs(archive))
    assert len(runs) == 1
    run = runs[0]
    assert run["counts"]["reports_found"] == 2 and run["counts"]["new"] == 2
    assert run["counts"]["failed"] == 0 and run["exit_code"] == 0
    assert seed.run_id == run["run_id"]
    assert "2 reports found, 2 new" in proc.stdout


def test_second_crawl_of_unchanged_demo_stores_no_new_payload(tmp_path):
    archive = tmp_path / "archive"
    with serve("demo") as base:
        first = run_crawl("--url", base.url(DEMO_COLUMN), archive=archive)
        assert first.returncode == 0, explain(first)
        second = run_crawl("--url", base.url(DEMO_COLUMN), archive=archive)
        assert second.returncode == 0, explain(second)
    caps = list(iter_captures(archive))
    run2 = last_run(archive)
    assert run2["counts"]["unchanged"] == 2 and run2["counts"]["new"] == 0
    second_caps = [c for c in caps if c.run_id == run2["run_id"]]
    assert second_caps and all(c.revisit for c in second_caps)
    seed = [c for c in second_caps if c.role == "report" and c.url.endswith(DEMO_REPORT)]
    assert len(seed) == 1 and seed[0].payload().decode("utf-8").count("<table") == 3
    # the list pages were fetched again (never skipped), the report conditionally (304)
    assert {c.url.rsplit("/", 1)[-1] for c in second_caps if c.role == "list"} >= {
        "index.html", "index_1.html"}
    assert seed[0].status == 304
