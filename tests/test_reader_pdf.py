"""Tests for parsers.readers.pdf: real reports (against their truth files) and generated PDFs."""
from __future__ import annotations

import io
import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.document import Document, Grid, UnreadableDocument
from parsers.readers import pdf as pdf_reader
from parsers.readers.cells import clean_cell_text
from parsers.readers.pdf import PdfLimits, SCANNED_WARNING, is_page_footer, read

from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .conftest import CORPUS

REAL = CORPUS / "real"
TRUTH = CORPUS / "truth"
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

NUM = re.compile(r"^-?\d+(\.\d+)?$")
T3_COLS = ["natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"]
T4_IDS = [f"t4.{b}.{c}" for b in ("review", "suit_direct", "suit_after_review")
          for c in ("upheld", "corrected", "other", "pending", "total")]

# table 三 rows: field prefix -> how to recognise the row from its label (all label cells of the
# row, copies included, joined). Written by hand: the printed labels vary (1、 / 1., typos).
T3_ROWS = {
    "t3.new": "本年新收",
    "t3.carried_over": "上年结转",
    "t3.result.disclosed": "予以公开$",
    "t3.result.partial": "部分公开",
    "t3.result.withheld.state_secret": "国家秘密",
    "t3.result.withheld.law_prohibited": "其他法律行政",
    "t3.result.withheld.three_safety": "三安全一稳定",
    "t3.result.withheld.third_party": "第三方合法权益",
    "t3.result.withheld.internal_affairs": "内部事务",
    "t3.result.withheld.process_info": "过程性信息",
    "t3.result.withheld.enforcement_file": "行政执法案卷",
    "t3.result.withheld.admin_query": "行政查询事项",
    "t3.result.unavailable.not_held": "不掌握",
    "t3.result.unavailable.needs_creation": "另行制作",
    "t3.result.unavailable.unclear": "仍不明确",
    "t3.result.not_processed.petition": "信访举报",
    "t3.result.not_processed.duplicate": "2.重复申请",
    "t3.result.not_processed.publication": "公开出版物",
    "t3.result.not_processed.excessive": "大量反复",
    "t3.result.not_processed.reconfirm": "重新出具",
    "t3.result.other.no_correction": "逾期不补正",
    "t3.result.other.unpaid_fee": "缴纳费用",
    "t3.result.other.other": r"3[、.．]其他$",
    "t3.result.other.subtotal": "（六）其他处理$",
    "t3.result.total": "（七）总计$",
    "t3.carried_forward": "结转下年度",
}
T2_ROWS = {
    "规章": ["t2.regulations.issued", "t2.regulations.repealed", "t2.regulations.in_force"],
    "行政规范性文件": ["t2.normative_docs.issued", "t2.normative_docs.repealed", "t2.normative_docs.in_force"],
    "行政许可": ["t2.licensing.decisions"],
    "行政处罚": ["t2.punishment.decisions"],
    "行政强制": ["t2.coercion.decisions"],
    "行政事业性收费": ["t2.fees.amount"],
}


# ----------------------------------------------------------------------------- helpers

def numbers(row) -> list[str]:
    """The printed numbers of a row: non-copy cells that are numbers, in order."""
    return [c.text for c in row if not c.copy and NUM.match(c.text)]


def label(row) -> str:
    seen: list[str] = []
    for c in row:
        if c.text and not NUM.match(c.text) and c.text not in seen:
            seen.append(c.text)
    return "".join(seen)


def find_rows(doc: Document, pattern: str):
    """(grid, row_index) of every row whose label matches `pattern`."""
    return [(g, i) for g in doc.grids for i, r in enumerate(g.rows) if re.search(pattern, label(r))]


def as_num(s: str) -> float:
    return float(s)


@pytest.fixture(scope="module")
def real_docs():
    docs = {}
    for stem in ("huaian-city-2024", "huaian-hongze-2023", "huaian-hongze-2024"):
        path = REAL / f"{stem}.pdf"
        assert path.exists(), f"{path} missing: ../shared/corpus is needed (set OGI_SHARED)"
        docs[stem] = (read(path.read_bytes(), name=path.name),
                      json.loads((TRUTH / f"{stem}.json").read_text(encoding="utf-8")))
    return docs


