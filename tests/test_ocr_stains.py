"""What a stained scan does to a table, and what still reads it without a guess:

* a toner speck touching a digit (a 0 read as nothing at all): the number is read again without
  solid blots on its ink, with the same demand for agreement;
* a row label the seal or the specks garbled (3. 委术提供公开出版槐): the row is placed by the
  table's structure and kept when its own item number and half its words bear the place out,
  else only when every rule over it holds; a numbered item is never taken for its group's
  one-row form because the group's words stand beside it;
* counts are never negative: a sum rule whose printed parts already exceed its total fails
  whatever its unread parts hold.

The rows are a synthetic 2021 report read from HTML whose cells are then altered as OCR leaves
them (no Tesseract needed); the blot test is on a drawn image."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from parsers import checks
from parsers.mapper import label_bears_out
from parsers.parse import Limits, build_result, read_document
from parsers.readers.ocr import _dissent, _says_otherwise, _without_trailing_mark
from parsers.readers.ocr_ink import _digit_aspect, _drop_blobs, _ink_span, _too_few_digits
from parsers.readers.ocr_page import _beside_the_seal, _sealed_inside, prepare
from tests.synthetic import generate
from tests.synthetic import html as html_render

PUBLICATION = "t3.result.not_processed.publication"
NO_CORRECTION = "t3.result.other.no_correction"
COLUMNS = ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org", "total")


def _scanned(seed: int = 3):
    report = generate(seed, "2021", "html")
    data, _ = html_render.render(report, seed)
    doc = read_document(data, name="s.html", kind="html", limits=Limits())
    plain = build_result(doc, data=data, name="s.html", kind="html")
    for grid in doc.grids:
        grid.rows = [[dataclasses.replace(c, confidence=95.0) for c in row] for row in grid.rows]
    doc.scanned = True
    return doc, data, plain, report


def _row(doc, plain, row_key):
    p = plain["provenance"][f"{row_key}.natural_person"]
    return doc.grids[p["table"]].rows[p["row"]], p["col"]


def _relabel(doc, plain, row_key, text):
    row, first_value = _row(doc, plain, row_key)
    row[first_value - 1] = dataclasses.replace(row[first_value - 1], text=text)


def _unread(doc, plain, field):
    p = plain["provenance"][field]
    row = doc.grids[p["table"]].rows[p["row"]]
    row[p["col"]] = dataclasses.replace(row[p["col"]], text="", unread=True, confidence=20.0)


@pytest.mark.parametrize("garbled,label,bears", [
    # real OCR readings of stained labels of a rasterised, degraded report, and their rows
    ("3. 委术提供公开出版槐", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", True),
    ("7. 骆于行政轨法索疮", "三、本年度办理结果 /（三）不予公开 / 7.属于行政执法案卷", True),
    ("3. 急及”一安全一檀定", "三、本年度办理结果 /（三）不予公开 / 3.危及“三安全一稳定”", True),
    ("4. 无正这理由如量反身中请", "三、本年度办理结果 /（五）不予处理 / 4.无正当理由大量反复申请", True),
    ("1、中请人无正当理由志期不外正、行政机关不予处理其政府信息公开申请",
     "三、本年度办理结果 /（六）其他处理 / 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", True),
    # the item's point lost (1 申请人) or a stray mark before its number (,2.): still its number
    ("1 中请人无正当理由过期不相正、行政机关不予处理其政府位外公开申请",
     "三、本年度办理结果 /（六）其他处理 / 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", True),
    (",2. 其他法仇人行政法规荣赴公开", "三、本年度办理结果 /（三）不予公开 / 2.其他法律行政法规禁止公开", True),
    # another item's number, no number, or not the row's words: no evidence
    ("2 委术提供公开出版槐", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", False),
    ("2. 委术提供公开出版槐", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", False),
    # no number read: its words alone, where they are clearly the row's (0.67 like them, and
    # nearer them than any other row's); a few of them, or another row's, are not
    ("委术提供公开出版槐", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", True),
    ("委术提供么开", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", False),
    ("委术提供公开出版槐", "三、本年度办理结果 /（五）不予处理 / 2.重复申请", False),
    ("生年结办政府信息公开申请数量", "二、上年结转政府信息公开申请数量", True),
    ("生年结办政府信息公开申请数量", "一、本年新收政府信息公开申请数量", False),
    ("必、申请人无正当理由放敌不加正、行政机关不下外理过大府位息公开申请",
     "三、本年度办理结果 /（六）其他处理 / 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", True),
    ("3. 其他情形", "三、本年度办理结果 /（五）不予处理 / 3.要求提供公开出版物", False),
    ("3. 要求提供公开出版物", "三、本年度办理结果 /（七）总计", False),
    # a group's own row by its group number and words, its brackets misread
    ("(七》和总计", "三、本年度办理结果 /（七）总计", True),
    ("〈七〉总讨", "三、本年度办理结果 /（七）总计", True),
    ("所七 ) 站计", "三、本年度办理结果 /（七）总计", True),  # its opening bracket read 所
    # a point read as a full stop: still the item's number
    ("3。其他", "三、本年度办理结果 /（六）其他处理 / 3.其他", True),
    ("2。其他", "三、本年度办理结果 /（六）其他处理 / 3.其他", False),
    ("(一 ) 和总计", "三、本年度办理结果 /（七）总计", False),
    ("七和总计", "三、本年度办理结果 /（七）总计", True),  # no bracket: its words alone
    ("七和", "三、本年度办理结果 /（七）总计", False),
    ("(七》其他处理", "三、本年度办理结果 /（七）总计", False),
])
def test_a_garbled_label_bears_out_its_row_only_by_its_number_and_words(garbled, label, bears):
    assert label_bears_out(garbled, label) is bears


def test_a_garbled_row_borne_out_by_its_label_is_placed_though_its_rules_are_undecided():
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, PUBLICATION, "3. 委术提供公开出版槐")
    _unread(doc, plain, f"{PUBLICATION}.research")  # the seal over one of its cells
    r = build_result(doc, data=data, name="s.html", kind="html")
    for col in COLUMNS:
        f = f"{PUBLICATION}.{col}"
        if col == "research":
            assert r["values"][f] is None
        else:
            assert r["values"][f] == report.values[f] and "positional" in r["flags"][f]
    assert any("borne out by their own item number and words" in w for w in r["warnings"]), r["warnings"]


def test_a_garbled_row_without_its_number_is_left_out_unless_every_rule_holds():
    # too few of its words left to name it (委术提供么开: 0.33 like 要求提供公开出版物)
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, PUBLICATION, "委术提供么开")
    _unread(doc, plain, f"{PUBLICATION}.research")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{PUBLICATION}.{col}"] is None for col in COLUMNS)
    assert any("were not mapped" in w for w in r["warnings"]), r["warnings"]
    # with every cell read, the rules over the row decide it: placed by them
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, PUBLICATION, "委术提供么开")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{PUBLICATION}.{col}"] == report.values[f"{PUBLICATION}.{col}"]
               for col in COLUMNS)


@pytest.mark.parametrize("label", [
    "1、中请人无正当理由志期不外正、行政机关不予处理其政府信息公开申请",
    "1 中请人无正当理由过期不相正、行政机关不予处理其政府位外公开申请",  # its point lost
])
def test_a_garbled_numbered_item_is_not_its_groups_one_row_form(label):
    # beside （六）其他处理: the item's row, placed by its own words, not the group's one-row form
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, NO_CORRECTION, label)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{NO_CORRECTION}.{col}"] == report.values[f"{NO_CORRECTION}.{col}"]
               for col in COLUMNS)
    assert not any(f.startswith("t3.result.other.subtotal") for f in r["values"])


DUPLICATE = "t3.result.not_processed.duplicate"


def test_a_lone_garbled_row_with_its_slots_number_between_read_rows_is_placed():
    # 2. 走息中请 for 2.重复申请 (a real reading): too few of its words, but its item number is its
    # slot's, it is the one row between 1.信访… and 3.要求提供…, and its row total holds; the seal
    # over the 总计 row leaves the column rules undecided
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, DUPLICATE, "2. 走息中请")
    _unread(doc, plain, "t3.result.total.nonprofit")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{DUPLICATE}.{c}"] == report.values[f"{DUPLICATE}.{c}"]
               and "positional" in r["flags"][f"{DUPLICATE}.{c}"] for c in COLUMNS)
    assert any("1 by their item number in their places" in w for w in r["warnings"]), r["warnings"]


def test_a_lone_garbled_row_by_its_number_stands_though_a_column_rule_fails_elsewhere():
    # a misreading in another row of its columns fails their totals: that says nothing of which
    # slot this row is in (every result row sums into them); it stays, flagged like any row
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, DUPLICATE, "2. 走息中请")
    _unread(doc, plain, "t3.result.total.nonprofit")
    p = plain["provenance"]["t3.result.not_processed.petition.natural_person"]
    row = doc.grids[p["table"]].rows[p["row"]]
    wrong = report.values["t3.result.not_processed.petition.natural_person"] + 7
    row[p["col"]] = dataclasses.replace(row[p["col"]], text=str(wrong))
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{DUPLICATE}.{c}"] == report.values[f"{DUPLICATE}.{c}"] for c in COLUMNS)
    failing = {c["id"] for c in r["checks"] if c["ok"] is False}
    assert "rule.t3.result_total.natural_person" in failing


@pytest.mark.parametrize("second,placed", [("3. 走走走走走", True), ("5. 走走走走走", False)])
def test_garbled_rows_of_one_gap_stand_by_their_numbers_only_if_every_number_fits(second, placed):
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, DUPLICATE, "2. 走息中请")
    _relabel(doc, plain, PUBLICATION, second)  # the next row garbled too: a gap of two rows
    _unread(doc, plain, "t3.result.total.nonprofit")
    r = build_result(doc, data=data, name="s.html", kind="html")
    for row in (DUPLICATE, PUBLICATION):
        got = [r["values"][f"{row}.{c}"] for c in COLUMNS]
        assert got == ([report.values[f"{row}.{c}"] for c in COLUMNS] if placed else [None] * 7)


@pytest.mark.parametrize("label,break_total", [("走息中请", False), ("3. 走息中请", False),
                                               ("2. 走息中请", True)])
def test_a_lone_garbled_row_without_its_number_or_with_a_failing_rule_is_left_out(label, break_total):
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, DUPLICATE, label)
    _unread(doc, plain, "t3.result.total.nonprofit")
    if break_total:  # its printed total off by one: the one rule that could hold fails
        p = plain["provenance"][f"{DUPLICATE}.total"]
        row = doc.grids[p["table"]].rows[p["row"]]
        row[p["col"]] = dataclasses.replace(row[p["col"]], text=str(report.values[f"{DUPLICATE}.total"] + 1))
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{DUPLICATE}.{c}"] is None for c in COLUMNS)
    assert any("were not mapped" in w for w in r["warnings"]), r["warnings"]


@pytest.mark.parametrize("text,span,too_few", [
    ("0", (19, 16), True),     # a 50 whose digits touch, read 0 at two sizes (a real case)
    ("1", (21, 16), True),     # 11 read 1
    ("50", (19, 16), False),
    ("0", (9, 16), False),     # one digit's ink
    ("7", (12, 16), False),    # a wide single digit within two thirds of a digit
    ("105", (28, 16), False),
    ("3985758", (90, 16), False),  # long numbers are not judged by width
    ("0.5", (40, 16), False),      # nor anything but plain digits
])
def test_a_short_number_too_narrow_for_its_ink_is_no_vote(text, span, too_few):
    assert _too_few_digits(text, span, aspect=0.6) is too_few


def test_the_digit_aspect_comes_from_the_pages_own_short_numbers():
    read = [("50", (19, 16)), ("21", (18, 16)), ("105", (28, 16)), ("34", (19, 16)),
            ("61", (18, 16)), ("0", (9, 16)), ("3119", (40, 16)), ("447", (28, 16))]
    aspect = _digit_aspect(read)
    assert 0.55 < aspect < 0.62  # from the 2- and 3-digit numbers only
    assert _digit_aspect(read[:4]) is None  # too few to judge by


@pytest.mark.parametrize("reading,out", [("0.", ("0", True)), ("103.", ("103", True)),
                                          ("0-", ("0", True)), ("-3+", ("-3", True)),
                                          ("96171.6", ("96171.6", False)), ("0", ("0", False)),
                                          ("-3", ("-3", False)), ("+22", ("+22", False)),
                                          ("2..", ("2..", False))])
def test_a_reading_ending_in_a_point_or_a_sign_loses_it_and_is_doubtful(reading, out):
    """0- is a 0 with a speck beside it (a sign comes before its digits, never after)."""
    assert _without_trailing_mark(reading) == out


@pytest.mark.parametrize("text,history,stage,doubt", [
    # 447228 under the seal: five readings agreed 44722, two read 447225 (a real case)
    ("44722", [("d", "447225"), ("d", "44722"), ("d", "44722")], "d", "one more digit (447225)"),
    ("447", [("d", "44722"), ("d", "447")], "d", None),  # two digits more: not this signature
    ("4472", [("d", "84472"), ("d", "4472")], "d", "one more digit (84472)"),  # or before it
    # agreed only when read again, the first readings saying 558 as often: 559 is in doubt
    ("559", [("d", "550"), ("d", "558"), ("d", "558"), ("k", "559"), ("k", "559")], "k", "said otherwise"),
    ("550", [("d", "550"), ("d", "558"), ("b", "550"), ("b", "550")], "b", "said otherwise"),
    ("550", [("d", "550"), ("d", "550"), ("d", "558"), ("b", "550"), ("b", "550")], "b", "said otherwise"),
    ("9", [("d", "9"), ("d", "9"), ("d", "0"), ("d", "4"), ("k", "9"), ("k", "9")], "k", "said otherwise"),
    ("0", [("d", "0."), ("d", ""), ("b", "0"), ("b", "0")], "b", None),  # nothing else read at first
    ("50", [("d", "?0"), ("d", "?0"), ("w", "50"), ("w", "50")], "w", None),  # too narrow: no vote
    # agreed only by outvoting a reading of as many digits at the last reading (small wide-set
    # digits of a synthetic scan: 12905 printed)
    ("12908", [("d", "12908"), ("d", "12905"), ("d", "1290"), ("d", "12908"), ("d", "1230"),
               ("d", "12908"), ("d", "12305")], "d", "as many digits (12905)"),
    ("1290", [("d", "129"), ("d", "1290"), ("d", "1290")], "d", None),  # fewer digits: no rival
    ("26", [("d", "26"), ("d", "26")], "d", None),
])
def test_an_agreed_number_is_in_doubt_when_its_other_readings_dissent(text, history, stage, doubt):
    why = _dissent(text, history, stage)
    assert (why is None) if doubt is None else (doubt in why)


@pytest.mark.parametrize("agreed, read, otherwise", [
    # the mark left on read as a point or a sign before or after the number: the same number
    ("0", "0.", False), ("550", ".550", False), ("4119", "4119-", False), ("26", "+26", False),
    ("7730.28", "7730.28.", False), ("0", "+0-", False), ("26", "26", False),
    # a minus before it (a sign of 本年增/减), another digit, a digit more or less, nothing at
    # all, a decimal part: another number
    ("66", "-66", True), ("7730.28", "-7730.28", True), ("0", "-0-", True),
    ("350", "550", True), ("26", "126", True), ("11", "1", True), ("1", "", True),
    ("1", ".", True), ("0", "0.5", True), ("-5", "5", True), ("0", "..0", True),
])
def test_a_number_read_with_a_speck_left_on_says_otherwise_only_by_its_digits(agreed, read, otherwise):
    """A number agreed on once a speck beside it was taken off is read again as it was: where
    that reading is the same number with the speck read as a point or a plus (.550, 447228.,
    +26), the speck decided nothing and the number is not in doubt for it; a minus before it
    would change the number."""
    assert _says_otherwise(agreed, read) is otherwise


def _ink(width_marks):
    bw = np.full((30, 200), 255, np.uint8)
    for x0, x1, y0, y1 in width_marks:
        bw[y0:y1, x0:x1] = 0
    return bw


def test_a_numbers_ink_is_its_main_run_not_a_speck_or_a_distant_remnant():
    # two digits (8 px wide, 16 high, 2 apart), a speck touching the run, a remnant far right
    bw = _ink([(10, 18, 5, 21), (20, 28, 5, 21), (30, 32, 19, 21), (150, 160, 10, 14)])
    assert _ink_span(bw, (0, 0, 200, 30)) == (18, 16)


def test_printed_parts_beyond_their_total_fail_the_rule_whatever_the_unread_ones_hold():
    values = {f"t3.result.not_processed.duplicate.{c}": 0 for c in COLUMNS}
    values["t3.result.not_processed.duplicate.legal_service"] = 19   # a 0 under the seal read as 19
    values["t3.result.not_processed.duplicate.nonprofit"] = None     # another cell not read
    rule = next(c for c in checks.evaluate("2021", values)
                if c["id"] == "rule.t3.row_total.result.not_processed.duplicate")
    assert rule["ok"] is False and rule["bound"] == "at least" and rule["expected"] == 19
    # parts within the total leave it undecided: the unread part may make up the rest
    values["t3.result.not_processed.duplicate.total"] = 25
    rule = next(c for c in checks.evaluate("2021", values)
                if c["id"] == "rule.t3.row_total.result.not_processed.duplicate")
    assert rule["ok"] is None and "bound" not in rule


def _glyph_zero(img, x, y, h=14, w=9, stroke=2):
    img[y:y + h, x:x + stroke] = 0
    img[y:y + h, x + w - stroke:x + w] = 0
    img[y:y + stroke, x:x + w] = 0
    img[y + h - stroke:y + h, x:x + w] = 0


def test_a_solid_blot_on_a_digit_is_taken_off_and_the_strokes_kept():
    img = np.full((30, 40), 255, np.uint8)
    _glyph_zero(img, 15, 8)
    clean = img.copy()
    img[4:10, 10:16] = 0  # a toner speck touching the 0's corner
    out = _drop_blobs(img)
    assert (out[4:8, 10:14] == 255).all()                      # the blot is paper again
    kept = (clean == 0) & (out == 0)
    assert kept.sum() >= 0.85 * (clean == 0).sum()             # the 0's strokes stay
    # bold print without a blot is left as it is
    bold = np.full((40, 40), 255, np.uint8)
    _glyph_zero(bold, 10, 6, h=26, w=16, stroke=5)
    assert (_drop_blobs(bold) == bold).all()


def _stamped_page(angle: float = 0.0):
    """A white RGB page with table rules, two black 0s, and a red seal's stroke stamped over
    the top of the first (the ink multiplies: black stays black, paper turns red), turned by
    `angle` degrees as a scan is."""
    import cv2
    gray = np.full((700, 900), 255, np.uint8)
    for y in range(100, 650, 50):
        gray[y:y + 2, 80:820] = 0  # rules: the page's skew is found on them
    _glyph_zero(gray, 300, 318, h=24, w=15, stroke=3)
    _glyph_zero(gray, 600, 318, h=24, w=15, stroke=3)
    img = np.repeat(gray[..., None], 3, axis=2).astype(np.float32)
    red = np.array([214, 36, 44], np.float32) / 255.0
    img[312:322, 280:340] *= red  # the stroke over the first 0's top
    img = np.clip(img, 0, 255).astype(np.uint8)
    if angle:
        m = cv2.getRotationMatrix2D((450, 350), -angle, 1.0)
        img = cv2.warpAffine(img, m, (900, 700), borderValue=(255, 255, 255))
    return img


@pytest.mark.parametrize("angle", [0.0, 1.5])
def test_where_seal_ink_was_taken_out_is_kept_and_counted_inside_a_numbers_ink(angle):
    """Taking the seal's red out of the page can take a stroke printed under it (a 5 whose top
    went with the seal was a 3 to every reading): the page keeps where it took ink out, turned
    with the page, and a number with such pixels inside its ink is counted for doubt."""
    page = prepare(_stamped_page(angle))
    assert page.sealed is not None and page.sealed.shape == page.tables.shape
    assert abs(page.angle - angle) < 0.3
    taken = page.sealed.sum()
    assert 300 <= taken <= 900                              # the stroke, about 60 x 10 px
    assert (page.tables[page.sealed] > 200).mean() > 0.9    # where the grey page is paper now
    # the two 0s' ink boxes, as a cell's crop at the page's origin gives them
    bw = page.tables
    assert _sealed_inside(page.sealed, (0, 0), bw, (299, 316, 317, 344)) > 0
    assert _sealed_inside(page.sealed, (290, 300), bw[300:, 290:], (9, 16, 27, 44)) > 0  # a crop
    # a crop whose number touches its edges (the crop no wider than the 0's ink)
    edge = bw[312:346, 299:317]
    assert _sealed_inside(page.sealed, (299, 312), edge, (0, 4, 18, 32)) > 0
    assert _sealed_inside(page.sealed, (0, 0), bw, (599, 316, 617, 344)) == 0
    assert _sealed_inside(None, (0, 0), bw, (299, 316, 317, 344)) == 0   # a grey page: no seal
    assert prepare(_stamped_page(angle)[..., 0]).sealed is None


def test_a_number_beside_the_seal_is_read_again_with_the_seal_ink_back_and_its_remnant_gone():
    """A number agreed on beside which seal ink was taken out is read twice more before it may
    stand: with the seal's ink within two pixels of its strokes counted as print (a piece of a
    stroke that went with the seal is back; a longer one only at its ends) and with its own ink right beside the seal's taken out (a seal's
    remnant joined to a 0, that made it a 6, is gone). Ink away from the seal is untouched."""
    bw = np.full((40, 60), 255, np.uint8)
    _glyph_zero(bw, 10, 8, h=24, w=15, stroke=3)
    _glyph_zero(bw, 40, 8, h=24, w=15, stroke=3)
    printed = bw.copy()
    sealed = np.zeros((100, 100), bool)        # the page's mask; the crop is at (20, 30) on it
    sealed[30 + 15:30 + 19, 20 + 8:20 + 14] = True   # a piece of the first 0's side went with
    bw[15:19, 10:13] = 255                           # the seal (a 0 read 6 / 5 read 3 that way)
    sealed[30 + 33:30 + 36, 20 + 38:20 + 57] = True  # seal ink taken out under the second 0
    bw[32:33, 45:50] = 0                             # and a remnant of it left on the 0's foot
    restored, stripped = _beside_the_seal(sealed, (20, 30), bw)
    assert (restored[15:19, 10:13] == 0).all()          # the side is back
    mask = sealed[30:70, 20:80]
    assert (restored[~mask] == bw[~mask]).all()         # only what the seal took can come back
    assert (stripped[32:33, 45:50] == 255).all()       # the remnant is gone
    assert (stripped[8:30, 40:44] == printed[8:30, 40:44]).all()  # the 0's side, away from it
    # nothing to compare: no seal taken out in the crop, no mask, no crop
    assert _beside_the_seal(np.zeros((100, 100), bool), (20, 30), bw) is None
    assert _beside_the_seal(None, (20, 30), bw) is None
    assert _beside_the_seal(sealed, None, bw) is None


def test_a_table_two_head_ocr_could_not_read_takes_the_column_its_place_gives_it():
    def head_row(doc):  # 信息内容 | three heads of table 二's first block
        return next((g, r) for g, grid in enumerate(doc.grids) for r, row in enumerate(grid.rows)
                    if row and (row[0].text or "").strip() == "信息内容" and len(row) == 4)
    fields = [f"t2.{r}.{c}" for r in ("regulations", "normative_docs")
              for c in ("issued", "repealed", "in_force")]
    doc, data, plain, report = _scanned(41)  # six different numbers in the block
    assert len({report.values[f] for f in fields}) == 6
    g, r = head_row(doc)
    row = doc.grids[g].rows[r]
    row[2] = dataclasses.replace(row[2], text="", unread=True, confidence=0.0)  # 本年废止件数
    res = build_result(doc, data=data, name="s.html", kind="html")
    assert [res["values"][f] for f in fields] == [report.values[f] for f in fields]
    # a head cell blank on the page (not one OCR failed to read) is no head: nothing is placed
    doc, data, plain, report = _scanned(41)
    g, r = head_row(doc)
    row = doc.grids[g].rows[r]
    row[2] = dataclasses.replace(row[2], text="")
    res = build_result(doc, data=data, name="s.html", kind="html")
    assert all(res["values"][f] is None for f in fields)


def test_a_mark_in_the_label_columns_of_a_scan_is_no_value_by_its_place():
    doc, data, plain, report = _scanned()
    row, first_value = _row(doc, plain, PUBLICATION)
    # a seal's remnant beside the values, in the label column, read as 2
    row[first_value - 1] = dataclasses.replace(row[first_value - 1], text="2", copy=False)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{PUBLICATION}.{col}"] == report.values[f"{PUBLICATION}.{col}"]
               for col in COLUMNS)
    # in a document with a text layer the same cell is printed: the row is not placed by guess
    doc, data, plain, report = _scanned()
    for grid in doc.grids:
        grid.rows = [[dataclasses.replace(c, confidence=None) for c in row] for row in grid.rows]
    row, first_value = _row(doc, plain, PUBLICATION)
    row[first_value - 1] = dataclasses.replace(row[first_value - 1], text="2", copy=False)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"{PUBLICATION}.{col}"] is None for col in COLUMNS)


T2_ROWS = ("t2.regulations", "t2.normative_docs")
T2_COLUMNS = ("issued", "repealed", "in_force")


def _t2_label(doc, plain, row_key, text, unread=False):
    p = plain["provenance"][f"{row_key}.issued"]
    row = doc.grids[p["table"]].rows[p["row"]]
    row[p["col"] - 1] = dataclasses.replace(row[p["col"] - 1], text=text, unread=unread)


def test_table_2_rows_whose_labels_a_seal_took_are_placed_by_their_block():
    """Block （一） of table 二 has two rows, 规章 then 行政规范性文件: under its header, before the
    next block's, two rows of three values are those rows, one garbled (闭章), one unread."""
    doc, data, plain, report = _scanned()
    _t2_label(doc, plain, "t2.regulations", "闭章")
    _t2_label(doc, plain, "t2.normative_docs", "", unread=True)
    r = build_result(doc, data=data, name="s.html", kind="html")
    for row in T2_ROWS:
        for col in T2_COLUMNS:
            f = f"{row}.{col}"
            assert r["values"][f] == report.values[f] and "positional" in r["flags"][f], f
    assert sum("placed by its block's structure" in w for w in r["warnings"]) == 2, r["warnings"]
    assert not any("extra row" in w for w in r["warnings"]), r["warnings"]


