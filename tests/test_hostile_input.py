"""Hostile input that needs no server, browser or subprocess: encodings whose byte-order mark
lies or is missing, CSV cells that a spreadsheet would run, registry values that are not what
their column says, and the dashboard's table chart given HTML."""
from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from click.testing import CliRunner

from crawler.cli import main
from parsers import encoding
from parsers.parse import detect_kind, parse_bytes

REPORT_TEXT = (
    "博爱县人民政府2023年政府信息公开工作年度报告\n"
    "一、总体情况\n本年度共收到政府信息公开申请 12 件。\n"
)


# ------------------------------------------------------------------ encodings

def test_a_utf8_bom_over_gbk_bytes_is_read_from_the_bytes():
    data = b"\xef\xbb\xbf" + REPORT_TEXT.encode("gbk")
    text, enc, warnings = encoding.decode(data)
    assert text == REPORT_TEXT and enc == "gb18030"
    assert any("byte-order mark" in w for w in warnings)
    # the parser reads it as the report it is, with the title and year
    res = parse_bytes(data, name="report.txt")
    assert res["title"].startswith("博爱县人民政府2023年") and res["year"] == 2023
    assert "\ufffd" not in res["title"]


def test_html_with_a_lying_bom_is_read_from_the_bytes():
    page = (f"<html><head><meta charset='utf-8'><title>x</title></head><body><h1>"
            f"{REPORT_TEXT.splitlines()[0]}</h1></body></html>")
    res = parse_bytes(b"\xef\xbb\xbf" + page.encode("gbk"), name="report.html")
    assert res["title"] == REPORT_TEXT.splitlines()[0]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text(codec):
    data = REPORT_TEXT.encode(codec)
    assert detect_kind(data, "report.txt") == "text"
    text, enc, _ = encoding.decode(data)
    assert (text, enc) == (REPORT_TEXT, codec)
    res = parse_bytes(data, name="report.txt")
    assert res["year"] == 2023 and res["title"].startswith("博爱县人民政府")


def test_utf16_html_with_bom_is_html():
    page = "<html><body><h1>" + REPORT_TEXT.splitlines()[0] + "</h1></body></html>"
    assert detect_kind(page.encode("utf-16"), "x") == "html"


def test_binary_is_still_binary_and_utf8_with_a_bad_byte_keeps_its_bom():
    import zlib

    blob = zlib.compress(REPORT_TEXT.encode() * 50) + bytes(range(256))
    assert encoding.utf16_without_bom(blob) is None
    assert detect_kind(b"\x00\x01\x02\x03" * 100, "x") == "binary"
    text, enc, warnings = encoding.decode(b"\xef\xbb\xbf" + REPORT_TEXT.encode() + b"\xff")
    assert enc == "utf-8-sig" and text.startswith(REPORT_TEXT) and warnings


# ------------------------------------------------------------------ CSV formulas

HOSTILE_CELLS = ["=HYPERLINK(\"http://x.invalid\",\"click\")", "=cmd|' /C calc'!A0",
                 "@SUM(A1:A9)", "+1+1", "-2+3", "\t=1+1", "\r=1+1", "'=1"]


def test_csvsafe_neutralises_formulas_and_leaves_numbers_alone():
    from crawler.csvsafe import cell, unquote

    for v in HOSTILE_CELLS:
        assert cell(v) == "'" + v and unquote(cell(v)) == v
    for v in ["-3", "+1.5", "-", "—", "12", "本年新收", 7, -7, 1.5, None]:
        assert cell(v) == v


def test_export_csv_never_starts_a_cell_with_a_formula(tmp_path):
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("create table t (label text, n integer, signed text)")
    conn.executemany("insert into t values (?, ?, ?)", [(v, -5, "-5") for v in HOSTILE_CELLS])
    conn.commit()
    conn.close()
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "t", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE_CELLS]
    assert {(r[1], r[2]) for r in rows[1:]} == {("-5", "-5")}  # numbers stay numbers


def test_registry_csv_is_written_safe_and_read_back_whole(tmp_path):
    from crawler.registry import Portal, load_registry, write_registry

    p = Portal(code="350128", agency="平潭县人民政府", region_code="350128",
               notes="=HYPERLINK(\"http://x.invalid\",\"click\")", source="@evil")
    path = tmp_path / "reg.csv"
    write_registry({p.code: p}, path)
    text = path.read_text("utf-8")
    for row in csv.reader(io.StringIO(text)):
        assert not any(c.startswith(("=", "@", "+")) for c in row), row
    back = load_registry(path)["350128"]
    assert (back.notes, back.source) == (p.notes, p.source)