REAL_STEMS = ["huaian-city-2024", "huaian-hongze-2023", "huaian-hongze-2024"]
# page of each table part: (t2 pages, t3 pages, t4 page), from looking at the PDFs
REAL_PAGES = {
    "huaian-city-2024": ((3, 4), (4, 5), 5),
    "huaian-hongze-2023": ((2, 3), (3, 4), 4),
    "huaian-hongze-2024": ((2, 3), (3, 4), 4),
}


# ---------------------------------------------------------------------- real documents

@pytest.mark.parametrize("stem", REAL_STEMS)
def test_real_document_basics(real_docs, stem):
    doc, truth = real_docs[stem]
    assert doc.kind == "pdf" and not doc.scanned and doc.warnings == []
    assert doc.pages == (6 if stem == "huaian-city-2024" else 5)
    assert "政府信息公开" in doc.text and "本年新收政府信息公开申请数量" in doc.text
    assert doc.text.index("一、总体情况") < doc.text.index("本年新收") < doc.text.index("六、其他需要报告")
    # five grids: 二 (2 parts), 三 (2 parts), 四; no paragraph boxes taken for tables
    assert len(doc.grids) == 5
    assert [g.index for g in doc.grids] == list(range(5))
    t2_pages, t3_pages, t4_page = REAL_PAGES[stem]
    assert [g.page for g in doc.grids] == [*t2_pages, *t3_pages, t4_page]
    for g in doc.grids:
        assert {c.page for r in g.rows for c in r} == {g.page}
        assert len({len(r) for r in g.rows}) == 1  # rectangular
        for r in g.rows:
            for c in r:
                assert "\n" not in c.text


@pytest.mark.parametrize("stem", REAL_STEMS)
def test_real_table2_rows(real_docs, stem):
    doc, truth = real_docs[stem]
    values = truth["values"]
    for lab, ids in T2_ROWS.items():
        hits = [(g, i) for g in doc.grids[:2] for i, r in enumerate(g.rows) if r[0].text == lab]
        assert len(hits) == 1, lab
        g, i = hits[0]
        assert [as_num(x) for x in numbers(g.rows[i])] == [values[f] for f in ids], lab


@pytest.mark.parametrize("stem", REAL_STEMS)
def test_real_table3_every_row(real_docs, stem):
    doc, truth = real_docs[stem]
    values, absent = truth["values"], set(truth.get("absent", []))
    checked = 0
    for prefix, pattern in T3_ROWS.items():
        ids = [f"{prefix}.{c}" for c in T3_COLS]
        hits = find_rows(doc, pattern)
        if ids[0] in absent or ids[0] not in values:
            assert hits == [] or prefix == "t3.result.other.subtotal", prefix
            continue
        assert len(hits) == 1, (prefix, [label(g.rows[i]) for g, i in hits])
        g, i = hits[0]
        assert [as_num(x) for x in numbers(g.rows[i])] == [values[f] for f in ids], prefix
        checked += 1
    assert checked == (26 - 1 if stem == "huaian-city-2024" else 26 - 3)


@pytest.mark.parametrize("stem", REAL_STEMS)
def test_real_table3_split_over_two_pages(real_docs, stem):
    doc, _ = real_docs[stem]
    (g_new, _), = find_rows(doc, "本年新收")
    (g_fwd, _), = find_rows(doc, "结转下年度")
    (g_head, i_head), = find_rows(doc, "勾稽关系.*申请人情况$")
    assert g_head is g_new and i_head == 0
    assert g_fwd.index == g_new.index + 1 and g_fwd.page == g_new.page + 1
    # both parts keep the 10-column layout: 3 label columns + 7 numbers
    assert len(g_new.rows[0]) == len(g_fwd.rows[0]) == 10
    # the column header, each cell joined across its lines
    sub = [c.text for c in g_new.rows[2] if not c.copy]
    assert sub[-5:] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert g_new.rows[1][3].text == "自然人" and g_new.rows[1][-1].text == "总计"
    # the first part ends, the second begins, at the page break
    last = g_new.rows[-1]
    first = g_fwd.rows[0]
    assert len(numbers(last)) == 7 and len(numbers(first)) == 7


