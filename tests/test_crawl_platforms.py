"""Real Scrapy crawls (subprocess `ogi crawl`) of the simulated portals on
127.0.0.1 — every platform kind, every fault, SIGKILL + rerun, unchanged and changed portals."""
from __future__ import annotations

import collections
import hashlib
import os
import signal
import subprocess
import time

import pytest

from crawler.archive import iter_captures
from testbed import serve

from tests.portal_fixtures import CORPUS_REAL, FAST, OGI, ROOT, explain, last_run, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

PLATFORMS = [
    # site, start ("column" = the site's report column), --platform
    ("trs", "column", "trs"),
    ("trs-gbk", "column", "trs"),
    ("trs-dynamic", "column", "trs"),      # 动静结合: static first page + TRS search API
    ("trs-dynamic", "/", "auto"),          # ... reached by discovery from the home page
    ("hanweb", "column", "hanweb"),
    ("json", "column", "json"),
    ("generic", "/", "auto"),
]


def start_url(base, start: str) -> str:
    return base.url(base.site.column_path if start == "column" else start)


def rel(base, url: str) -> str:
    return url[len(base):] if url.startswith(base) else url


def check_reports(base, archive, run_id=None):
    """Every expected report archived exactly once with its served bytes; nothing else."""
    site = base.site
    caps = [c for c in iter_captures(archive) if run_id is None or c.run_id == run_id]
    reports = [c for c in caps if c.role == "report"]
    per_url = collections.Counter(rel(base, c.url) for c in reports)
    assert set(per_url) == set(site.expected_reports), (
        f"missing {sorted(set(site.expected_reports) - set(per_url))}, "
        f"extra {sorted(set(per_url) - set(site.expected_reports))}")
    assert all(n == 1 for n in per_url.values()), per_url.most_common(3)
    for c in reports:
        served = site.served_bytes(rel(base, c.final_url))
        assert c.sha256 == hashlib.sha256(served).hexdigest(), c.url
        assert c.payload() == served
    # no look-alike was fetched, let alone archived
    fetched = {p.split("?")[0] for (_, p, _, _) in site.log}
    assert not fetched & site.lookalike_paths
    assert not {rel(base, c.url) for c in caps} & site.lookalike_paths
    return caps


@pytest.mark.parametrize("site,start,platform", PLATFORMS,
                         ids=[p[0] + ("-home" if p[1] == "/" and p[0] != "generic" else "")
                              for p in PLATFORMS])
