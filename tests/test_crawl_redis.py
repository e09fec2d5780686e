"""Distributed crawling on a real Redis (Debian's redis-server, started by the fixture on
a free 127.0.0.1 port): several `ogi worker` processes share one scrapy-redis frontier over the
simulated portals; every report archived exactly once, the work spread, one request at a time per
host across workers, a worker killed with SIGKILL loses nothing, `ogi build` merges all workers."""
from __future__ import annotations

import collections
import hashlib
import json
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from crawler.archive import iter_captures
from testbed import serve

from tests.conftest import free_port
from tests.portal_fixtures import FAST, OGI, ROOT, explain

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A real redis-server of our own on 127.0.0.1 (no persistence), stopped at the end."""
    binary = shutil.which("redis-server") or REDIS_SERVER
    if not os.path.exists(binary):
        pytest.fail(f"redis-server not found ({REDIS_SERVER}): the distributed-crawl tests need "
                    f"Debian's redis-server (bash scripts/setup.sh installs it as root)")
    d = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(d),
                             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                            stdout=open(d / "redis.log", "w"), stderr=subprocess.STDOUT)
    import redis
    r = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.time() + 20
    while True:
        try:
            r.ping()
            break
        except redis.exceptions.ConnectionError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start: {(d / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=20)


def ogi(*args, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    return subprocess.run(OGI + list(args), capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env)


def start_worker(redis_url, prefix, archive, wid, log_dir: pathlib.Path) -> subprocess.Popen:
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    return subprocess.Popen(OGI + ["worker", "--redis", redis_url, "--frontier", prefix,
                                   "--archive", str(archive), "--id", wid,
                                   "--heartbeat-timeout", "2", "--wait", "30"],
                            cwd=ROOT, env=env, stdout=open(log_dir / f"{wid}.out", "w"),
                            stderr=open(log_dir / f"{wid}.err", "w"), start_new_session=True)


def finish(proc, log_dir, wid, timeout=240) -> str:
    proc.wait(timeout=timeout)
    out = (log_dir / f"{wid}.out").read_text()
    err = (log_dir / f"{wid}.err").read_text()
    assert proc.returncode in (0, 1), f"{wid} exit {proc.returncode}\n{out}\n{err[-6000:]}"
    return out


def registry(tmp_path, bases) -> pathlib.Path:
    entries = []
    for i, (platform, base) in enumerate(bases):
        entries.append(f"""  - code: "99000{i}"
    agency: 示范县{i}人民政府
    region_code: "99000{i}"
    level: 县
    domains: [127.0.0.1]
    column_urls: ["{base.url(base.site.column_path)}"]
    platform: {platform}
    source: test bed""")
    reg = tmp_path / "portals.yaml"
    reg.write_text("portals:\n" + "\n".join(entries) + "\n", "utf-8")
    return reg


class HostWatch:
    """Wraps the simulated sites (all on 127.0.0.1): requests being answered at once."""

    def __init__(self, sites, hold: float = 0.004) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0
        for site in sites:
            site.handle = self._wrap(site.handle, hold)

    def _wrap(self, handle, hold):
        def wrapped(req, *a, **kw):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                time.sleep(hold)  # long enough for overlapping requests to show
                return handle(req, *a, **kw)
            finally:
                with self.lock:
                    self.now -= 1
        return wrapped


def rel(base, url: str) -> str:
    return url[len(base):] if url.startswith(base) else url


def check_once(archive, bases):
    """Every expected report of every site archived exactly once, with the served bytes."""
    caps = list(iter_captures(archive))
    reports = [c for c in caps if c.role == "report"]
    for base in bases:
        mine = [c for c in reports if c.url.startswith(base + "/")]
        per_url = collections.Counter(rel(base, c.url) for c in mine)
        expected = set(base.site.expected_reports)
        assert set(per_url) == expected, (base.site.name if hasattr(base.site, "name") else base,
                                          sorted(expected - set(per_url)),
                                          sorted(set(per_url) - expected))
        assert max(per_url.values()) == 1, per_url.most_common(3)
        for c in mine:
            served = base.site.served_bytes(rel(base, c.final_url))
            assert c.sha256 == hashlib.sha256(served).hexdigest() and c.payload() == served
    return caps


def check_build(tmp_path, archive, bases):
    """`ogi build` over all workers' WARC files: each document parsed once, one row per report."""
    db = tmp_path / "archive.db"
    proc = ogi("build", "--archive", str(archive), "--db", str(db), timeout=300)
    assert proc.returncode == 0, explain(proc)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {base + p for base in bases for p in base.site.expected_reports}
    # every report document of every worker considered exactly once
    assert summary["parsed"] + summary["failed"] + summary["not_reports"] == len(expected), summary
    con = sqlite3.connect(db)
    urls = [u for (u,) in con.execute("select url from reports")]
    assert urls and len(urls) >= summary["parsed"]  # (a document that fails keeps a row too)
    assert len(urls) == len(set(urls)) and set(urls) <= expected  # one row per document
    caps = con.execute("select count(*), count(distinct warc_file) from captures").fetchone()
    con.close()
    return caps


