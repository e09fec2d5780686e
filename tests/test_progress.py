"""Quiet commands: `ogi crawl` (with --db) prints a few plain lines and its summaries, Scrapy's
log goes to ARCHIVE/runs/<run_id>.log, and the live progress line is drawn only on a terminal
(OGI_PROGRESS=1 stands in for one here), then wiped; `ogi build` the same for parsing."""
from __future__ import annotations

import os
import subprocess
import pytest

from testbed import DEMO_COLUMN, serve
from crawler.progress import parse_line

from tests.portal_fixtures import OGI, ROOT, explain

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def _run(args, progress: str | None, cwd=ROOT):
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    env.pop("OGI_PROGRESS", None)
    if progress is not None:
        env["OGI_PROGRESS"] = progress
    proc = subprocess.run(OGI + args, capture_output=True, timeout=180, cwd=cwd, env=env)
    # decoded by hand: text=True would turn the progress line's carriage returns into newlines
    proc.stdout, proc.stderr = proc.stdout.decode(), proc.stderr.decode()
    return proc


def test_crawl_is_quiet_with_its_log_in_the_archive_and_progress_only_on_a_terminal(tmp_path):
    with serve("demo") as base:
        plain = _run(["crawl", "--url", base.url(DEMO_COLUMN), "--allow-private", "--archive",
                      str(tmp_path / "a"), "--db", str(tmp_path / "a.db")], None)
        live = _run(["crawl", "--url", base.url(DEMO_COLUMN), "--allow-private", "--archive",
                     str(tmp_path / "b"), "--db", str(tmp_path / "b.db")], "1")
    for proc in (plain, live):
        assert proc.returncode == 0, explain(proc)
        out = proc.stdout.splitlines()
        assert len(out) <= 6, proc.stdout
        assert any(line.startswith("run ") and "2 reports found, 2 new" in line for line in out)
        assert any(line.startswith("built ") for line in out)
        assert "Scrapy 2." not in proc.stdout + proc.stderr and "INFO" not in proc.stderr
    (log,) = (tmp_path / "a" / "runs").glob("*.log")
    text = log.read_text("utf-8")
    assert "Scrapy" in text and "Spider closed (finished)" in text and "archived report" in text
    assert "\r" not in plain.stdout + plain.stderr  # a pipe: no animation
    assert "\rcrawling: " in live.stderr and " reports found, " in live.stderr
    assert "\rparsing: 0/2 reports" in live.stderr and "\rparsing: 2/2 reports" in live.stderr
    assert live.stderr.rstrip(" ").endswith("\r")  # the line is wiped before the summary


def test_build_prints_its_summary_and_progress_only_when_asked(tmp_path):
    with serve("demo") as base:
        crawl = _run(["crawl", "--url", base.url(DEMO_COLUMN), "--allow-private", "--archive",
                      str(tmp_path / "a")], None)
    assert crawl.returncode == 0, explain(crawl)
    quiet = _run(["build", "--archive", str(tmp_path / "a"), "--db", str(tmp_path / "q.db")], None)
    live = _run(["build", "--archive", str(tmp_path / "a"), "--db", str(tmp_path / "l.db")], "1")
    assert quiet.returncode == live.returncode == 0, quiet.stderr + live.stderr
    assert quiet.stderr == "" and len(quiet.stdout.splitlines()) == 1
    assert '"parsed": 2' in quiet.stdout and quiet.stdout == live.stdout
    assert "\rparsing: 2/2 reports" in live.stderr


def test_parse_line_rate_and_time_left():
    assert parse_line(10, 40, started=0.0, now=5.0) == "parsing: 10/40 reports, 2.0/s, 15 s left"
    assert parse_line(0, 40, started=0.0, now=1.0).endswith("starting")
    assert "2 min 00 s left" in parse_line(1, 121, started=0.0, now=1.0)
