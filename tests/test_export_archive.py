"""ogi export: Excel-safe CSV (UTF-8 with BOM), JSON lines equal to the database, a copy of the file."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

from click.testing import CliRunner

from crawler.cli import main
from tests.test_db_archive import built_archive


def _db(tmp_path_factory):
    return built_archive(tmp_path_factory)[1]


def test_csv_has_bom_and_round_trips_chinese(tmp_path_factory, tmp_path):
    db = _db(tmp_path_factory)
    out = tmp_path / "values.csv"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "values", "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    conn = sqlite3.connect(db)
    n, = conn.execute('select count(*) from "values"').fetchone()
    assert len(rows) == n
    labels = {r["row_label"] for r in rows}
    assert "一、本年新收政府信息公开申请数量" in labels
    first = conn.execute('select report_id, field_id, raw from "values" order by rowid limit 1').fetchone()
    assert (rows[0]["report_id"], rows[0]["field_id"], rows[0]["raw"]) == tuple("" if v is None else v for v in first)


def test_query_to_csv_on_stdout(tmp_path_factory):
    db = _db(tmp_path_factory)
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--sql",
                                    "select agency, year from reports where parse_status = 'parsed' order by agency, year"])
    assert res.exit_code == 0
    text = res.stdout_bytes.decode("utf-8-sig")
    assert text.splitlines()[0] == "agency,year" and "淮安市洪泽区人民政府,2023" in text


def test_jsonl_matches_database(tmp_path_factory, tmp_path):
    db = _db(tmp_path_factory)
    out = tmp_path / "reports.jsonl"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "reports", "--format", "jsonl", "-o", str(out)])
    assert res.exit_code == 0
    got = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    assert got == [dict(r) for r in conn.execute("select * from reports")]
    assert "博爱县人民政府" in out.read_text("utf-8")  # not \u-escaped


def test_several_tables_to_a_directory_and_unknown_table(tmp_path_factory, tmp_path):
    db = _db(tmp_path_factory)
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "reports", "--table", "t3_wide", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0 and (tmp_path / "out" / "t3_wide.csv").exists()
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "nope"])
    assert res.exit_code == 2 and "no table or view" in res.output


def test_database_copy(tmp_path_factory, tmp_path):
    db = _db(tmp_path_factory)
    out = tmp_path / "copy.db"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "db", "-o", str(out)])
    assert res.exit_code == 0
    a, b = sqlite3.connect(db), sqlite3.connect(out)
    assert list(a.iterdump()) == list(b.iterdump())


def test_canned_query_by_name_with_parameters(tmp_path_factory, tmp_path):
    """`ogi export --query NAME` gives every row of a metadata.yml query (a Datasette page shows at
    most max_returned_rows), with :parameters from --param and the archive's SQL functions."""
    from crawler.db.dictionary import CANNED

    db = _db(tmp_path_factory)
    out = tmp_path / "failing.jsonl"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--query", "failing_checks",
                                    "--format", "jsonl", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    conn = sqlite3.connect(db)
    cur = conn.execute(CANNED["failing_checks"]["sql"])
    cols = [d[0] for d in cur.description]
    assert got == [dict(zip(cols, r)) for r in cur.fetchall()]

    res = CliRunner().invoke(main, ["export", "--db", str(db), "--query", "search", "--param", "q=复议",
                                    "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    hits = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert hits and all(h["report_id"] for h in hits)

    res = CliRunner().invoke(main, ["export", "--db", str(db), "--query", "no_such_query"])
    assert res.exit_code != 0 and "no canned query named 'no_such_query'" in res.output