def worker_files(archive) -> dict[str, list[pathlib.Path]]:
    out = collections.defaultdict(list)
    for p in (archive / "warc").glob("*.warc.gz"):
        for wid in ("w0", "w1", "w2"):
            if f"-{wid}-" in p.name:
                out[wid].append(p)
    return out


def summaries(archive) -> dict[str, dict]:
    out = {}
    for p in (archive / "runs").glob("*.json"):
        s = json.loads(p.read_text("utf-8"))
        out[s.get("worker")] = s
    return out


def test_three_workers_share_one_frontier_each_report_once_one_request_per_host(
        tmp_path, redis_url):
    archive = tmp_path / "archive"
    prefix = "t-share"
    with serve("trs") as trs, serve("hanweb") as hw, serve("json") as js:
        bases = [trs, hw, js]
        watch = HostWatch([b.site for b in bases])
        reg = registry(tmp_path, [("trs", trs), ("hanweb", hw), ("json", js)])
        push = ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--all",
                   "--registry", str(reg), "--allow-private", *FAST)
        assert push.returncode == 0, explain(push)
        assert "3 portal(s) pushed" in push.stdout
        # a second run cannot start over a run nobody has worked on yet
        again = ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--all",
                    "--registry", str(reg), "--allow-private")
        assert again.returncode == 2 and "waiting for workers" in again.stderr
        status0 = ogi("worker", "--redis", redis_url, "--frontier", prefix, "--status", "--json")
        s0 = json.loads(status0.stdout)
        assert len(s0["targets"]) == 3 and s0["workers"] == [] and s0["queued"] == 0

        workers = {w: start_worker(redis_url, prefix, archive, w, tmp_path)
                   for w in ("w0", "w1", "w2")}
        outs = {w: finish(p, tmp_path, w) for w, p in workers.items()}
        check_once(archive, bases)
        assert watch.most == 1, f"{watch.most} requests at once on 127.0.0.1"
        # the operator's view after the run
        status = ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--status")
        assert status.returncode == 0, explain(status)
    n_reports = sum(len(b.site.expected_reports) for b in bases)
    text = status.stdout
    assert "0 requests queued, 0 in flight" in text
    for w in workers:
        assert f"worker {w} " in text and "finished" in text
    st = json.loads(ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--status",
                        "--json").stdout)
    assert st["seen"] > n_reports and st["queued"] == st["in_flight"] == 0
    assert sum(w["counts"]["reports_found"] for w in st["workers"]) >= n_reports
    # the work was spread: every worker fetched, and archived into its own WARC files
    files = worker_files(archive)
    runs = summaries(archive)
    for w in workers:
        assert runs[w]["fetched"] > 0 and files[w], (w, outs[w])
        assert f"worker {w}: fetched" in outs[w]
    from warcio.archiveiterator import ArchiveIterator
    with open(files["w1"][0], "rb") as fh:
        recs = [r for r in ArchiveIterator(fh) if r.rec_type in ("response", "revisit")]
    assert recs and {r.rec_headers.get_header("WARC-Ogi-Worker") for r in recs} == {"w1"}
    # (`ogi build` over several workers' files: see the SIGKILL test below)
    # a new run starts once the previous one is over; lists are fetched again
    nxt = ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--all",
              "--registry", str(reg), "--allow-private")
    assert nxt.returncode == 0, explain(nxt)


