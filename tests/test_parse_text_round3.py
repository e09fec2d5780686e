"""The renderings fresh real report pages took that the reader once got wrong (issue 22), each
built here from the seed report (../shared/corpus/seed) so that the expected values are known:
furniture with a stray `|` above a table of one cell per line, rows continued over several
lines, header cells broken across lines, each block's columns taken from its own header, header
wording variants, signed changes, and fifteen numbers without labels. Right or null, never
wrong."""
from __future__ import annotations

import json
import re

import pytest

from parsers.numbers import parse_value
from parsers.parse import parse_bytes

from .conftest import CORPUS, TRUTH

SEED = (CORPUS / "seed" / "boai-2024.txt").read_text(encoding="utf-8")
SEED_TRUTH = json.loads((TRUTH / "boai-2024.json").read_text(encoding="utf-8"))


def parse_text(text: str, name: str = "x.txt") -> dict:
    return parse_bytes(text.encode("utf-8"), name=name)


@pytest.mark.parametrize("printed,value", [("--253", -253), ("+22", 22), ("增1423", 1423),
                                           ("减4", -4), ("-35", -35), ("增加3", 3), ("减少5", -5)])
def test_signed_changes(printed, value):
    assert parse_value(printed)[0] == value
    assert "signed" in parse_value(printed)[1]


def test_a_doubled_dash_alone_is_still_a_marker():
    assert parse_value("--") == (None, ["na_marker"], None)


PROSE_THEN_NUMBERS = """某某镇2024年政府信息公开工作年度报告
一、总体情况
2024年，我镇认真贯彻落实政府信息公开条例，全年共发布各类信息。
全年共召开会议次数统计如下。
3 0 1 0 4 2 0 0 0 2 1 0 0 0 1
"""


def test_fifteen_numbers_after_prose_are_not_table_four():
    r = parse_text(PROSE_THEN_NUMBERS)
    assert not any(v is not None for f, v in r["values"].items() if f.startswith("t4.")), r["values"]
    assert any("nothing saying they are table 四" in w for w in r["warnings"]), r["warnings"]


@pytest.mark.parametrize("evidence", [
    "四、政府信息公开行政复议、行政诉讼情况",
    "结果维持 结果纠正 其他结果 尚未审结 总计",
])
def test_fifteen_numbers_under_table_four_heading_or_words_are_table_four(evidence):
    text = PROSE_THEN_NUMBERS.replace("全年共召开会议次数统计如下。\n", evidence + "\n")
    r = parse_text(text)
    assert [r["values"][f] for f in r["values"] if f.startswith("t4.")] == \
        [3, 0, 1, 0, 4, 2, 0, 0, 0, 2, 1, 0, 0, 0, 1]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


FURNITURE = "简体 | 繁体\n作者: | 来源:本网 | 时间:2025-01-20\n"


def test_furniture_with_a_bar_above_cells_one_per_line():
    """`简体 | 繁体` and a byline printed with bars above a table of one cell per line (blank
    lines between cells): the table's own lines decide how it is read, not the furniture's."""
    out = []
    for line in SEED.splitlines():
        if "\t" in line:
            out.extend(x for c in _cells(line) if c for x in (c, ""))
        else:
            out.extend([line, ""])
    r = parse_text(FURNITURE + "\n".join(out))
    assert r["values"] == SEED_TRUTH["values"]


def test_furniture_with_a_bar_above_pipe_rows_stays_furniture():
    text = FURNITURE + "\n".join(" | ".join(_cells(l)) + " |" if "\t" in l else l for l in SEED.splitlines())
    r = parse_text(text)
    assert r["values"] == SEED_TRUTH["values"]


def _continued(line: str) -> list[str]:
    """A tab row as a converter that continues rows over lines prints it: without outer pipes,
    each empty cell after the first value on a line `|`, a value after one on a line `| 25 |`."""
    cells = _cells(line)
    lines, pieces, seen, gap = [], [], False, False
    for c in cells:
        if seen and (not c or gap):
            if pieces:
                lines.append(" ".join(pieces))
                pieces = []
            lines.append(f"| {c} |" if c else "|")
            gap = gap or not c
            continue
        pieces.append(f"{c} |" if c else "|")
        seen = seen or (bool(c) and c[0].isdigit())
    if pieces:
        lines.append(" ".join(pieces))
    return lines


def test_rows_continued_over_several_lines():
    """`一、本年新收政府信息公开申请数量 | 25 |` followed by lines `|` (each an empty cell) and
    `| 25 |`: one row, read as printed."""
    out = []
    for line in SEED.splitlines():
        out.extend(_continued(line) if "\t" in line else [line])
    text = "\n".join(out)
    assert "\n|\n" in text and "\n| 0 |\n" in text
    r = parse_text(text)
    assert r["values"] == SEED_TRUTH["values"]
    assert not [c for c in r["checks"] if c["ok"] is False]


