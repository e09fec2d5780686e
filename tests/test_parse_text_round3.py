"""The renderings fresh real report pages took that the reader once got wrong (issue 22), each
built here from the seed report (../shared/corpus/seed) so that the expected values are known:
furniture with a stray `|` above a table of one cell per line, rows continued over several
lines, header cells broken across lines, each block's columns taken from its own header, header
wording variants, signed changes, and fifteen numbers without labels. Right or null, never
wrong."""
from __future__ import annotations

import json

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