@pytest.mark.parametrize("label", ["地方性法规", "行政许可"])
def test_a_table_2_label_of_other_words_is_not_placed_by_its_block(label):
    # another row's words (or another block's row) stand where 规章 should: the block is not
    # the format's, and neither of its rows is placed by position
    doc, data, plain, report = _scanned()
    _t2_label(doc, plain, "t2.regulations", label)
    _t2_label(doc, plain, "t2.normative_docs", "", unread=True)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"].get(f"t2.normative_docs.{c}") is None for c in T2_COLUMNS)
    assert not any("block's structure" in w for w in r["warnings"])


def test_table_2_rows_are_placed_by_position_only_in_a_scan():
    # a text's line of values without a label may be a row continued from the line above: a
    # document not read by OCR places no row by its block's structure
    report = generate(3, "2021", "html")
    data, _ = html_render.render(report, 3)
    doc = read_document(data, name="s.html", kind="html", limits=Limits())
    plain = build_result(doc, data=data, name="s.html", kind="html")
    _t2_label(doc, plain, "t2.normative_docs", "")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"].get(f"t2.normative_docs.{c}") is None for c in T2_COLUMNS)
    assert r["values"]["t2.regulations.issued"] == report.values["t2.regulations.issued"]


def test_an_item_whose_point_was_read_as_a_full_stop_is_its_own_row():
    # 3。其他 beside （六）其他处理: item 3, not the group's one-row form of the 2019 format
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, "t3.result.other.other", "3。其他")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert all(r["values"][f"t3.result.other.other.{c}"] == report.values[f"t3.result.other.other.{c}"]
               for c in COLUMNS)
    assert not any(f.startswith("t3.result.other.subtotal") for f in r["values"])


