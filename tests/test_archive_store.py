"""crawler.archive: the WARC store and its reading API, on its own."""
from __future__ import annotations

import gzip
import hashlib

from warcio.archiveiterator import ArchiveIterator

from crawler.archive import ArchiveIndex, ArchiveWriter, Fetch, iter_captures, read_payload

HTML = "<html><head><meta charset='gb2312'></head><body>朱镕基 堃 政府信息公开工作年度报告</body></html>"


def fetch(body: bytes, url="http://a.gov.cn/r.html", status=200, **kw):
    headers = kw.pop("headers", [("Content-Type", "text/html"), ("ETag", '"v1"')])
    return Fetch(url, url, status, headers, body, role=kw.pop("role", "report"), **kw)


def test_write_read_revisit_change(tmp_path):
    body = HTML.encode("gb18030")
    w = ArchiveWriter(tmp_path, "r1", "t")
    assert w.write(fetch(body, title="博爱县人民政府2024年政府信息公开工作年度报告",
                         agency="博爱县人民政府", region_code="410822", portal="410822",
                         referer="http://a.gov.cn/list.html"))[0] == "new"
    assert w.write(fetch(body))[0] == "unchanged"            # same payload: revisit
    assert w.write(fetch(b"", status=304, headers=[("ETag", '"v1"')]))[0] == "unchanged"
    assert w.write(fetch(b"%PDF-1.4 same", url="http://a.gov.cn/x.pdf",
                         headers=[("Content-Type", "application/pdf")]))[0] == "new"
    w.close()
    w2 = ArchiveWriter(tmp_path, "r2", "t")
    assert w2.index.conditional_headers("http://a.gov.cn/r.html") == {"If-None-Match": '"v1"'}
    assert w2.write(fetch(body.replace("堃".encode("gb18030"), b"X")))[0] == "changed"
    w2.close()
    caps = list(iter_captures(tmp_path))
    assert [(c.revisit, c.status) for c in caps] == [
        (False, 200), (True, 200), (True, 304), (False, 200), (False, 200)]
    first = caps[0]
    assert first.title == "博爱县人民政府2024年政府信息公开工作年度报告"
    assert (first.agency, first.region_code, first.portal) == ("博爱县人民政府", "410822", "410822")
    assert first.referer == "http://a.gov.cn/list.html" and first.role == "report"
    assert first.encoding == "gb18030" and "堃" in first.text()
    assert first.sha256 == hashlib.sha256(body).hexdigest() and first.size == len(body)
    assert caps[1].payload() == caps[2].payload() == body       # revisits read the original
    assert caps[1].sha256 == caps[2].sha256 == first.sha256
    assert caps[3].encoding is None and caps[3].content_type == "application/pdf"
    assert caps[4].payload() != body and caps[0].payload() == body  # old version kept
    assert read_payload(tmp_path, first.warc_file, first.offset) == body
    # one payload record per distinct payload
    assert sum(1 for c in caps if not c.revisit) == 3
    # request records precede their responses, linked by WARC-Concurrent-To
    with open(tmp_path / first.warc_file, "rb") as fh:
        recs = [(r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"),
                 r.rec_headers.get_header("WARC-Record-ID")) for r in ArchiveIterator(fh)]
    assert [r[0] for r in recs] == ["warcinfo"] + ["request", "response", "request", "revisit",
                                                   "request", "revisit", "request", "response"]
    assert recs[1][1] == recs[2][2]


def test_files_are_never_reused_and_a_cut_off_tail_is_skipped(tmp_path):
    a = ArchiveWriter(tmp_path, "same-run", "t")
    a.write(fetch(b"<html>one</html>", url="http://a.gov.cn/1.html"))
    a.close()
    b = ArchiveWriter(tmp_path, "same-run", "t", index=ArchiveIndex())
    b.write(fetch(b"<html>two</html>", url="http://a.gov.cn/2.html"))
    b.close()
    files = sorted(p.name for p in (tmp_path / "warc").iterdir())
    assert files == ["same-run-t-0.warc.gz", "same-run-t-1.warc.gz"]
    # a crawler killed mid-record leaves half a gzip member at the end
    path = tmp_path / "warc" / files[1]
    whole = path.read_bytes()
    path.write_bytes(whole + gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 500)[:60])
    assert [c.url for c in iter_captures(tmp_path)] == ["http://a.gov.cn/1.html",
                                                        "http://a.gov.cn/2.html"]
