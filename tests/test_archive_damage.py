"""Damaged WARC files on disk: a record cut off by a killed crawl, garbage in the middle of a
gzip WARC. Nothing cut or damaged is ever parsed or used as the original of a revisit; every
intact record is still read; the damage is named with its byte range; the next crawl fetches a
cut-off document again."""
from __future__ import annotations

import json
import os
import subprocess
import pytest

from crawler.archive import (ArchiveIndex, ArchiveWriter, DamagedRecord, Fetch, iter_captures,
                             read_payload)
from testbed import DEMO_COLUMN, serve
from crawler.warc_records import iter_records

from tests.conftest import CORPUS, db_rows
from tests.portal_fixtures import OGI, ROOT, explain, last_run, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

SEED = (CORPUS / "seed" / "boai-2024.txt").read_bytes()


def record_spans(path):
    """[(offset, end, record type, url)] of every record of a WARC file."""
    recs = [(off, r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
            for off, r in iter_records(path)]
    ends = [off for off, _, _ in recs[1:]] + [path.stat().st_size]
    return [(off, end, t, u) for (off, t, u), end in zip(recs, ends)]


def ogi_build(archive, db, *args):
    proc = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    summary = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    return proc, summary


def test_a_cut_off_record_is_reported_never_parsed_and_the_next_crawl_fetches_it_again(tmp_path):
    archive = tmp_path / "archive"
    with serve("demo") as base:
        first = run_crawl("--url", base.url(DEMO_COLUMN), archive=archive)
        assert first.returncode == 0, explain(first)
        # the crawler is killed while writing its biggest report: the file ends mid-record
        (warc,) = sorted((archive / "warc").iterdir())
        spans = [s for s in record_spans(warc) if s[2] == "response"]
        reports = {c.final_url: c for c in iter_captures(archive) if c.role == "report"}
        off, end, _, url = max((s for s in spans if s[3] in reports), key=lambda s: s[1] - s[0])
        whole = reports[url].payload()
        cut_at = off + (end - off) * 2 // 5
        with open(warc, "r+b") as fh:
            fh.truncate(cut_at)

        damage: list = []
        caps = list(iter_captures(archive, damage))
        assert url not in {c.final_url for c in caps}              # never a capture
        assert [(d.file, d.start, d.end) for d in damage] == [
            (f"warc/{warc.name}", off, cut_at)]
        assert "cut off" in damage[0].reason
        try:
            read_payload(archive, f"warc/{warc.name}", off)
            raise AssertionError("the cut record was read as a payload")
        except DamagedRecord as exc:
            assert f"{warc.name}@{off}" in str(exc)
        index = ArchiveIndex.load(archive)                         # never the original of a revisit
        assert url not in index.by_url
        assert all(k.offset != off for k in index.by_sha.values())

        # ogi build: the cut record is listed with its byte range, and the build says so
        proc, summary = ogi_build(archive, tmp_path / "archive.db")
        assert proc.returncode == 1, explain(proc)
        assert summary["damaged"] == [{"file": f"warc/{warc.name}", "start": off, "end": cut_at,
                                       "reason": damage[0].reason}]
        assert f"warc/{warc.name}" in proc.stderr and f"{off}-{cut_at}" in proc.stderr
        assert not db_rows(tmp_path / "archive.db",
                           "select 1 from captures where warc_offset = ?", [off])

        # the next crawl fetches the document again and stores all of it
        second = run_crawl("--url", base.url(DEMO_COLUMN), archive=archive)
        assert second.returncode == 0, explain(second)
    run = last_run(archive)
    assert run["counts"]["new"] >= 1, run
    again = [c for c in iter_captures(archive) if c.final_url == url and not c.revisit]
    assert len(again) == 1 and again[0].payload() == whole and again[0].run_id == run["run_id"]
    proc, summary = ogi_build(archive, tmp_path / "archive.db")
    assert summary["damaged"][0]["start"] == off  # the old cut tail stays (never rewritten), named
    assert db_rows(tmp_path / "archive.db", "select 1 from report_documents r join captures c "
                   "on c.sha256 = r.capture_sha256 where c.final_url = ?", [url])


def archive_reports(archive, n: int, tag: str = "r") -> list[str]:
    """n copies of the seed report, each a little different, archived as one run's WARC file."""
    w = ArchiveWriter(archive, f"20250301T000000.000Z-{tag}", tag, index=ArchiveIndex())
    urls = []
    for i in range(n):
        url = f"http://127.0.0.1/{tag}/{i}.txt"
        w.write(Fetch(url, url, 200, [("Content-Type", "text/plain; charset=utf-8")],
                      SEED + f"\n附：{tag}第{i}号\n".encode(), role="report",
                      title="博爱县人民政府2024年政府信息公开工作年度报告", agency=f"{tag}第{i}局",
                      region_code="410822"))
        urls.append(url)
    w.close()
    return urls


def write_reports(archive, n=33):
    urls = archive_reports(archive, n)
    (warc,) = (archive / "warc").iterdir()
    return warc, urls


def test_garbage_in_the_middle_of_a_gzip_warc_loses_only_the_records_it_hits(tmp_path):
    archive = tmp_path / "archive"
    warc, urls = write_reports(archive)
    size = warc.stat().st_size
    at = size * 3 // 10
    with open(warc, "r+b") as fh:                         # 4 KB of garbage at 30 %
        fh.seek(at)
        fh.write(os.urandom(4096))
    damage: list = []
    caps = [c for c in iter_captures(archive, damage) if c.role == "report"]
    assert len(damage) == 1
    d = damage[0]
    assert d.start <= at and d.end >= at + 4096 and d.end < size
    hit = {u for u in urls if u not in {c.url for c in caps}}
    assert 1 <= len(hit) <= 4 and len(caps) == len(urls) - len(hit)
    assert all(c.payload().startswith(SEED) for c in caps)  # every intact record is whole

    proc, summary = ogi_build(archive, tmp_path / "archive.db")
    assert proc.returncode == 1, explain(proc)
    assert summary["damaged"] == [{"file": f"warc/{warc.name}", "start": d.start, "end": d.end,
                                   "reason": d.reason}]
    assert f"warc/{warc.name} bytes {d.start}-{d.end}" in proc.stderr
    loaded = {r["url"] for r in db_rows(tmp_path / "archive.db", "select url from reports")}
    assert loaded == set(urls) - hit


def test_an_intact_archive_builds_with_exit_0_and_no_damage(tmp_path):
    archive = tmp_path / "archive"
    write_reports(archive, 3)
    proc, summary = ogi_build(archive, tmp_path / "archive.db")
    assert proc.returncode == 0, explain(proc)
    assert summary["damaged"] == [] and summary["parsed"] == 3