def _assert_placed_but_research(r, report, row_key):
    """The row's values all as printed but its research cell, left unread (null)."""
    for c in COLUMNS:
        f = f"{row_key}.{c}"
        assert r["values"][f] == (None if c == "research" else report.values[f]), f


def test_the_total_row_whose_opening_bracket_was_misread_is_borne_out_by_its_group_number():
    # 所七 ) 站计 for （七）总计, a cell of it unread: its place kept by its group number and words
    doc, data, plain, report = _scanned()
    row, first_value = _row(doc, plain, "t3.result.total")
    for i in (first_value - 2, first_value - 1):  # the label's cell and its colspan copy
        row[i] = dataclasses.replace(row[i], text="所七 ) 站计")
    _unread(doc, plain, "t3.result.total.research")
    r = build_result(doc, data=data, name="s.html", kind="html")
    _assert_placed_but_research(r, report, "t3.result.total")


def test_a_head_row_without_its_number_is_placed_by_words_clearly_its_own():
    # 上年结转… under a seal (生年结办…), its 二、 not printed and a cell of it unread: its words
    # are nearer its own row's than 本年新收…'s, and its place between rows read by label agrees
    doc, data, plain, report = _scanned()
    row, first_value = _row(doc, plain, "t3.carried_over")
    for i in range(first_value):
        if not row[i].text.startswith("三"):
            row[i] = dataclasses.replace(row[i], text="生年结办政府信息公开申请数量")
    _unread(doc, plain, "t3.carried_over.research")
    r = build_result(doc, data=data, name="s.html", kind="html")
    _assert_placed_but_research(r, report, "t3.carried_over")
    assert all("positional" in r["flags"][f"t3.carried_over.{c}"] for c in COLUMNS if c != "research")


