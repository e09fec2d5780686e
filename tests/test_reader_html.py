"""HTML reader: merged cells, nested tables, blanks, encodings as portals serve them, traditional
characters, titles behind portal chrome. The full-report tests parse the demo portal's seed page
(the 博爱县 2024 report as real HTML tables) and compare with the truth file."""
from __future__ import annotations

import re
import subprocess
import sys

import opencc
import pytest

from parsers.document import UnreadableDocument
from parsers.parse import Limits, parse_bytes
from parsers.readers import html as html_reader

from .conftest import ROOT, TRUTH, load_truth

SEED_PAGE = next((ROOT / "crawler" / "demo" / "sites" / "demo").rglob("t20250120_31245.html"))


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth(TRUTH / "boai-2024.json")["values"]


def assert_truth(result: dict, truth: dict) -> None:
    wrong = {k: (v, result["values"].get(k)) for k, v in truth.items() if result["values"].get(k) != v}
    assert not wrong, f"{len(wrong)} fields differ (truth, parsed): {dict(list(wrong.items())[:8])}"
    assert result["agency"] == "博爱县人民政府"
    assert result["year"] == 2024
    assert result["format"] == "2021"


def grids_of(markup: str):
    return html_reader.read(markup.encode("utf-8"), name="t.html").grids


def test_rowspan_colspan_expanded_with_copy_flags():
    (g,) = grids_of("""<table>
      <tr><td rowspan="2">本年新收</td><td colspan="2">法人</td><td>总计</td></tr>
      <tr><td>商业企业</td><td>科研机构</td><td>3</td></tr>
    </table>""")
    assert g.texts() == [["本年新收", "法人", "法人", "总计"], ["本年新收", "商业企业", "科研机构", "3"]]
    assert [[c.copy for c in r] for r in g.rows] == [[False, False, True, False], [True, False, False, False]]


def test_nested_table_is_its_own_grid_and_not_in_the_outer_cell():
    grids = grids_of("""<table class="layout"><tr><td>正文<table border="1">
      <tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>2</td></tr>
    </table>完</td></tr></table>""")
    texts = [g.texts() for g in grids]
    assert [["正文完"]] in texts
    assert [["信息内容", "本年制发件数"], ["规章", "2"]] in texts


def test_nbsp_and_fullwidth_space_cells_are_blank_and_br_lines_join():
    (g,) = grids_of("<table><tr><td>&nbsp;</td><td>\u3000</td><td>本年新收政府信息<br>公开申请数量</td>"
                    "<td> 1,234 </td></tr></table>")
    assert g.texts() == [["", "", "本年新收政府信息公开申请数量", "1,234"]]


def test_absurd_spans_are_clamped_to_the_table():
    (g,) = grids_of('<table><tr><td rowspan="65534" colspan="3">x</td><td>1</td></tr><tr><td>2</td></tr></table>')
    assert len(g.rows) == 2 and len(g.rows[0]) == 4


def test_cell_limit_is_enforced():
    markup = "<table>" + "<tr>" + "<td>0</td>" * 50 + "</tr>" * 1 + "</table>"
    with pytest.raises(UnreadableDocument, match="limit"):
        html_reader.read(markup.encode(), name="t.html", limits=Limits(max_cells=20))


def test_seed_page_parses_to_the_truth(truth):
    result = parse_bytes(SEED_PAGE.read_bytes(), name=str(SEED_PAGE))
    assert_truth(result, truth)
    assert result["kind"] == "html"
    # raw text and provenance kept beside every value
    assert result["raw"]["t3.new.total"] == "35"
    prov = result["provenance"]["t3.new.total"]
    assert prov["row"] is not None and prov["col"] is not None and prov["table"] is not None


def _with_charset(page: str, declared: str | None) -> str:
    page = re.sub(r'<meta charset="utf-8">', f'<meta charset="{declared}">' if declared else "", page)
    assert ("charset" in page.lower()) == bool(declared)
    return page


@pytest.mark.parametrize("declared,encoding", [
    ("gb2312", "gbk"),      # declared GB2312, bytes GBK (common on portals)
    ("GBK", "gbk"),
    (None, "gbk"),          # undeclared GBK
    (None, "gb18030"),
    ("utf-8", "gbk"),       # declared UTF-8, bytes GBK: the bytes win, with a warning
    (None, "utf-8"),
])
def test_encodings_as_portals_serve_them(truth, declared, encoding):
    page = _with_charset(SEED_PAGE.read_text(encoding="utf-8"), declared)
    result = parse_bytes(page.encode(encoding), name="seed.html")
    assert_truth(result, truth)
    if declared == "utf-8" and encoding != "utf-8":
        assert any("declares utf-8" in w for w in result["warnings"])


def test_traditional_character_copy_reads_the_same(truth):
    page = opencc.OpenCC("s2t").convert(SEED_PAGE.read_text(encoding="utf-8"))
    assert "政府資訊公開" in page or "年度報告" in page
    result = parse_bytes(page.encode("utf-8"), name="seed-traditional.html")
    assert_truth(result, truth)
    assert result["title"] == "博爱县人民政府2024年政府信息公开工作年度报告"
    assert any("traditional" in w for w in result["warnings"])


def test_title_found_behind_long_portal_chrome():
    menu = "".join(f"<li><a href='/c{i}'>栏目{i}</a></li>" for i in range(120))
    page = (f"<html><head><title>某某县人民政府2023年政府信息公开工作年度报告_某某县人民政府</title></head>"
            f"<body><ul>{menu}</ul><div class='article'><p>一、总体情况</p><p>2023年，本县……</p></div></body></html>")
    result = parse_bytes(page.encode("utf-8"), name="p.html")
    assert result["title"] == "某某县人民政府2023年政府信息公开工作年度报告"
    assert result["agency"] == "某某县人民政府"
    assert result["year"] == 2023


@pytest.mark.slow
def test_ogi_parse_on_a_gbk_page_exit_0(tmp_path, truth):
    p = tmp_path / "t20250120_31245.html"
    p.write_bytes(_with_charset(SEED_PAGE.read_text(encoding="utf-8"), "gb2312").encode("gbk"))
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(p)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    assert_truth(json.loads(proc.stdout), truth)


def test_image_only_report_page_is_said_to_be_scanned():
    page = ("<html><head><title>某某县人民政府2022年政府信息公开工作年度报告（图片版）</title></head><body>"
            "<div class='logo'><img src='/images/logo.png'></div>"
            "<h1>某某县人民政府2022年政府信息公开工作年度报告（图片版）</h1>"
            "<div class='article'><p><img src='/u/2023/p1.jpg'></p><p><img src='/u/2023/p2.jpg'></p></div>"
            "</body></html>")
    result = parse_bytes(page.encode("utf-8"), name="tupian.html")
    assert result["document_kind"] == "scanned"
    assert result["agency"] == "某某县人民政府" and result["year"] == 2022
    assert any("2 image(s)" in w for w in result["warnings"])
    assert all(v is None for v in result["values"].values())


def test_aggregate_scope_stated_in_the_text():
    page = ("<html><body><h1>某某市人民政府2023年政府信息公开工作年度报告</h1>"
            "<p>本报告根据《条例》要求，汇总全市各县区、各部门政府信息公开工作情况编制而成。</p>"
            "<p>一、总体情况</p><p>……</p></body></html>")
    assert parse_bytes(page.encode("utf-8"), name="agg.html")["scope"] == "aggregate"
    plain = page.replace("汇总全市各县区、各部门政府信息公开工作情况编制而成", "由市政府办公室编制")
    assert parse_bytes(plain.encode("utf-8"), name="self.html")["scope"] == "unknown"
