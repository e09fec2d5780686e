"""Crawl failures said in words and in the exit code: a portal whose reports all fail (an
oversized PDF sent without Content-Length, a page whose connection is always reset), and
addresses that are not public (carrier-grade NAT 100.64.0.0/10 included) refused on every hop."""
from __future__ import annotations

import http.server
import socket
import struct
import subprocess
import threading

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from crawler.middlewares import Refused, SafetyMiddleware, check_url
from tests.portal_fixtures import OGI, ROOT, explain, last_run, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

LIST = """<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<div class="list"><ul>
<li><a href="/col/big.pdf">某县人民政府2024年政府信息公开工作年度报告</a><span>2025-01-20</span></li>
<li><a href="/col/t20240115_1.html">某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-15</span></li>
</ul></div></body></html>""".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/col/index.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(LIST)))
            self.end_headers()
            self.wfile.write(LIST)
        elif self.path == "/col/big.pdf":
            # no Content-Length: the size is only known once it passes the limit
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.wfile.write(b"%PDF-1.4\n")
            for _ in range(40):
                try:
                    self.wfile.write(b"0" * 65536)
                except OSError:
                    return
        elif self.path.startswith("/col/t2024"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        else:
            self.send_error(404)


@pytest.fixture
def portal():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_reports_found_but_none_archived_exits_4_and_names_each_cause(tmp_path, portal):
    proc = run_crawl("--url", portal + "/col/index.html", "--max-size", "1000000",
                     archive=tmp_path / "a")
    assert proc.returncode == 4, explain(proc)
    run = last_run(tmp_path / "a")
    assert run["exit_code"] == 4 and run["counts"]["reports_found"] == 2
    reasons = {f["url"].rsplit("/", 1)[-1]: f["reason"] for f in run["failures"]}
    assert set(reasons) == {"big.pdf", "t20240115_1.html"}, reasons
    assert reasons["big.pdf"] == "larger than the maximum document size (1000000 bytes)"
    assert reasons["t20240115_1.html"].startswith("connection reset / closed before an answer")
    for r in reasons.values():
        assert "twisted" not in r.lower() and "Failure" not in r and not r.endswith(": ")
    assert "exit code 4" in proc.stdout


@pytest.mark.parametrize("url", ["http://100.100.100.200/latest/meta-data/",
                                 "http://100.64.0.1/", "http://100.127.255.254/x",
                                 "http://[::ffff:100.100.100.200]/", "http://198.18.0.1/"])
def test_non_public_addresses_are_refused(url):
    host = url.split("//")[1].split("/")[0].strip("[]")
    why = check_url(url, [host], allow_private=False)
    assert why and why.startswith("refused:"), why


def test_a_redirect_hop_to_carrier_grade_nat_is_refused():
    class Portal(scrapy.Spider):
        name = "portal"
        allowed_domains = ["www.example.gov.cn", "100.100.100.200"]

    crawler = get_crawler(Portal, {"OGI_ALLOW_PRIVATE": False})
    crawler.spider = Portal()
    mw = SafetyMiddleware.from_crawler(crawler)
    hop = scrapy.Request("http://100.100.100.200/latest/meta-data/",
                         meta={"redirect_urls": ["http://www.example.gov.cn/report.html"]})
    with pytest.raises(Refused, match="carrier-grade NAT.*after a redirect from"):
        mw.process_request(hop)


def test_a_crawl_of_the_metadata_service_is_refused_before_sending(tmp_path):
    proc = subprocess.run(OGI + ["crawl", "--archive", str(tmp_path / "a"), "--url",
                                 "http://100.100.100.200/latest/meta-data/", "--delay", "0"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"OGI_CONTACT": "tests@localhost", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, explain(proc)
    run = last_run(tmp_path / "a")
    (f,) = run["failures"]
    assert "carrier-grade NAT" in f["reason"] and "100.100.100.200" in proc.stdout