def test_every_report_found_on_each_platform_and_no_lookalike(tmp_path, site, start, platform):
    archive = tmp_path / "archive"
    docs = CORPUS_REAL if site == "trs" else None
    with serve(site, documents_dir=docs, hold=0.03) as base:
        assert len(base.site.items) >= 50 and len(base.site.pages()) >= 3
        proc = run_crawl("--url", start_url(base, start), "--platform", platform, archive=archive)
        assert proc.returncode == 0, explain(proc)
        caps = check_reports(base, archive)
        # politeness as the portal saw it: one request at a time, an honest user agent
        assert base.site.max_concurrent() == 1  # each answer took >= 30 ms: overlaps show
        assert all("ogi-archive" in a and "contact: tests@localhost" in a
                   for a in base.site.user_agents), base.site.user_agents
    run = last_run(archive)
    assert run["counts"]["reports_found"] == len(base.site.expected_reports)
    assert run["counts"]["new"] == len(base.site.expected_reports)
    assert run["counts"]["failed"] == 0 and run["failures"] == []
    kinds = collections.Counter(base.site.expected_reports.values())
    assert all(kinds[k] for k in ("page", "pdf", "docx", "doc", "wps", "xls", "png")), kinds
    by_ext = {c.url.rsplit(".", 1)[-1]: c for c in caps if c.role == "report"}
    assert by_ext["doc"].payload().startswith(b"\xd0\xcf\x11\xe0")  # old Office / WPS
    assert by_ext["wps"].payload().startswith(b"\xd0\xcf\x11\xe0")  # binaries, kept as served
    assert by_ext["xls"].content_type == "application/vnd.ms-excel"
    if site == "trs-gbk":
        pages = [c for c in caps if c.role == "report" and c.content_type.startswith("text/html")]
        assert pages and {c.encoding for c in pages} == {"gb18030"}
        assert "政府信息公开" in pages[0].text()
    if site == "trs-dynamic":
        # the static first page links only a few reports: the rest came from the search API,
        # read page by page from its JSON-ish (single-quoted, trailing comma) answers
        static = base.site.served_bytes(base.site.column_path).decode("utf-8")
        assert static.count("年度报告</a>") <= base.site.STATIC < len(base.site.expected_reports) / 3
        api = [p for (_, p, st, _) in base.site.log if p.startswith("/was5/web/search?")]
        assert len(api) == -(-len(base.site.items) // base.site.PREPAGE)
        assert all("classsql=chnlid%3D4559" in p and "channelid=229105" in p for p in api)
    if docs:  # real corpus PDFs and DOCX were served and archived byte for byte
        real = {hashlib.sha256(p.read_bytes()).hexdigest() for p in docs.glob("*.pdf")}
        assert real & {c.sha256 for c in caps}


@pytest.mark.parametrize("site", ["trs", "trs-dynamic", "hanweb"])
def test_all_faults_on_crawl_finishes_and_names_each_failure(tmp_path, site):
    archive = tmp_path / "archive"
    with serve(site, faults=["all"]) as base:
        s = base.site
        proc = run_crawl("--url", start_url(base, "column"), "--platform", "auto",
                         "--max-size", "1000000", archive=archive, timeout=180)
        assert proc.returncode == 0, explain(proc)
        caps = check_reports(base, archive)
        served_faults = collections.Counter(a for (_, _, _, a) in s.log if a)
    assert {"reset", "stall", "truncate"} <= set(served_faults)
    assert any(st in (500, 503, 429) for (_, _, st, _) in s.log)
    run = last_run(archive)
    failures = {rel(base, f["url"]): f["reason"] for f in run["failures"]}
    assert set(failures) == set(s.expected_failures), failures
    for path, word in s.expected_failures.items():
        assert word in failures[path].lower(), (path, failures[path])
        assert path in proc.stdout or base.url(path) in proc.stdout or path.startswith("http")
    # nothing of the faulty targets was archived (no challenge page, no HTML "PDF")
    archived = {rel(base, c.url) for c in caps} | {rel(base, c.final_url) for c in caps}
    assert not archived & set(s.expected_failures)
    for c in caps:
        assert b"__jsl_clearance" not in c.payload()
        if c.url.endswith(".pdf"):
            assert c.payload().startswith(b"%PDF")
    # the page declaring GB2312 while using GBK-only characters was read as GB18030
    gb = [c for c in caps if c.title and "镕" in c.title and c.role == "report"]
    assert len(gb) == 1 and gb[0].encoding == "gb18030" and "堃" in gb[0].text()
    assert run["counts"]["blocked"] >= 3  # 429, 503 + Retry-After, the challenge page
    assert run["exit_code"] == 0 and run["counts"]["failed"] == len(s.expected_failures)


def count_payload_records(archive):
    caps = list(iter_captures(archive))
    return caps, collections.Counter(c.sha256 for c in caps if not c.revisit)


def test_sigkill_midway_then_rerun_loses_nothing_and_duplicates_nothing(tmp_path):
    archive = tmp_path / "archive"
    with serve("trs") as base:
        cmd = OGI + ["crawl", "--archive", str(archive), "--allow-private",
                     "--url", start_url(base, "column"), "--platform", "trs", *FAST,
                     "--delay", "0.08"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 60
        while len(base.site.log) < 30 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        caps1, _ = count_payload_records(archive)
        done1 = {c.url for c in caps1 if c.role == "report"}
        assert 0 < len(done1) < len(base.site.expected_reports)
        assert not list((archive / "runs").glob("*.json"))  # the killed run wrote no summary
        rerun = run_crawl("--url", start_url(base, "column"), "--platform", "trs",
                          archive=archive)
        assert rerun.returncode == 0, explain(rerun)
        run2 = last_run(archive)
        caps, payloads = count_payload_records(archive)
    # nothing lost: every report is in the archive
    reports = {rel(base, c.url) for c in caps if c.role == "report"}
    assert reports == set(base.site.expected_reports)
    # nothing duplicated: each payload stored once; reports of the killed run are revisits now
    assert max(payloads.values()) == 1
    for c in caps:
        if c.run_id == run2["run_id"] and c.url in done1:
            assert c.revisit
    assert run2["counts"]["unchanged"] == len(done1)
    assert run2["counts"]["new"] == len(base.site.expected_reports) - len(done1)


@pytest.mark.parametrize("site,platform,validators", [
    ("json", "json", "etag+lm"),   # If-None-Match answered with 304
    ("trs", "trs", "lm"),          # Last-Modified only: If-Modified-Since answered with 304
    ("hanweb", "hanweb", "none"),  # no validators: every document re-sent, digests decide
])
def test_unchanged_portal_stores_no_new_payload_and_changed_report_gets_new_capture(
        tmp_path, site, platform, validators):
    archive = tmp_path / "archive"
    with serve(site, validators=validators) as base:
        url = start_url(base, "column")
        first = run_crawl("--url", url, "--platform", platform, archive=archive)
        assert first.returncode == 0, explain(first)
        caps1, payloads1 = count_payload_records(archive)
        n_log = len(base.site.log)
        second = run_crawl("--url", url, "--platform", platform, archive=archive)
        assert second.returncode == 0, explain(second)
        caps2, payloads2 = count_payload_records(archive)
        statuses = collections.Counter(st for (_, p, st, _) in base.site.log[n_log:]
                                       if p != "/robots.txt")
        if validators == "none":
            assert statuses[304] == 0
        else:  # every document (not the lists) was answered 304 Not Modified
            assert statuses[304] >= len(base.site.expected_reports)
        assert payloads2 == payloads1  # no new payload at all, lists included
        run2 = last_run(archive)
        assert run2["counts"]["unchanged"] == len(base.site.expected_reports)
        assert run2["counts"]["new"] == run2["counts"]["changed"] == 0
        assert len(caps2) > len(caps1)  # ... but every fetch is recorded (revisits)
        # the portal corrects one report in place
        page = next(p for p, k in base.site.expected_reports.items() if k == "page")
        old_bytes = base.site.served_bytes(page)
        base.site.change(page)
        new_bytes = base.site.served_bytes(page)
        third = run_crawl("--url", url, "--platform", platform, archive=archive)
        assert third.returncode == 0, explain(third)
    run3 = last_run(archive)
    assert run3["counts"]["changed"] == 1 and run3["counts"]["new"] == 0
    versions = [c for c in iter_captures(archive) if rel(base, c.url) == page and not c.revisit]
    assert [c.payload() for c in versions] == [old_bytes, new_bytes]  # the old one stays
    assert versions[1].run_id == run3["run_id"]
