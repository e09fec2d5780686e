"""One hostile document costs one document: a real 4 MB PDF whose content inflates to 4 GiB,
a parser process killed by the kernel, out of memory or out of time. The build goes on, the
neighbours are parsed, the failure names the limit and the next --incremental build retries it."""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import time

import pytest

from crawler.archive import ArchiveIndex, ArchiveWriter, Fetch
from crawler.db.build import build
from parsers.parse import PARSER_VERSION, parse_bytes

from tests.bombs import pdf_bomb
from tests.conftest import CORPUS, db_rows
from tests.portal_fixtures import OGI, ROOT, explain

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

SEED = (CORPUS / "seed" / "boai-2024.txt").read_bytes()
GOOD = [("seed/boai-2024.txt", "text/plain; charset=utf-8"),
        ("real/huaian-hongze-2023.pdf", "application/pdf"),
        ("real/huaian-hongze-2024.pdf", "application/pdf")]
GOOD_URLS = {f"http://127.0.0.1/good/{i}.{n.rsplit('.', 1)[-1]}" for i, (n, _) in enumerate(GOOD)}


def write_archive(archive, extra: list[tuple[str, bytes, str]]):
    w = ArchiveWriter(archive, "20250301T000000.000Z-limits", "t", index=ArchiveIndex())
    for i, (name, ctype) in enumerate(GOOD):
        url = f"http://127.0.0.1/good/{i}.{name.rsplit('.', 1)[-1]}"
        w.write(Fetch(url, url, 200, [("Content-Type", ctype)], (CORPUS / name).read_bytes(),
                      role="report", title="政府信息公开工作年度报告", agency=f"机关{i}"))
    for url, body, ctype in extra:
        w.write(Fetch(url, url, 200, [("Content-Type", ctype)], body, role="report",
                      title="2024年政府信息公开工作年度报告", agency="某县人民政府"))
    w.close()


def cap_address_space(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def ogi_build(archive, db, *args):
    # the whole build, workers included, under 3 GiB of address space: the bomb would need 8 GB
    proc = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db), *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT,
                          preexec_fn=cap_address_space(3 << 30))
    return proc, (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode in (0, 1)
                  and proc.stdout.strip() else {})


BOMB_URL = "http://127.0.0.1/bomb/2024.pdf"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pdf_bomb_fails_alone_and_is_retried_by_the_next_incremental_build(tmp_path, jobs):
    archive, db = tmp_path / "archive", tmp_path / "archive.db"
    bomb = pdf_bomb(4 << 30)
    assert len(bomb) < 5 * 2 ** 20
    write_archive(archive, [(BOMB_URL, bomb, "application/pdf")])
    proc, summary = ogi_build(archive, db, "--jobs", jobs)
    assert proc.returncode == 0, explain(proc)
    assert summary["parsed"] == len(GOOD) and summary["failed"] == 1, summary
    assert summary["resource_limited"] == 1
    (err,) = db_rows(db, "select url, reason, retryable from parse_errors")
    assert err["url"] == BOMB_URL and err["retryable"] == 1
    assert "decompression bomb" in err["reason"] and "inflates to more than" in err["reason"]
    loaded = {r["url"] for r in db_rows(db, "select url from reports where parse_status != 'failed'")}
    assert loaded == GOOD_URLS

    again, summary = ogi_build(archive, db, "--incremental", "--jobs", jobs)
    assert again.returncode == 0, explain(again)
    assert summary["skipped"] == len(GOOD) and summary["failed"] == 1, summary  # retried


def parse_or_die(data: bytes, *, name: str, content_type=None):
    """parsers.parse, except that a document marked KILL-ME kills its process (as the kernel's
    OOM killer or a crash in a C library would), HOG-ME allocates without bound and SLOW-ME
    never returns."""
    if b"KILL-ME" in data:
        os.kill(os.getpid(), signal.SIGKILL)
    if b"HOG-ME" in data:
        hog = [bytearray(2 ** 28) for _ in range(64)]  # 16 GiB
        return {"hog": len(hog)}
    if b"SLOW-ME" in data:
        while True:
            time.sleep(0.05)
    return parse_bytes(data, name=name, content_type=content_type)


@pytest.mark.parametrize("marker,reason", [(b"KILL-ME", "parser process died"),
                                           (b"HOG-ME", "memory limit"),
                                           (b"SLOW-ME", "time limit")])
def test_a_document_that_kills_or_exhausts_its_worker_costs_only_itself(tmp_path, marker, reason):
    archive, db = tmp_path / "archive", tmp_path / "archive.db"
    url = "http://127.0.0.1/hostile/2024.txt"
    write_archive(archive, [(url, SEED + b"\n" + marker + b"\n", "text/plain; charset=utf-8")])
    summary = build(archive, db, parse=parse_or_die, parser_version=PARSER_VERSION, jobs=2,
                    max_memory=768 * 2 ** 20, max_seconds=5)
    assert summary["parsed"] == len(GOOD) and summary["failed"] == 1, summary
    (err,) = db_rows(db, "select url, reason, retryable from parse_errors")
    assert err["url"] == url and reason in err["reason"] and err["retryable"] == 1, err
    loaded = {r["url"] for r in db_rows(db, "select url from reports where parse_status != 'failed'")}
    assert loaded == GOOD_URLS
    # the next incremental build tries it again (here with a parser that reads it)
    summary = build(archive, db, full=False, parse=parse_bytes_without_markers,
                    parser_version=PARSER_VERSION, jobs=2)
    assert summary["skipped"] == len(GOOD) and summary["parsed"] == 1, summary
    assert not db_rows(db, "select 1 from parse_errors")


def parse_bytes_without_markers(data: bytes, *, name: str, content_type=None):
    clean = data
    for marker in (b"KILL-ME", b"HOG-ME", b"SLOW-ME"):
        clean = clean.replace(marker, b"")
    return dict(parse_bytes(clean, name=name, content_type=content_type),
                sha256=hashlib.sha256(data).hexdigest())


def test_a_permanent_parse_error_is_not_retried(tmp_path):
    archive, db = tmp_path / "archive", tmp_path / "archive.db"
    write_archive(archive, [("http://127.0.0.1/empty.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")])
    first = build(archive, db, jobs=1)
    assert first["failed"] == 1 and first["resource_limited"] == 0
    assert db_rows(db, "select retryable from parse_errors") == [{"retryable": 0}]
    second = build(archive, db, full=False, jobs=1)
    assert second["skipped"] == len(GOOD) + 1 and second["failed"] == 0
