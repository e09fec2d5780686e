"""What the report page reads (crawler.web.report_page.data), on a real built archive: check
counts and their verdict, the versions of a report through the interface the data side fills
(crawler.db.documents: documents of role version, version_diffs), and charts that say why
they are empty."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from crawler.web.report_page import charts, data
from tests.test_db_archive import built_archive


def test_check_summary_never_calls_mostly_undecidable_a_pass():
    rows = [{"kind": "report", "status": "pass"}] * 2 + [{"kind": "report", "status": "undecidable"}] * 38 \
        + [{"kind": "text", "status": "pass"}]
    s = data.check_summary(rows)
    assert (s["pass"], s["fail"], s["undecidable"], s["total"]) == (3, 0, 38, 41)
    assert s["verdict"] == "mostly undecidable"
    assert s["by_kind"]["report"] == {"pass": 2, "fail": 0, "undecidable": 38, "total": 40}
    assert data.check_summary(rows[:2] + rows[-1:])["verdict"] == "pass"
    assert data.check_summary(rows[:3])["verdict"] == "pass where decidable"
    assert data.check_summary(rows + [{"kind": "cross", "status": "fail"}])["verdict"] == "fail"
    assert data.check_summary([])["verdict"] == "none"


def test_empty_charts_say_why():
    years = [{"year": 2019, "report_id": "r", "format": "2019", "new": None, "concluded": 805,
              "current": True, "outcomes": [{"key": "disclosed", "label": "（一）予以公开", "value": None}]}]
    out = charts.outcomes(years, [("disclosed", "（一）予以公开")])
    assert "ogi-chart-empty" in out and "总计" in out and "<svg" not in out
    assert "ogi-chart-empty" in charts.applications(years) and "ogi-chart-empty" in charts.applications([])
    assert "ogi-chart-empty" in charts.peer_strip(None)
    years[0]["outcomes"][0]["value"] = 7
    assert "<svg" in charts.outcomes(years, [("disclosed", "（一）予以公开")])


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    _, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path_factory.mktemp("versions") / "archive.db"
    shutil.copy(db, copy)
    c = sqlite3.connect(copy)
    yield c
    c.close()


def _report(conn, like: str) -> dict:
    c = conn.execute("select * from reports where url like ?", [like])
    names = [d[0] for d in c.description]
    return dict(zip(names, c.fetchone()))


def test_one_version_when_the_address_held_one_payload(conn):
    r = _report(conn, "%hongze/2024.pdf")
    v = data.versions(conn, r)
    assert v["recorded"] is True and v["changes"] == []
    assert [x["sha256"] for x in v["versions"]] == [r["capture_sha256"]] and v["versions"][0]["current"]
    p = data.page(conn, r["id"])
    assert p["versions"] == v and all(not c["changes"] for t in p["tables"] for b in t["blocks"]
                                      for row in b["rows"] for c in row["cells"])


def add_earlier_version(conn, r: dict, field: str, earlier: int, now: int) -> str:
    """An earlier payload of report *r*'s address, as `ogi build` records it
    (crawler.db.documents): a document of role version whose *field* printed *earlier*."""
    doc_id = r["id"] + "@" + "e" * 12
    cols = [c[1] for c in conn.execute("pragma table_info(documents)")]
    shared = [c for c in cols if c in r and c not in ("id", "key", "capture_sha256", "fetched_at")]
    key = conn.execute("select max(key) + 1000 from reports").fetchone()[0]
    conn.execute(f"insert into documents (id, key, capture_sha256, fetched_at, report_id, role, "
                 f"{', '.join(shared)}) values (?, ?, ?, ?, ?, 'version', "
                 f"{', '.join('?' for _ in shared)})",
                 [doc_id, key, "e" * 64, "2025-01-01T00:00:00Z", r["id"]] + [r[c] for c in shared])
    conn.execute("insert into version_diffs values (?, ?, ?, ?, ?, ?, ?)",
                 [r["id"], doc_id, field, earlier, str(earlier), now, str(now)])
    return doc_id


def test_versions_and_changed_cells_from_the_data_side(conn):
    r = _report(conn, "%hongze/2024.pdf")
    add_earlier_version(conn, r, "t3.new.total", 20, 21)
    v = data.versions(conn, r)
    assert [x["version"] for x in v["versions"]] == [1, 2]
    assert [x["current"] for x in v["versions"]] == [False, True]
    (change,) = v["changes"]
    assert change["field_id"] == "t3.new.total" and (change["before_raw"], change["after_raw"]) == ("20", "21")
    assert change["table"] == "三" and change["row_label"].startswith("一、本年新收") and change["column_label"] == "总计"
    p = data.page(conn, r["id"])
    changed = [c["id"] for t in p["tables"] for b in t["blocks"] for row in b["rows"] for c in row["cells"]
               if c["changes"]]
    assert changed == ["t3.new.total"]