def test_real_table3_labels_and_copies(real_docs):
    doc, _ = real_docs["huaian-city-2024"]
    g = doc.grids[2]
    texts = [[c.text for c in r] for r in g.rows]
    # vertical text and multi-line labels are joined without spaces
    assert texts[5][0] == "三、本年度办理结果" and not g.rows[5][0].copy
    assert texts[6][1] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert texts[3][0] == "一、本年新收政府信息公开申请数量"
    # the spanning labels are copied, flagged, into the positions they cover
    assert all(r[0].text == "三、本年度办理结果" and r[0].copy for r in g.rows[6:])
    assert [c.copy for c in g.rows[3][:3]] == [False, True, True]
    header = g.rows[0]
    assert header[0].text.startswith("（本列数据的勾稽关系为") and not header[0].copy
    assert [c.copy for c in header] == [False, True, True, False] + [True] * 6
    assert g.rows[1][0].copy and g.rows[2][0].copy and g.rows[2][3].copy  # 自然人 spans 2 rows
    g2 = doc.grids[3]
    row = [c.text for c in g2.rows[7]]
    assert row[2] == "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"


@pytest.mark.parametrize("stem", REAL_STEMS)
def test_real_table4_one_row_of_15(real_docs, stem):
    doc, truth = real_docs[stem]
    g = doc.grids[-1]
    assert len(g.rows) == 4 and len(g.rows[0]) == 15
    assert [as_num(x) for x in numbers(g.rows[3])] == [truth["values"][f] for f in T4_IDS]
    assert all(not c.copy for c in g.rows[3])
    assert [c.text for c in g.rows[2][5:10]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert g.rows[0][0].text == "行政复议" and all(c.copy for c in g.rows[0][1:5])
    assert "行政诉讼" in [c.text for c in g.rows[0] if not c.copy]
    assert g.rows[1][5].text == "未经复议直接起诉" and g.rows[1][10].text == "复议后起诉"


def test_real_hongze_2023_page_top_cell_is_closed(real_docs):
    # p.3 starts with a row whose 信息内容 cell has no top rule, and p.3's table 三 ends at the
    # page break without a bottom rule: both still come out as cells
    doc, _ = real_docs["huaian-hongze-2023"]
    assert [c.text for c in doc.grids[1].rows[0]] == ["信息内容", "本年处理决定数量"]
    assert [c.text for c in doc.grids[2].rows[-1]][2] == "2.没有现成信息需要另行制作"


# --------------------------------------------------------------------- generated PDFs

def _footer(c, d):
    c.setFont(FONT, 9)
    c.drawCentredString(A4[0] / 2, 30, f"- {d.page} -")


def make_ruled_two_pages() -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4)
    st_cell = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13)
    head = [["项目", "", "申请人情况", "", ""],
            ["", "", "自然人", Paragraph("Legal persons and other organisations", st_cell), "总计"]]
    body = [[Paragraph("一、本年新收政府信息公开申请数量", st_cell), "", "3001", "53", "3054"],
            ["三、本年度办理结果", "（一）予以公开", "1288", "21", "1309"],
            ["", "（二）部分公开", "447", "7", "454"],
            ["", "（三）不予公开", "2", "0", "2"],
            ["— 2 —", "", "", "", ""]]  # a page footer caught inside the table
    body += [[f"第{i}行", "", str(i), "0", str(i)] for i in range(5, 50)]
    data = head + body
    t = Table(data, colWidths=[110, 90, 70, 130, 60])
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.8, "black"),
        ("SPAN", (0, 0), (1, 1)),  # 项目: 2 columns x 2 rows
        ("SPAN", (2, 0), (4, 0)),  # 申请人情况 over three columns
        ("SPAN", (0, 2), (1, 2)),  # long label over two columns (wraps inside its cell)
        ("SPAN", (0, 3), (0, 5)),  # vertical label over three rows
        ("SPAN", (0, 6), (-1, 6)),  # the footer row
    ] + [("SPAN", (0, r), (1, r)) for r in range(7, len(data))]))
    st_p = ParagraphStyle("p", fontName=FONT, fontSize=12, leading=18)
    story = [Paragraph("某某区人民政府2024年政府信息公开工作年度报告", st_p), Spacer(1, 220), t]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()