def test_an_item_whose_number_ocr_lost_is_not_its_groups_one_row_form():
    """After （六）其他处理's cell, a label whose words are clearly item 1's (必、申请人…, its 1 read
    必) is item 1 placed by its words, not 2019's one-row （六）; a seal's marks after a one-row
    （六）其他处理 (半由 :开本, a report printing （六） as 2019 did) leave it the one-row form."""
    from parsers.document import Cell
    from parsers.mapper import Line, _match_t3

    def line(*labels):
        return Line(0, 0, 1, list(enumerate(labels)), [(9, Cell("0", confidence=95.0))])
    garbled = "必、申请人无正当理由放敌不加正、行政机关不下外理过大府位息公开申请"
    assert _match_t3(line("〈六 ) 其他处理", garbled), "result.not_processed.reconfirm") is None
    assert _match_t3(line("〈六 ) 其他处理", "半由 :开本"), "result.not_processed.reconfirm")[1].key \
        == "result.other.subtotal"
    # in a scan, the row is then placed by its words in its slot
    doc, data, plain, report = _scanned()
    _relabel(doc, plain, NO_CORRECTION, garbled)
    _unread(doc, plain, f"{NO_CORRECTION}.research")
    r = build_result(doc, data=data, name="s.html", kind="html")
    _assert_placed_but_research(r, report, NO_CORRECTION)
    assert not any(f.startswith("t3.result.other.subtotal") for f in r["values"])
