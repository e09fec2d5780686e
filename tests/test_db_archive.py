"""archive.db built from a small WARC archive of real documents (the test archive other
tests/test_db*, test_datasette*, test_export* and test_browser* files share)."""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.db.search import register_functions
from tests.conftest import CORPUS

RUN = "20250301T000000Z-test"

# (file in the corpus, url, agency, region code, title, fetched_at, content type)
DOCUMENTS = [
    ("seed/boai-2024.txt", "http://127.0.0.1/boai/2024.txt", "博爱县人民政府", "410822",
     "博爱县人民政府2024年政府信息公开工作年度报告", "2025-03-01T01:00:00Z", "text/plain; charset=utf-8"),
    ("real/huaian-hongze-2023.pdf", "http://127.0.0.1/hongze/2023.pdf", "淮安市洪泽区人民政府", "320813",
     "洪泽区2023年政府信息公开工作年度报告", "2025-03-01T01:01:00Z", "application/pdf"),
    ("real/huaian-hongze-2024.pdf", "http://127.0.0.1/hongze/2024.pdf", "淮安市洪泽区人民政府", "320813",
     "洪泽区2024年政府信息公开工作年度报告", "2025-03-01T01:02:00Z", "application/pdf"),
    ("real/huaian-city-2024.pdf", "http://127.0.0.1/huaian/2024.pdf", "淮安市人民政府", "320800",
     "淮安市2024年政府信息公开工作年度报告", "2025-03-01T01:03:00Z", "application/pdf"),
]
BROKEN = ("http://127.0.0.1/boai/2023.pdf", "博爱县人民政府", "410822",
          "博爱县人民政府2023年政府信息公开工作年度报告", "2025-03-01T01:04:00Z")
BROKEN_BYTES = b"%PDF-1.7\n% truncated by the portal\n"


def _record(writer: WARCWriter, fh, url, body, ctype, date, role, agency=None, region=None,
            title=None, rec_type="response", original=None):
    headers = {"WARC-Date": date, "WARC-Ogi-Sha256": hashlib.sha256(body).hexdigest(),
               "WARC-Ogi-Size": str(len(body)), "WARC-Ogi-Role": role, "WARC-Ogi-Run-Id": RUN,
               "WARC-Ogi-Content-Type": ctype, "WARC-Ogi-Final-Url": url}
    for k, v in (("Agency", agency), ("Region-Code", region), ("Title", title)):
        if v:
            headers["WARC-Ogi-" + k] = v
    if original:
        headers["WARC-Ogi-Original-File"], headers["WARC-Ogi-Original-Offset"] = original
    http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    offset = fh.tell()
    if rec_type == "revisit":
        rec = writer.create_revisit_record(url, digest="sha256:" + hashlib.sha256(body).hexdigest(),
                                           refers_to_uri=url, refers_to_date=date,
                                           http_headers=http, warc_headers_dict=headers)
    else:
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                        http_headers=http, warc_headers_dict=headers)
    writer.write_record(rec)
    return offset