# ------------------------------------------------------------------ registry import

SEED_HEADER = ("code,level,name,parent_code,parent_name,province,portal_url,portal_host,"
               "probe_20260426,budget_disclosure_url,policy_docs_url,src_key,note\n")
GOOD_ROW = "110000,province,北京市,,,北京市,https://www.beijing.gov.cn/,www.beijing.gov.cn,200,,,k,\n"


@pytest.mark.parametrize("row,why", [
    ("110101,county,东城区,110000,北京市,北京市,http://com/,com,200,,,k,\n", "public suffix"),
    ("110101,county,东城区,110000,北京市,北京市,http://x.gov.cn/,*,200,,,k,\n", "not a host name"),
    ("110101,county,东城区,110000,北京市,北京市,http://x.gov.cn/,[::1],200,,,k,\n", "not a host name"),
    ("110101,county,东城区,110000,北京市,北京市,http://x.gov.cn/,127.0.0.1,200,,,k,\n", "IP address"),
    ("110101,county,东城区,110000,北京市,北京市,http://x.gov.cn/,localhost,200,,,k,\n", "public suffix"),
    ("110101,county,东城区,110000,北京市,北京市,javascript:alert(1),x.gov.cn,200,,,k,\n", "http(s) URL"),
    ('110101,county,"东城区\n恶意",110000,北京市,北京市,http://x.gov.cn/,x.gov.cn,200,,,k,\n', "one line"),
    ('110101,county,"=HYPERLINK(""http://a.invalid"")",110000,北京市,北京市,http://x.gov.cn/,x.gov.cn,200,,,k,\n',
     "formula"),
])
def test_registry_import_refuses_values_that_are_not_what_they_claim(tmp_path, row, why):
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED_HEADER + GOOD_ROW + row, "utf-8")
    reg = tmp_path / "reg.csv"
    res = CliRunner().invoke(main, ["registry", "import", str(seed), "--registry", str(reg)])
    assert res.exit_code != 0 and why in res.output, res.output
    assert not reg.exists()  # nothing imported


def test_registry_import_takes_a_clean_file(tmp_path):
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED_HEADER + GOOD_ROW, "utf-8")
    reg = tmp_path / "reg.csv"
    res = CliRunner().invoke(main, ["registry", "import", str(seed), "--registry", str(reg)])
    assert res.exit_code == 0, res.output
    from crawler.registry import load_registry
    entry = load_registry(reg)["110000"]
    assert (entry.agency, entry.domains, entry.home_url) == (
        "北京市", ["beijing.gov.cn"], "https://www.beijing.gov.cn/")


@pytest.mark.parametrize("field,value", [("level", "<img src=x onerror=alert(1)>"),
                                         ("agency", "平潭县\n人民政府"),
                                         ("home_url", "javascript:alert(1)")])
def test_a_registry_file_with_hostile_values_is_refused(tmp_path, field, value):
    from crawler.registry import RegistryError, load_registry

    import yaml
    entry = {"code": "350128", "agency": "平潭县人民政府", "region_code": "350128", field: value}
    path = tmp_path / "reg.yaml"
    path.write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True), "utf-8")
    with pytest.raises(RegistryError, match=field if field != "home_url" else "http"):
        load_registry(path)


def test_the_dashboard_table_chart_gets_html_text():
    from crawler.db.dictionary import coverage_dashboard, dashboards

    charts = {**coverage_dashboard()["charts"]}
    for d in dashboards().values():
        charts.update(d["charts"])
    tables = [c for c in charts.values() if c["library"] == "table"]
    assert tables
    conn = sqlite3.connect(":memory:")
    conn.execute("create table registry_coverage (province, level, known, with_home_page, "
                 "with_column, with_known_reports_only, with_home_page_only, verified, reports)")
    conn.execute("insert into registry_coverage values (?, ?, 1, 1, 1, 1, 1, 1, 1)",
                 ["<script>x()</script>", "<img src=x onerror=alert(1)>"])
    for chart in tables:
        sql = chart["query"].replace("[[ AND province = :province ]]", "")
        for row in conn.execute(sql):
            assert not any(isinstance(v, str) and "<" in v for v in row), row