def test_worker_killed_midway_loses_nothing(tmp_path, redis_url):
    import redis
    r = redis.Redis.from_url(redis_url)
    archive = tmp_path / "archive"
    prefix = "t-kill"
    with serve("trs") as trs, serve("json") as js:
        bases = [trs, js]
        reg = registry(tmp_path, [("trs", trs), ("json", js)])
        # a 50 ms delay between requests to the host: slow enough to kill a worker midway
        push = ogi("crawl", "--redis", redis_url, "--frontier", prefix, "--all",
                   "--registry", str(reg), "--allow-private", *FAST, "--delay", "0.05")
        assert push.returncode == 0, explain(push)
        workers = {w: start_worker(redis_url, prefix, archive, w, tmp_path)
                   for w in ("w0", "w1", "w2")}
        victim = workers["w0"]
        deadline = time.time() + 90
        # kill w0 while it holds requests in flight, after it archived something
        while time.time() < deadline:
            by_w0 = [c for c in iter_captures(archive)
                     if c.role == "report" and "-w0-" in c.warc_file]
            if len(by_w0) >= 3 and r.hlen(f"{prefix}:processing:w0") > 0:
                break
            assert victim.poll() is None, "w0 ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("w0 never had requests in flight")
        in_flight = r.hlen(f"{prefix}:processing:w0")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = {c.url for c in iter_captures(archive) if c.role == "report"}
        status = ogi("worker", "--redis", redis_url, "--frontier", prefix, "--status")
        outs = {w: finish(workers[w], tmp_path, w) for w in ("w1", "w2")}
        check_once(archive, bases)
    assert 0 < len(killed_at) < sum(len(b.site.expected_reports) for b in bases)
    runs = summaries(archive)
    assert "w0" not in runs  # the killed worker wrote no summary
    # its in-flight requests went back to the queue and were done by the others
    assert in_flight > 0
    assert runs["w1"]["requeued_from_dead_workers"] + runs["w2"]["requeued_from_dead_workers"] \
        >= 1, outs
    assert r.hlen(f"{prefix}:processing:w0") == 0
    assert "worker w0 " in status.stdout
    final = ogi("worker", "--redis", redis_url, "--frontier", prefix, "--status")
    assert "0 requests queued, 0 in flight" in final.stdout
    assert "worker w0 " in final.stdout and "dead" in final.stdout
    # w0's WARC files stay in the archive (cut-off tails are read up to the last record)
    assert worker_files(archive)["w0"]
    check_build(tmp_path, archive, bases)


def test_redis_mode_bad_input_is_a_configuration_error(tmp_path, redis_url):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    p = ogi("crawl", "--redis", unreachable, "--url", "http://127.0.0.1:9/", "--allow-private")
    assert p.returncode == 2 and "cannot reach Redis" in p.stderr
    p = ogi("worker", "--redis", unreachable, "--status")
    assert p.returncode == 2 and "cannot reach Redis" in p.stderr
    p = ogi("crawl", "--status")
    assert p.returncode == 2 and "--status needs --redis" in p.stderr
    p = ogi("worker", "--redis", redis_url, "--frontier", "t-empty", "--wait", "0.5")
    assert p.returncode == 1 and "no run" in p.stderr
    p = ogi("worker", "--redis", redis_url, "--frontier", "t-empty", "--status")
    assert p.returncode == 0 and "no run" in p.stdout
