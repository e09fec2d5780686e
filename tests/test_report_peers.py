"""A report page's peers from the build's report_peers (crawler.db.peers) are what the page
read live: the same ranks, medians, top five and values, for every report of an archive, an
agency with two reports in a year included."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlite_utils

from crawler.db import peers as peers_table
from crawler.web.report_page import data
from tests.conftest import synthetic_archive

pytestmark = pytest.mark.slow  # a synthetic archive built by a subprocess


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    return synthetic_archive(tmp_path_factory.mktemp("peers") / "archive.db", 500)


def _reports(conn) -> list[dict]:
    conn.row_factory = sqlite3.Row
    out = [dict(r) for r in conn.execute("select * from reports order by key")]
    conn.row_factory = None
    return out


def _live(conn, report):
    agg = report.get("scope") == "aggregate"
    return data._ranked(report, agg, data._peers_live(conn, report, agg))


def test_peers_from_the_table_are_the_live_peers(synthetic_db, tmp_path):
    db = tmp_path / "archive.db"
    shutil.copy(synthetic_db, db)
    conn = sqlite3.connect(db)
    # a second report of one agency in the same year (a revision published beside the first):
    # its agency appears once among the peers, by the report first by agency name and id
    src = conn.execute("select r.key, r.id from reports r join cells c on c.report_key = r.key "
                       "join field_keys f on f.key = c.field_key and f.field_id = ? "
                       "where r.parse_status = 'parsed' and r.province is not null "
                       "order by r.key limit 1", [peers_table.NEW]).fetchone()
    new_key = conn.execute("select max(key) + 1 from reports").fetchone()[0]
    cols = [r[1] for r in conn.execute("pragma table_info(reports)")]
    conn.execute(f"insert into reports ({', '.join(cols)}) select "
                 + ", ".join("?" if c in ("id", "key") else c for c in cols)
                 + " from reports where key = ?",
                 [*(src[1] + "-revised" if c == "id" else new_key for c in cols if c in ("id", "key")),
                  src[0]])
    conn.execute("insert into cells select ?, field_key, value + 7, raw, place, ocr_confidence "
                 "from cells where report_key = ?", [new_key, src[0]])
    conn.commit()
    conn.close()
    peers_table.refresh(sqlite_utils.Database(db))
    conn = sqlite3.connect(db)
    reports = _reports(conn)
    assert conn.execute("select count(*) from report_peers").fetchone()[0] > 0
    compared = ranked = 0
    for report in reports:
        if report.get("format") not in data.formats.VERSIONS:
            continue
        got = data.peers(conn, report)
        want = _live(conn, report)
        assert got == want, report["id"]
        compared += 1
        ranked += got is not None and got["rank"] is not None
    assert compared > 400 and ranked > 300
    # both reports of the agency: each ranked as itself, the agency counted once
    pair = [r for r in reports if r["id"] in (src[1], src[1] + "-revised")]
    got = [data.peers(conn, r) for r in pair]
    assert got[0]["count"] == got[1]["count"]
    assert {g["value"] for g in got} == {got[0]["value"], got[0]["value"] + 7}


def test_without_the_table_the_peers_are_read_live(synthetic_db, tmp_path):
    db = tmp_path / "archive.db"
    shutil.copy(synthetic_db, db)
    conn = sqlite3.connect(db)
    conn.execute("delete from peer_groups")
    conn.execute("delete from report_peers")
    conn.commit()
    report = next(r for r in _reports(conn) if r["parse_status"] == "parsed" and r["province"])
    got = data.peers(conn, report)
    assert got == _live(conn, report) and got["count"] > 0