def test_row_continued_to_the_end_of_an_excerpt_is_not_read():
    """An excerpt that stops in the lines of a continued row: the row may go on, so it is not
    read (a cell short would shift its values), never read as if complete."""
    text = ("某某镇2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |\n"
            "自然人 | 法人或其他组织 | 总计 |\n"
            "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |\n"
            "一、本年新收政府信息公开申请数量 | 25 |\n|\n|\n|\n|\n|\n| 25 |\n"
            "二、上年结转政府信息公开申请数量 | 3 |\n|\n|\n| 1 |\n|\n|\n")
    r = parse_text(text)
    assert r["values"]["t3.new.natural_person"] == 25 and r["values"]["t3.new.total"] == 25
    assert r["values"]["t3.new.commercial"] is None and r["raw"]["t3.new.commercial"] == ""
    assert all(r["values"][f"t3.carried_over.{c}"] is None for c in
               ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"))


def test_header_cells_broken_across_lines_in_pipe_rows():
    text = ("二、主动公开政府信息情况\n第二十条第(一)项 |\n"
            "信息内容 | 本年新\n制作数量 | 本年新\n公开数量 | 对外公开\n总数量 |\n"
            "规章 | 1 | 2 | 3 |\n规范性文件 | 4 | 5 | 6 |\n"
            "第二十条第(五)项 |\n信息内容 | 上一年项目数量 | 本年增/减 | 处理\n决定数量 |\n"
            "行政许可 | 7 | --2 | 8 |\n其他对外管理服务事项 | 0 | +22 | 1 |\n")
    r = parse_text(text)
    v = r["values"]
    assert r["format"] == "2019"
    assert [v[f"t2.regulations.{c}"] for c in ("made", "published", "total_public")] == [1, 2, 3]
    assert [v[f"t2.normative_docs.{c}"] for c in ("made", "published", "total_public")] == [4, 5, 6]
    assert [v[f"t2.licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [7, -2, 8]
    assert [v[f"t2.other_services.{c}"] for c in ("prev_items", "change", "decisions")] == [0, 22, 1]


MARKER_HEADS = """某某街道办事处2020年政府信息公开工作年度报告
二、主动公开政府信息情况
|
第二十条第(五)项 | ||
|
信息内容 |
|
上一年项目数量 |
|
本年增/减 |
|
处理决定数量 |
|
行政许可 |
12 |
增1423 |
9 |
|
其他对外管理服务事项 |
0 |
--253 |
|
|
第二十条第(八)项 | ||
|
信息内容 |
|
上一年项目数量 |
|
本年增/减 |
|
行政事业性收费 |
3 |
+22 |
|
"""


def test_a_blocks_columns_from_its_own_header_each_head_on_a_row_of_its_own():
    """Each head cell on a row of its own (a bar before each): the block's columns are read
    from all of them, not from its last head alone (处理决定数量 alone is a 2021 block's one
    column: three cells where one is expected)."""
    r = parse_text(MARKER_HEADS)
    v = r["values"]
    assert r["format"] == "2019", r["warnings"]
    assert [v[f"t2.licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [12, 1423, 9]
    assert [v[f"t2.other_services.{c}"] for c in ("prev_items", "change", "decisions")] == [0, -253, None]
    assert r["raw"]["t2.other_services.decisions"] == ""
    assert [v[f"t2.fees.{c}"] for c in ("prev_items", "change")] == [3, 22]


def test_a_header_begun_on_earlier_rows_is_not_ended_by_another_blocks_head():
    """信息内容 / 上一年项目数量 / 本年增/减 / 本年 / 处理决定数量: the last row alone names a 2021
    block's one column, the rows before it a 2019 block's first columns; with no block whose
    columns they all fit, nothing is read under either."""
    text = MARKER_HEADS.replace("|\n处理决定数量 |\n", "|\n本年X |\n|\n处理决定数量 |\n")
    r = parse_text(text)
    assert all(r["values"].get(f) is None for f in r["values"] if f.startswith("t2.licensing."))
    assert any("not recognised" in w for w in r["warnings"])


def test_header_wording_variants():
    """本年发件 for 本年制发件数, 现行有效件 for 现行有效件数."""
    text = SEED.replace("本年制发件数", "本年发件").replace("现行有效件数", "现行有效件")
    assert "本年发件" in text and "现行有效件数" not in text
    r = parse_text(text)
    assert r["values"] == SEED_TRUTH["values"]


@pytest.mark.parametrize("tabs,joined,printed", [
    # the whole line run together: the text reader gives 信息内容 and the rest
    (r"\t+", "", "信息内容本年制发件数本年废止件数现行有效件数"),
    # only 信息内容 joined to the first head, the other cells still tab-separated: the mapper
    # takes the heads out of 信息内容's own cell
    (r"^信息内容\t", "信息内容", "信息内容本年制发件数\t本年废止件数\t现行有效件数"),
])
def test_header_cells_run_together_as_a_pdfs_text_line_prints_them(tabs, joined, printed):
    """信息内容本年制发件数本年废止件数现行有效件数: a PDF's text line without a space between the
    head cells (上海市科委 2024, 上海市政府办公厅 2025, as extracted): cut where each column's
    wording begins; a head with its unit (本年收费金额（单位：万元）) stays whole."""
    lines = [re.sub(tabs, joined, ln) if ln.startswith("信息内容") else ln for ln in SEED.splitlines()]
    text = "\n".join(lines)
    assert printed in text
    assert "信息内容本年收费金额（单位：万元）" in text
    r = parse_text(text)
    assert r["values"] == SEED_TRUTH["values"]


def test_one_head_misread_past_knowing_stands_in_its_place():
    """An OCR's 末华庶主条数 for 本年废止件数: near no column label of any format, between two
    heads that name theirs, it is the column its place gives it. Two such heads prove nothing:
    the block is not read."""
    one = SEED.replace("本年废止件数", "末华庶主条数", 1)
    r = parse_text(one)
    assert r["values"]["t2.normative_docs.repealed"] == SEED_TRUTH["values"]["t2.normative_docs.repealed"]
    assert r["values"] == SEED_TRUTH["values"]
    # 举年诬让件数 (a seal over 本年废止件数) is half like two columns' labels, clearly like none
    half = SEED.replace("本年废止件数", "举年诬让件数", 1)
    assert parse_text(half)["values"] == SEED_TRUTH["values"]
    two = one.replace("本年制发件数", "夲牛刹友仵敉", 1)
    r = parse_text(two)
    assert all(r["values"].get(f) is None for f in ("t2.regulations.issued", "t2.regulations.repealed",
                                                    "t2.normative_docs.in_force"))
    assert all(r["values"].get(f) in (None, v) for f, v in SEED_TRUTH["values"].items())


def test_the_partly_disclosed_row_by_the_tail_of_its_label():
    """OCR under a seal keeps only the end of （二）部分公开（区分处理的，只计这一情形，不计其他情形）:
    words of that label alone, they name the row."""
    text = SEED.replace("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)", "计其他情形 )")
    assert "部分公开" not in text
    r = parse_text(text)
    assert r["values"] == SEED_TRUTH["values"]
    # named by its words, not placed by structure between its neighbours
    assert not any("positional" in fl for f, fl in r["flags"].items() if f.startswith("t3.result.partial."))


def test_a_garbled_label_with_another_rows_words_stands_by_its_item_number():
    """4.无正当理由太攻重复申请 (OCR for 4.无正当理由大量反复申请) holds 重复申请, item 2's words: its
    number and its own words in order bear out item 4. A label whose number bears out no row of
    its group keeps the row its words name."""
    line = next(l for l in SEED.splitlines() if "大量反复" in l)
    garbled = line.replace("大量反复", "太攻重复")
    r = parse_text(SEED.replace(line, garbled))
    assert r["values"] == SEED_TRUTH["values"]
    assert not any("printed twice" in w for w in r["warnings"])


def test_a_label_whose_item_number_ocr_misread_keeps_the_row_its_whole_words_name():
    """6. 属于四类过程性信息 read 5. 属于四类过程性信息 (a 6 read 5): its words are item 6's whole,
    while item 5's 属于三类内部事务信息 shares only 属于…类…信息 with them: the row stays item 6,
    not a second item 5 (printed twice, item 6 lost)."""
    line = next(l for l in SEED.splitlines() if "过程性信息" in l)
    r = parse_text(SEED.replace(line, line.replace("6. 属于四类", "5. 属于四类")))
    assert r["values"] == SEED_TRUTH["values"]
    assert not any("printed twice" in w for w in r["warnings"])


def test_2020_report_whose_table_two_has_the_2021_columns():
    """A report on 2020 whose table 二 prints the 2021 columns (本年制发件数 …, 本年处理决定数量)
    and whose table 三 prints the 2019 （六） row: each block read under the ids of the
    columns it prints; table 三's （六） as printed (a hybrid, named in a warning)."""
    lines = []
    for line in SEED.splitlines():
        lines.append(line.replace("2024 年", "2020 年").replace("2024年", "2020年"))
    text = "\n".join(lines)
    # table 三's （六） printed as the 2019 format's single row
    start = next(i for i, l in enumerate(lines) if "其他处理" in l)
    end = next(i for i, l in enumerate(lines) if "总计" in l and "\t" in l and i > start)
    six = ["\t（六）其他处理\t\t7\t0\t0\t0\t0\t0\t7"]  # 2 + 0 + 5 of the three rows
    text = "\n".join(lines[:start] + six + lines[end:])
    r = parse_text(text)
    assert r["year"] == 2020
    assert r["format"] == "2021" and r["t3_version"] == "2019"
    assert r["values"]["t2.normative_docs.issued"] == SEED_TRUTH["values"]["t2.normative_docs.issued"]
    assert r["values"]["t3.result.other.subtotal.total"] == 7
    assert not [c for c in r["checks"] if c["ok"] is False]
