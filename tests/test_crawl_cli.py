"""`ogi crawl`: exit codes, refusals, the archive lock, graceful interruption and resume."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import time
import pytest

from crawler.archive import ArchiveLock, iter_captures
from testbed import DEMO_COLUMN, serve

from tests.portal_fixtures import FAST, OGI, ROOT, explain, last_run, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def test_exit_1_when_nothing_is_found(tmp_path):
    with serve("demo") as base:
        proc = run_crawl("--url", base.url("/xwzx/index.html"), "--platform", "trs",
                         archive=tmp_path / "a")
    assert proc.returncode == 1, explain(proc)
    assert "0 reports found" in proc.stdout
    assert last_run(tmp_path / "a")["exit_code"] == 1


def test_exit_3_when_the_portal_blocks_and_is_paused(tmp_path):
    with serve("demo") as base:
        base.site.add_fault(DEMO_COLUMN, "429", times=None)  # always Too Many Requests
        t0 = time.time()
        proc = run_crawl("--url", base.url(DEMO_COLUMN), "--platform", "trs",
                         "--set", "OGI_BLOCK_LIMIT=2", archive=tmp_path / "a")
        elapsed = time.time() - t0
        hits = [(p, st) for (_, p, st, _) in base.site.log if p == DEMO_COLUMN]
    assert proc.returncode == 3, explain(proc)
    run = last_run(tmp_path / "a")
    assert run["paused"] == ["127.0.0.1"] and run["counts"]["blocked"] >= 2
    assert "paused" in proc.stdout and DEMO_COLUMN in proc.stdout
    # Retry-After: 1 was honoured between the attempts, and the paused portal got no more
    assert len(hits) == 2 and elapsed >= 1.0
    assert not [c for c in iter_captures(tmp_path / "a") if c.role == "report"]


def test_exit_2_on_configuration_errors(tmp_path):
    a = tmp_path / "a"
    cases = [
        ([], "exactly one of"),
        (["--portal", "410822"], "no report column URL"),      # known by its home page only
        (["--portal", "999999"], "not in the registry"),
        (["--url", "ftp://example.org/x"], "http(s)"),
        (["--url", "http://127.0.0.1:9/", "--set", "NOEQUALS"], "NAME=VALUE"),
    ]
    for args, msg in cases:
        proc = run_crawl(*args, archive=a)
        assert proc.returncode == 2, (args, explain(proc))
        assert msg in proc.stderr, (args, proc.stderr)
    lock = ArchiveLock(a)
    assert lock.acquire()
    try:
        proc = run_crawl("--url", "http://127.0.0.1:9/", archive=a)
        assert proc.returncode == 2 and "another crawl" in proc.stderr, explain(proc)
    finally:
        lock.release()


def test_db_option_without_builder_or_with_it(tmp_path):
    with serve("demo") as base:
        proc = run_crawl("--url", base.url(DEMO_COLUMN), "--db", str(tmp_path / "archive.db"),
                         archive=tmp_path / "a")
    assert proc.returncode == 0, explain(proc)
    assert "built " in proc.stdout and (tmp_path / "archive.db").exists()


def test_ctrl_c_midway_then_resume_from_jobdir(tmp_path):
    archive = tmp_path / "archive"
    with serve("trs") as base:
        cmd = OGI + ["crawl", "--archive", str(archive), "--allow-private", "--url",
                     base.url(base.site.column_path), "--platform", "trs", *FAST,
                     "--delay", "0.1"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        deadline = time.time() + 60
        while len(base.site.log) < 25 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGINT)  # graceful: Scrapy saves its queue in the JOBDIR
        out, err = proc.communicate(timeout=60)
        first = last_run(archive)
        assert first["per_spider"][0]["finish_reason"] == "shutdown", out + err[-3000:]
        jobdirs = [p for p in (archive / "jobs").iterdir()]
        assert jobdirs and (jobdirs[0] / "ogi-resumable.json").exists()
        resumed = run_crawl("--url", base.url(base.site.column_path), "--platform", "trs",
                            archive=archive)
        assert resumed.returncode == 0, explain(resumed)
        assert "resuming the interrupted crawl" in resumed.stderr
    caps = list(iter_captures(archive))
    got = {c.url[len(base):] for c in caps if c.role == "report"}
    assert got == set(base.site.expected_reports)
    payloads = collections.Counter(c.sha256 for c in caps if not c.revisit)
    assert max(payloads.values()) == 1
    assert not any((archive / "jobs").iterdir())  # a finished crawl leaves no resume state
