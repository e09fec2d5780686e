"""The browser fallback against hostile list scripts, with Debian's chromium on 127.0.0.1: a
script that never yields costs one named failure and a bounded time (a SIGTERM ends it at once,
without rendering again); popups, WebSockets, workers and service workers are refused and
named; a page that holds gigabytes is killed at the memory cap. Real `ogi crawl` runs over the
hostile test beds of testbed/jslists.py."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time

import pytest

from crawler.archive import ArchiveLock
from testbed import serve
from testbed.hostile import ProcessTree
from tests.portal_fixtures import OGI, ROOT, last_run

# browsers and subprocesses: not in the fast loop
pytestmark = pytest.mark.slow


def start_crawl(base, archive, *extra):
    """`ogi crawl` of the test bed's column, with every process below it followed (chromium
    does not keep its parent's environment: descent goes by parent pid)."""
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    cmd = OGI + ["crawl", "--url", base.url(base.site.column_path), "--platform", "trs",
                 "--archive", str(archive), "--allow-private", "--delay", "0", "--timeout", "5",
                 "-v", *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    tree = ProcessTree(proc.pid).__enter__()
    return proc, tree


def finish(proc, tree, timeout: float):
    """Wait for the crawl; a crawl still running at `timeout` is killed with everything it
    started, and the test fails."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        tree.sample()
        for pid in tree.alive():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.communicate()
        tree.__exit__(None, None, None)
        pytest.fail(f"the crawl was still running after {timeout:.0f} s")
    tree.__exit__(None, None, None)
    return out, err


def no_leftovers(tree) -> set[int]:
    assert len(tree.seen) >= 3, tree.seen  # the crawl, Playwright's driver, chromium ...
    return tree.leftovers(wait=10)


def column_gets(site) -> int:
    return sum(1 for (_, p, _, _) in site.log if p == site.column_path)


def lock_is_free(archive) -> bool:
    lock = ArchiveLock(archive)
    ok = lock.acquire()
    lock.release()
    return ok


def test_a_list_script_that_never_yields_costs_one_named_failure(tmp_path):
    archive = tmp_path / "archive"
    with serve("hang") as base:
        proc, tree = start_crawl(base, archive, "--browser-timeout", "3", "--browser-pages", "1")
        out, err = finish(proc, tree, 180)
        site = base.site
    assert proc.returncode == 0, err[-3000:]
    col, = last_run(archive)["columns"]
    assert col["browser"].startswith("failed:") and "never yields" in col["browser"], col
    fails = [f for f in last_run(archive)["failures"] if f["url"] == col["column"]]
    assert fails and fails[0]["reason"].startswith("browser rendering failed")
    assert column_gets(site) == 2  # read once, rendered once: never again
    assert col["found_static"] == site.STATIC  # the rest of the crawl went on
    assert lock_is_free(archive)
    assert not no_leftovers(tree)


def test_sigterm_ends_a_hung_render_at_once_without_rendering_again(tmp_path):
    archive = tmp_path / "archive"
    with serve("hang") as base:
        site = base.site
        # a page time far beyond this test's patience: only the stop can end the render
        proc, tree = start_crawl(base, archive, "--browser-timeout", "300")
        end = time.monotonic() + 120
        while column_gets(site) < 2 and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.1)
        assert column_gets(site) == 2, "the browser never rendered the column"
        time.sleep(2)  # the script is spinning now
        proc.send_signal(signal.SIGTERM)
        out, err = finish(proc, tree, 60)
        assert column_gets(site) == 2  # not rendered again on the way out
    assert lock_is_free(archive)
    assert not no_leftovers(tree)
    col, = last_run(archive)["columns"]
    assert "stopped" in col["browser"], col


def test_popups_websockets_and_workers_are_refused_and_named(tmp_path):
    archive = tmp_path / "archive"
    with serve("escape") as base:
        proc, tree = start_crawl(base, archive, "--browser-timeout", "10", "--browser-pages", "1")
        out, err = finish(proc, tree, 180)
        paths = [p for (_, p, _, _) in base.site.log]
    assert proc.returncode == 0, err[-3000:]
    # robots.txt disallows /search/: nothing there was fetched, by any way out of the page
    assert not [p for p in paths if p.startswith("/search/")], paths
    assert "/sw.js" not in paths
    col, = last_run(archive)["columns"]
    kinds = {b["kind"] for b in col["browser_blocked"]}
    assert {"popup", "websocket", "worker", "serviceworker"} <= kinds, col["browser_blocked"]
    blocked = {b["url"].split("://", 1)[1].split("/", 1)[1] for b in col["browser_blocked"]}
    assert {"search/popup.jsp?p=gknb", "search/target.jsp?p=gknb", "search/ws?p=gknb",
            "search/worker.js", "sw.js"} <= blocked
    failures = [f for f in last_run(archive)["failures"] if f.get("role") == "browser"]
    assert len(failures) >= 5 and all("refused" in f["reason"] for f in failures)
    assert not no_leftovers(tree)


def test_a_page_holding_gigabytes_is_killed_at_the_memory_cap(tmp_path):
    archive = tmp_path / "archive"
    with serve("memory") as base:
        proc, tree = start_crawl(base, archive, "--browser-timeout", "60",
                                 "--set", "OGI_BROWSER_MAX_MEMORY=512")
        out, err = finish(proc, tree, 180)
    assert proc.returncode == 0, err[-3000:]
    col, = last_run(archive)["columns"]
    assert col["browser"].startswith("failed:") and "memory cap of 512 MiB" in col["browser"]
    assert lock_is_free(archive)
    assert not no_leftovers(tree)