def write_test_archive(archive: Path) -> Path:
    """A WARC in crawler.archive's layout and headers: 4 real reports, a broken PDF, a list
    page and a revisit of the seed report."""
    (archive / "warc").mkdir(parents=True)
    (archive / "runs").mkdir()
    rel = f"warc/{RUN}-test-0.warc.gz"
    with open(archive / rel, "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        listing = "<html><body><a href='/boai/2024.txt'>博爱县人民政府2024年政府信息公开工作年度报告</a></body></html>"
        _record(w, fh, "http://127.0.0.1/list.html", listing.encode(), "text/html; charset=utf-8",
                "2025-03-01T00:59:00Z", "list")
        first = None
        for name, url, agency, region, title, date, ctype in DOCUMENTS:
            off = _record(w, fh, url, (CORPUS / name).read_bytes(), ctype, date, "report",
                          agency, region, title)
            first = first if first is not None else off
        url, agency, region, title, date = BROKEN
        _record(w, fh, url, BROKEN_BYTES, "application/pdf", date, "report", agency, region, title)
        name, url, agency, region, title, _, ctype = DOCUMENTS[0]
        _record(w, fh, url, (CORPUS / name).read_bytes(), ctype, "2025-03-02T01:00:00Z", "report",
                agency, region, title, rec_type="revisit", original=(rel, str(first)))
    (archive / "runs" / f"{RUN}.json").write_text(json.dumps(
        {"run_id": RUN, "spider": "test", "started": "2025-03-01T00:58:00Z",
         "finished": "2025-03-02T01:01:00Z", "status": "finished"}), encoding="utf-8")
    return archive


_CACHE: dict[str, tuple[Path, Path, dict]] = {}


def built_archive(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(archive dir, archive.db, build summary), built once per test session."""
    if "built" not in _CACHE:
        from crawler.db.build import build

        root = tmp_path_factory.mktemp("test-archive")
        archive = write_test_archive(root / "archive")
        db = root / "archive.db"
        summary = build(archive, db)
        _CACHE["built"] = (archive, db, summary)
    return _CACHE["built"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_archive(tmp_path_factory)


def q(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    register_functions(conn)  # the texts read through ogi_text
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_build_summary(built):
    _, _, summary = built
    assert summary["captures"] == 7  # list + 4 reports + broken + revisit
    assert summary["parsed"] == 4
    assert summary["failed"] == 1


def test_seed_values_with_labels_raw_text_and_provenance(built):
    _, db, _ = built
    truth = json.loads((CORPUS / "truth" / "boai-2024.json").read_text("utf-8"))
    rows = q(db, 'select field_id, value, raw, row_label, column_label, "table", capture_sha256, url '
                 'from "values" where report_id like ?', ["410822/博爱县人民政府/2024/%"])
    assert len(rows) == 200
    by_id = {r[0]: r for r in rows}
    for fid, expected in truth["values"].items():
        assert by_id[fid][1] == expected, fid
    r = by_id["t3.new.natural_person"]
    assert r[2] == "35" and r[3].startswith("一、本年新收") and r[4] == "自然人" and r[5] == "三"
    assert r[6] == hashlib.sha256((CORPUS / "seed/boai-2024.txt").read_bytes()).hexdigest()
    assert r[7] == "http://127.0.0.1/boai/2024.txt"


def test_report_row_facets_and_current_capture(built):
    _, db, _ = built
    (row,) = q(db, "select province, level, year, format, parse_status, check_status, capture_id, fetched_at "
                   "from reports where agency_id = '410822/博爱县人民政府' and year = 2024")
    assert row[:5] == ("河南省", "县级", 2024, "2021", "parsed")
    # the revisit of 2025-03-02 points back to the response record holding the payload
    assert row[6].startswith("warc/") and row[7] == "2025-03-01T01:00:00Z"


def test_failed_document_recorded_not_lost(built):
    _, db, _ = built
    (err,) = q(db, "select url, reason from parse_errors")
    assert err[0] == BROKEN[0] and err[1]
    (rep,) = q(db, "select parse_status, year from reports where url = ?", [BROKEN[0]])
    assert rep == ("failed", 2023)
    assert q(db, "select status from coverage where agency_id = '410822/博爱县人民政府' and year = 2023") == [("unparsed",)]
    assert q(db, "select count(*) from captures where role = 'report'")[0][0] == 6


def test_checks_and_cross_year_checks(built):
    _, db, _ = built
    fails = q(db, "select rule_id from checks c join reports r on r.id = c.report_id "
                  "where r.year = 2023 and r.agency_id = '320813/淮安市洪泽区人民政府' and c.status = 'fail' and c.kind = 'report'")
    assert ("rule.t4.block_total.review",) in fails  # printed 10 1 0 0 | 总计 0: recorded, not corrected
    cross = q(db, "select rule_id, status, previous_report_id from checks where kind = 'cross'")
    assert cross and all(c[2].startswith("320813/淮安市洪泽区人民政府/2023/") for c in cross)
    assert {c[0] for c in cross} >= {"rule.cross.carry.total", "rule.cross.in_force.regulations"}
    assert q(db, "select severity from checks where kind = 'cross' group by severity") == [("warning",)]


def test_wide_views_and_coverage(built):
    _, db, _ = built
    (row,) = q(db, 'select "t3.new.total", "t3.result.total.total" from t3_wide where agency_id = ? and year = 2024',
               ["410822/博爱县人民政府"])
    assert row == (35, 35 - 0 - (35 - 35))  # new 35, concluded 35 (nothing carried forward)
    assert q(db, 'select "t4.review.total" from t4_wide where agency_id = ? and year = 2023',
             ["320813/淮安市洪泽区人民政府"]) == [(0,)]
    statuses = dict(q(db, "select agency_id || ':' || year, status from coverage"))
    assert statuses["320800/淮安市人民政府:2023"] == "missing"
    assert statuses["320813/淮安市洪泽区人民政府:2023"] in ("checks failed",)


def test_crawl_runs_and_archive_info(built):
    _, db, _ = built
    assert q(db, "select run_id, spider from crawl_runs") == [(RUN, "test")]
    info = dict(q(db, "select key, value from archive_info"))
    assert info["snapshot_date"] == "2025-03-02" and info["reports"] == "5"


# The FTS index's segments depend on the order texts were indexed and deleted (the loader
# keeps the index up to date, crawler.db.load.refresh_search); what it holds is compared
# instead: every (term, row, column, offset) it answers from, after its own integrity check.
_FTS_SEGMENTS = ('INSERT INTO "search_index_fts_data"', 'INSERT INTO "search_index_fts_idx"')


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("insert into search_index_fts(search_index_fts) values ('integrity-check')")
        conn.execute("create virtual table temp.fts_terms using fts5vocab(main, search_index_fts, instance)")
        terms = [repr(r) for r in conn.execute("select * from temp.fts_terms order by 1, 2, 3, 4")]
        conn.execute("drop table temp.fts_terms")
        # (the table counts' stamp is the header's change counter the build's last transaction
        # left: the file's write history, not its content)
        lines = [line for line in conn.iterdump()
                 if "_sqlite_migrations" not in line and not line.startswith(_FTS_SEGMENTS)
                 and "'table_counts_stamp'" not in line]
        return lines + terms
    finally:
        conn.close()


def test_build_twice_is_identical(tmp_path):
    from crawler.db.build import build

    archive = write_test_archive(tmp_path / "archive")
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    build(archive, one)
    before = _dump(one)
    build(archive, one, full=True)  # rebuild in place
    build(archive, two)
    build(archive, two, full=False)  # incremental: nothing to redo
    assert _dump(one) == before
    assert _dump(two) == before


def test_failing_parser_never_loses_loaded_data(tmp_path):
    from crawler.db.build import build
    from parsers.document import UnreadableDocument

    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    build(archive, db)
    # everything a reader sees of the reports (a full build starts from an empty file and
    # carries these over from the file it replaces: crawler.db.carry)
    reads = ['select report_id, field_id, value, raw, flags, printed_label, page, table_index, '
             'row_index, col_index from "values" order by 1, 2',
             "select report_id, rule_id, kind, status, expected, actual, fields, previous_report_id "
             "from checks order by 1, 2",
             "select report_id, section, heading, text from report_sections order by 1, 2",
             "select id, agency_id, year, title, url, capture_sha256, parse_status, check_status, "
             "checks_failed from reports order by 1"]
    before = [q(db, sql) for sql in reads]
    assert all(before)
    hits = q(db, "select s.report_id, s.part from search_index_fts f join search_index s on "
                 "s.id = f.rowid where search_index_fts match '\"复议\"' order by 1, 2")

    def broken(data, *, name, content_type=None):
        raise UnreadableDocument("simulated parser regression")

    summary = build(archive, db, full=True, parse=broken, parser_version="9.9")
    assert summary["failed"] == 5 and summary["parsed"] == 0
    assert [q(db, sql) for sql in reads] == before
    assert q(db, "select s.report_id, s.part from search_index_fts f join search_index s on "
                 "s.id = f.rowid where search_index_fts match '\"复议\"' order by 1, 2") == hits
    assert q(db, "select count(*) from parse_errors where reason = 'simulated parser regression'")[0][0] == 5


def test_a_document_no_longer_read_as_a_report_keeps_its_report(tmp_path):
    """A full build starts from an empty file: a document the new parser no longer reads as a
    report (or cannot load) keeps the report read before, carried over from the old file."""
    from crawler.db.build import build
    from parsers.parse import parse_bytes

    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    build(archive, db)
    before = q(db, 'select report_id, field_id, value from "values" order by 1, 2')

    def not_a_report(data, *, name, content_type=None):
        result = parse_bytes(data, name=name, content_type=content_type)
        result["document_kind"] = "not_annual_report"
        return result

    build(archive, db, full=True, parse=not_a_report, parser_version="9.9")
    assert q(db, 'select report_id, field_id, value from "values" order by 1, 2') == before


def test_migrations_are_explicit_and_rerunnable(tmp_path):
    import sqlite_utils

    from crawler.db import schema

    db = sqlite_utils.Database(tmp_path / "x.db")
    schema.migrate(db)
    schema.migrate(db)
    applied = [m.name for m in schema.MIGRATIONS.applied(db)]
    assert applied[0] == "0001_initial" and "0003_crawl_state" in applied
    assert len(applied) == len(set(applied)) and schema.MIGRATIONS.pending(db) == []
    with pytest.raises(Exception):  # no silent column creation
        db["reports"].insert({"id": "x", "no_such_column": 1})


def test_archive_of_the_first_schema_is_upgraded_in_place(tmp_path):
    """An archive.db made before 0003_crawl_state keeps its rows and gains the new table."""
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    from crawler.db import schema

    db = sqlite_utils.Database(tmp_path / "old.db")
    first = Migrations("ogi-archive")
    first(name="0001_initial")(schema.m0001_initial)
    first.apply(db)
    db["crawl_runs"].insert({"run_id": "r1", "status": "finished"})
    assert "portal_crawls" not in db.table_names()
    schema.migrate(db)
    assert "portal_crawls" in db.table_names()
    assert db.execute("select run_id, status, exit_code from crawl_runs").fetchall() == [("r1", "finished", None)]
    assert "crawl_state" in db["coverage"].columns_dict


def test_archive_migrated_under_the_former_migration_names_is_not_migrated_twice(tmp_path):
    """An archive.db built before the migrations were numbered in file order records them
    under their former names (0009_i10_…, m0009_i12_…, 0010_i11_… twice): it migrates with
    nothing applied twice (adding a column again would fail) and its rows kept."""
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    from crawler.db import schema

    former = {new: old for old, new in schema.FORMER_NAMES.items()}
    db = sqlite_utils.Database(tmp_path / "former.db")
    before = Migrations("ogi-archive")
    for m in schema.MIGRATIONS._migrations:
        before(name=former.get(m.name, m.name))(m.fn)
    before.apply(db)
    db["crawl_runs"].insert({"run_id": "r1", "status": "finished"})
    recorded = {m.name for m in before.applied(db)}
    assert "m0009_i12_registry" in recorded and "0013_compact_cells" not in recorded

    schema.migrate(db)
    applied = [m.name for m in schema.MIGRATIONS.applied(db)]
    assert sorted(applied) == sorted(m.name for m in schema.MIGRATIONS._migrations)
    assert schema.MIGRATIONS.pending(db) == []
    assert db.execute("select run_id from crawl_runs").fetchall() == [("r1",)]
    names = [m.name for m in schema.MIGRATIONS._migrations]
    assert names == sorted(names), "migrations are numbered in the order they are applied"