def make_unruled() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(FONT, 11)
    y = 780
    c.drawString(72, y, "二、主动公开政府信息情况（本表无框线）")
    y -= 30
    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "1", "0", "11"],
            ["行政规范性文件", "8", "26", "66"],
            None,  # a page footer line printed between two rows
            ["行政许可", "447228", "", ""],
            ["行政处罚", "3985758", "", ""]]
    for r in rows:
        if r is None:
            c.drawCentredString(A4[0] / 2, y, "第 3 页")
        else:
            c.drawString(72, y, r[0])
            for k, v in enumerate(r[1:]):
                if v:
                    c.drawRightString(300 + 90 * k, y, v)
        y -= 20
    y -= 20
    c.drawString(72, y, "五、存在的主要问题及改进情况。2024 年，全区收到申请 12 件。")
    c.showPage()
    c.save()
    return buf.getvalue()


def make_image_only(pages: int = 2) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(img).rectangle((20, 20, 280, 180), outline="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for _ in range(pages):
        c.drawImage(ImageReader(img), 72, 300, width=450, height=300)
        c.showPage()
    c.save()
    return buf.getvalue()


def make_text(encrypt=None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    c.setFont(FONT, 12)
    c.drawString(72, 700, "本年新收政府信息公开申请 12 件")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def ruled_doc():
    return read(make_ruled_two_pages(), name="ruled.pdf")


def test_generated_ruled_table_two_pages(ruled_doc):
    doc = ruled_doc
    assert doc.pages == 2 and not doc.scanned and doc.warnings == []
    assert [g.page for g in doc.grids] == [1, 2]
    g1, g2 = doc.grids
    assert (g1.index, g2.index) == (0, 1)
    t1 = [[c.text for c in r] for r in g1.rows]
    assert t1[0] == ["项目", "项目", "申请人情况", "申请人情况", "申请人情况"]
    assert [c.copy for c in g1.rows[0]] == [False, True, False, True, True]
    assert [c.copy for c in g1.rows[1]] == [True, True, False, False, False]
    assert t1[1][2:] == ["自然人", "Legal persons and other organisations", "总计"]
    # the wrapped label is one string without spaces between the CJK characters
    assert t1[2] == ["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量",
                     "3001", "53", "3054"]
    assert numbers(g1.rows[2]) == ["3001", "53", "3054"]
    assert [r[0].text for r in g1.rows[3:6]] == ["三、本年度办理结果"] * 3
    assert [r[0].copy for r in g1.rows[3:6]] == [False, True, True]
    # the footer row inside the table is gone, the rows around it are kept
    assert all("2 —" not in c.text for g in doc.grids for r in g.rows for c in r)
    assert t1[6][0] == "第5行"
    # the continuation on page 2 is a separate grid, in order, nothing lost or duplicated
    all_rows = [label(r) for g in doc.grids for r in g.rows if re.match(r"第\d+行", label(r))]
    assert all_rows == [f"第{i}行" for i in range(5, 50)]
    assert all(c.page == 2 for r in g2.rows for c in r)
    assert numbers(g2.rows[-1]) == ["49", "0", "49"]
    # the page footers outside the table are in the text, not in a grid
    assert "- 1 -" in doc.text and "- 2 -" in doc.text
    assert doc.text.startswith("某某区人民政府2024年政府信息公开工作年度报告")


def test_generated_unruled_table():
    doc = read(make_unruled(), name="unruled.pdf")
    assert len(doc.grids) == 1
    g = doc.grids[0]
    assert g.page == 1
    assert g.texts() == [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"],
        ["行政规范性文件", "8", "26", "66"],
        ["行政许可", "447228", "", ""],
        ["行政处罚", "3985758", "", ""],
    ]  # the 第 3 页 line between two rows is dropped
    assert "第 3 页" in doc.text and "全区收到申请 12 件" in doc.text


def test_image_only_pdf_is_scanned_not_an_error():
    doc = read(make_image_only(), name="scan.pdf")
    assert doc.scanned is True
    assert doc.pages == 2 and doc.grids == [] and doc.text == ""
    assert SCANNED_WARNING in doc.warnings
    assert SCANNED_WARNING == "no text layer (scanned or image-only PDF): needs OCR"


def test_text_pdf_is_not_scanned():
    doc = read(make_text(), name="t.pdf")
    assert not doc.scanned and doc.text == "本年新收政府信息公开申请 12 件" and doc.grids == []


# ------------------------------------------------------------------------- bad input

def _reason(data: bytes, **kw) -> str:
    with pytest.raises(UnreadableDocument) as e:
        read(data, name="bad.pdf", **kw)
    msg = str(e.value)
    assert msg and "\n" not in msg
    return msg


def test_truncated_pdf():
    data = (REAL / "huaian-hongze-2024.pdf").read_bytes() if REAL.exists() else make_ruled_two_pages()
    assert "truncated" in _reason(data[: len(data) // 2])


def test_encrypted_pdf():
    assert "encrypted" in _reason(make_text(encrypt="pw"))


def test_owner_password_only_pdf_reads_with_warning():
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=1)
    doc = read(make_text(encrypt=enc), name="owner.pdf")
    assert any("encrypted" in w for w in doc.warnings)
    assert not doc.scanned


def test_random_bytes_empty_and_other_formats():
    rnd = random.Random(7)
    noise = bytes(rnd.randrange(256) for _ in range(4096))
    assert "not a PDF" in _reason(noise)
    assert "empty" in _reason(b"")
    assert "HTML" in _reason("<html><body>2024年报告</body></html>".encode())
    assert "ZIP" in _reason(b"PK\x03\x04" + noise)
    assert "corrupt" in _reason(b"%PDF-1.7\n" + noise)


def test_limits():
    data = make_ruled_two_pages()
    assert "max_pages" in _reason(data, limits={"max_pages": 1})
    assert "max_bytes" in _reason(data, limits={"max_bytes": 1000})
    assert "max_pages" in _reason(data, limits=PdfLimits(max_pages=1))
    assert "max_seconds" in _reason(data, limits={"max_seconds": -1})
    assert "max_cells" in _reason(data, limits={"max_cells": 50})
    assert read(data, name="ok.pdf", limits={"max_pages": 2, "max_bytes": len(data)}).pages == 2
    doc = read(data, name="edges.pdf", limits={"max_page_edges": 5})
    assert any("max_page_edges" in w for w in doc.warnings)  # (the unruled fallback still runs)
    doc = read(data, name="crossings.pdf", limits={"max_page_crossings": 4})
    assert any("max_page_crossings" in w for w in doc.warnings)


# ----------------------------------------------------------------------- text helpers

def test_clean_cell_text():
    assert clean_cell_text("本年新收政府信息公开申请\n数量") == "本年新收政府信息公开申请数量"
    assert clean_cell_text("三、\n本\n年\n度") == "三、本年度"
    assert clean_cell_text("结 果\n维持") == "结果维持"
    assert clean_cell_text("Legal persons\nand others") == "Legal persons and others"
    assert clean_cell_text("447\n228") == "447228"
    assert clean_cell_text("国令第 711 号") == "国令第 711 号"
    assert clean_cell_text(None) == "" and clean_cell_text("  ") == ""


@pytest.mark.parametrize("text", ["- 3 -", "— 4 —", "－12－", "第 3 页", "第3页 共12页", "3 / 12", "Page 2"])
def test_is_page_footer(text):
    assert is_page_footer(text)


@pytest.mark.parametrize("text", ["3", "0", "-3", "第二十条第（五）项", "2024", "共12件", "- 3 - 行政许可"])
def test_is_not_page_footer(text):
    assert not is_page_footer(text)


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(CJK, min_size=1, max_size=8), min_size=1, max_size=6))
def test_cjk_lines_join_without_spaces(parts):
    assert clean_cell_text("\n".join(parts)) == "".join(parts)


def test_limits_object_accepts_attributes():
    class L:
        max_pages = 3
        max_bytes = None

    lim = pdf_reader._limits(L())
    assert lim.max_pages == 3 and lim.max_bytes == PdfLimits().max_bytes
    assert isinstance(Grid([]), Grid)


def test_overprinted_bold_text_is_deduplicated():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(FONT, 12)
    for dx in (0, 0.3):  # fake bold: the same glyphs printed twice, slightly offset
        c.drawString(72 + dx, 700, "行政许可 550")
    c.showPage()
    c.save()
    doc = read(buf.getvalue(), name="bold.pdf")
    assert doc.text == "行政许可 550"


def test_blank_pdf_is_not_scanned():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.showPage()
    c.save()
    doc = read(buf.getvalue(), name="blank.pdf")
    assert not doc.scanned and doc.text == "" and doc.grids == [] and doc.pages == 1
    assert doc.warnings == ["no text in the PDF (blank pages)"]


# ------------------------------------------- drawing read from pdfium: forms, rotation, colour

SMALL_TABLE = [["信息内容", "本年制发件数", "现行有效件数"], ["规章", "1", "11"],
               ["行政规范性文件", "8", "66"]]


def _draw_table(c, x0: float, y0: float) -> None:
    widths, h = [120, 90, 90], 22
    for i in range(len(SMALL_TABLE) + 1):
        c.line(x0, y0 - i * h, x0 + sum(widths), y0 - i * h)
    x = x0
    for j in range(len(widths) + 1):
        c.line(x, y0, x, y0 - len(SMALL_TABLE) * h)
        x += widths[j] if j < len(widths) else 0
    c.setFont(FONT, 10)
    for i, row in enumerate(SMALL_TABLE):
        x = x0
        for j, text in enumerate(row):
            c.drawString(x + 4, y0 - i * h - 15, text)
            x += widths[j]


def _one_page(draw, rotation: int = 0) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setPageRotation(rotation)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_table_drawn_in_a_form_xobject_scaled_and_moved():
    def draw(c):
        c.setFont(FONT, 12)
        c.drawString(72, 800, "标题")
        c.beginForm("tbl")
        _draw_table(c, 0, 0)
        c.endForm()
        c.translate(80, 600)
        c.scale(1.2, 1.2)
        c.doForm("tbl")

    doc = read(_one_page(draw), name="form.pdf")
    assert [g.texts() for g in doc.grids] == [SMALL_TABLE]


@pytest.mark.parametrize("rotation", [90, 270])
def test_landscape_page_turned_by_rotate(rotation):
    def draw(c):  # content turned so that it reads upright once the page is rotated
        if rotation == 90:
            c.rotate(90)
            c.translate(0, -A4[0])
        else:
            c.rotate(-90)
            c.translate(-A4[1], 0)
        c.setFont(FONT, 12)
        c.drawString(72, 550, "横向页面 2024 年")
        _draw_table(c, 80, 500)

    doc = read(_one_page(draw, rotation), name="landscape.pdf")
    assert doc.text.startswith("横向页面 2024 年\n信息内容 本年制发件数 现行有效件数")
    assert [g.texts() for g in doc.grids] == [SMALL_TABLE]


def test_white_rectangles_behind_prose_are_not_rules():
    def draw(c):
        c.setFont(FONT, 10)
        for k in range(4):  # a WPS export: a white box behind every line of prose
            y = 700 - 16 * k
            c.setFillColorRGB(1, 1, 1)
            c.rect(70, y - 4, 450, 16, fill=1, stroke=0)
            c.setFillColorRGB(0, 0, 0)
            c.drawString(72, y, "本机关按照条例要求，认真做好政府信息公开工作，第%d行。" % k)
        _draw_table(c, 80, 600)

    doc = read(_one_page(draw), name="white.pdf")
    assert [g.texts() for g in doc.grids] == [SMALL_TABLE]
    assert "第0行" in doc.text and "第3行" in doc.text


def test_stream_limits_refuse_a_bomb_before_pdfium_reads_it():
    from tests.bombs import flate_bomb, pdf_with_content

    stream = flate_bomb(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n", 2 << 24)  # inflates to 32 MiB
    bomb = pdf_with_content(stream)
    assert "max_stream" in _reason(bomb, limits={"max_stream": 1 << 24})
    assert "max_inflated" in _reason(bomb, limits={"max_inflated": 1 << 24})
    assert read(bomb, name="ok.pdf").text == "x"  # within the default limits: read
    hexed = pdf_with_content(stream.hex().encode() + b">", "[/ASCIIHexDecode /FlateDecode]")
    assert "max_stream" in _reason(hexed, limits={"max_stream": 1 << 24})
