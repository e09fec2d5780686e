"""OCR cells left null because their readings disagreed carry those readings ("candidates"); the
parse keeps one only where every decided arithmetic rule over the cell requires exactly it (flag
rule_chosen). Never a number no reading made out, never a number decided by cells a failing rule
puts in doubt, never a changed reading. Tested on a synthetic 2021 report read from HTML whose
cells are then marked as OCR read them (no Tesseract needed)."""
from __future__ import annotations

import pytest

from parsers.parse import build_result
from tests.test_ocr_gate import _mark, _ocr_document

FIELD = "t3.result.disclosed.natural_person"  # in its row total and its column total


def _unread(doc, prov, readings):
    _mark(doc, prov, text="", unread=True, confidence=40.0, candidates=tuple(readings))


def _misread(doc, plain, report, field, by):
    """`field` read `by` more than printed, with confidence: its own rules fail."""
    _mark(doc, plain["provenance"][field], text=str(int(report.values[field]) + by))
    return int(report.values[field]) + by


def test_a_reading_every_decided_rule_requires_is_kept():
    doc, data, plain, report = _ocr_document()
    truth = int(report.values[FIELD])
    _unread(doc, plain["provenance"][FIELD], [str(truth + 9), str(truth), str(truth + 6)])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == truth and r["raw"][FIELD] == str(truth)
    assert r["flags"][FIELD] == ["ocr", "rule_chosen"]
    assert any(FIELD in w and "rule_chosen" in w for w in r["warnings"]), r["warnings"]
    over = [c for c in r["checks"] if FIELD in c["fields"]]
    assert over and all(c["ok"] is True for c in over)


def test_no_reading_the_rules_require_stays_null():
    doc, data, plain, report = _ocr_document()
    truth = int(report.values[FIELD])
    _unread(doc, plain["provenance"][FIELD], [str(truth + 9), str(truth + 6)])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] is None and "low_confidence" in r["flags"][FIELD]
    assert "rule_chosen" not in r["flags"][FIELD]


def test_rules_that_disagree_choose_nothing():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    truth = int(report.values[FIELD])
    # the row total printed 5 higher (a misprint, or read so): the row rule requires truth + 5,
    # the column rule truth; both are readings of the cell, neither is chosen
    _misread(doc, plain, report, "t3.result.disclosed.total", 5)
    _unread(doc, prov[FIELD], [str(truth), str(truth + 5)])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] is None


def test_a_rule_over_numbers_a_failing_rule_doubts_chooses_nothing():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    cell, other = "t3.result.disclosed.research", "t3.result.partial.research"
    truth = int(report.values[cell])
    assert truth >= 3
    # the cell's row total unread: only its column's rule can decide it, and that rule runs
    # through a neighbour read 3 too many, whose own row total then fails. The column rule
    # requires truth - 3, which is also a reading of the cell: not chosen, the rule's numbers
    # being in doubt
    _unread(doc, prov["t3.result.disclosed.total"], [])
    read = _misread(doc, plain, report, other, 3)
    _unread(doc, prov[cell], [str(truth - 3)] * 2)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert any(c["ok"] is False and other in c["fields"] for c in r["checks"])
    assert r["values"][cell] is None
    assert r["values"][other] == read  # a read number never changes


def test_a_chosen_cell_can_decide_the_next():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    a, c = FIELD, "t3.result.partial.natural_person"
    # two cells of one column unread, and a's row total too: at first only c's row rule is
    # decided; once c is chosen, the column rule decides a
    _unread(doc, prov["t3.result.disclosed.total"], [])
    _unread(doc, prov[a], ["9", str(int(report.values[a]))] * 2)
    _unread(doc, prov[c], [str(int(report.values[c])), "8"] * 2)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][c] == int(report.values[c]) and r["values"][a] == int(report.values[a])
    assert r["flags"][a] == r["flags"][c] == ["ocr", "rule_chosen"]
    assert r["values"]["t3.result.disclosed.total"] is None


def test_two_rules_through_doubted_numbers_that_agree_choose():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    truth = int(report.values[FIELD])
    # a neighbour in another row and another column read 5 too many: its row rule and its column
    # rule fail, putting a cell of FIELD's row and one of FIELD's column in doubt. FIELD's own
    # row rule and column rule each run through one of them and still agree: the misreading
    # would have to shift both the same way
    wrong = "t3.result.partial.commercial"
    _misread(doc, plain, report, wrong, 5)
    _unread(doc, prov[FIELD], ["9", str(truth)])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == truth and r["flags"][FIELD] == ["ocr", "rule_chosen"]
    assert sum(1 for c in r["checks"] if FIELD in c["fields"] and c["ok"] is True) >= 2
    assert any(c["ok"] is False and wrong in c["fields"] for c in r["checks"])


def test_a_doubtful_reading_left_out_is_kept_once_a_chosen_cell_decides_its_rule():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    c = "t3.result.partial.natural_person"
    # FIELD barely confident; its row total unread and a cell of its column unread: every rule
    # over FIELD undecided, so the gate leaves it out. c's own row decides c; then FIELD's
    # column rule is decided and holds with FIELD's reading: kept, rule_confirmed
    _mark(doc, prov[FIELD], confidence=64.0, doubtful="barely confident (64 < 70)")
    _unread(doc, prov["t3.result.disclosed.total"], [])
    _unread(doc, prov[c], [str(int(report.values[c])), "9", str(int(report.values[c]))])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][c] == int(report.values[c]) and r["flags"][c] == ["ocr", "rule_chosen"]
    assert r["values"][FIELD] == int(report.values[FIELD])
    assert r["flags"][FIELD] == ["ocr", "rule_confirmed"]
    # one warning names its reading and why it is kept; none says it is left null
    assert not any(w.startswith(FIELD) and "nothing guessed" in w for w in r["warnings"])
    assert any(f"{FIELD} = " in w and "doubtful" in w for w in r["warnings"])


def test_a_value_read_once_needs_two_rules():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    truth = int(report.values[FIELD])
    # read once among other readings (a 无 or a speck read 0 once): one rule is not enough ...
    _unread(doc, prov["t3.result.disclosed.total"], [])
    _unread(doc, prov[FIELD], [str(truth), "9", "9"])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] is None
    # ... two rules that agree are (the row total read)
    doc, data, plain, report = _ocr_document()
    _unread(doc, plain["provenance"][FIELD], [str(truth), "9", "9"])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == truth and r["flags"][FIELD] == ["ocr", "rule_chosen"]


def test_a_total_of_zero_makes_every_unread_part_zero():
    """Counts are never negative: where the parts read already make up the total (a row whose
    total is 0), every part not read is 0 — kept only where the cell read 0 itself, twice."""
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    row = "t3.result.withheld.state_secret"
    assert report.values[f"{row}.total"] == 0
    a, b, c = f"{row}.natural_person", f"{row}.commercial", f"{row}.nonprofit"
    for f in (a, b, c):
        # their column totals unread too, and the columns' 本年新收 (the column's rules joined,
        # 一 + 二 = Σ result rows + 四, need it where the total is not read): only the row rule
        # can decide them
        _unread(doc, prov[f"t3.result.total.{f.rsplit('.', 1)[1]}"], [])
        _unread(doc, prov[f"t3.new.{f.rsplit('.', 1)[1]}"], [])
    _unread(doc, prov[a], ["0", "6", "0"])
    _unread(doc, prov[b], ["9", "0", "0", "8"])
    _unread(doc, prov[c], ["0", "4"])  # 0 read once: not enough for one rule
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][a] == 0 and r["values"][b] == 0
    assert r["flags"][a] == r["flags"][b] == ["ocr", "rule_chosen"]
    assert r["values"][c] is None


def _row_rule_only(a: str, b: str):
    """The synthetic report whose 予以公开 row prints research 9, natural_person 0, total 9, with
    the column totals of `a` and `b` unread, and their columns' 结转下年度 (the column's two rules
    joined need it where the total is not read): only their row's rule can decide them."""
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    row = "t3.result.disclosed"
    assert [report.values[f"{row}.{c}"] for c in ("research", "natural_person", "total")] == [9, 0, 9]
    for f in (a, b):
        column = f.rsplit('.', 1)[1]
        _unread(doc, prov[f"t3.result.total.{column}"], [])
        _unread(doc, prov[f"t3.carried_forward.{column}"], [])
    return doc, data, prov


@pytest.mark.parametrize("read_a,read_b,chosen", [
    (["9", "9", "8"], ["0", "6", "0"], True),        # only 9 + 0 makes the row's 9
    (["9", "9", "3", "3"], ["0", "0", "6", "6"], False),  # 9 + 0 and 3 + 6 both do: no choice
    (["9", "8", "8"], ["0", "6", "0"], False),       # the fitting 9 was read once
])
def test_two_unread_cells_of_one_rule_take_the_one_pair_of_readings_that_fits(read_a, read_b, chosen):
    a, b = "t3.result.disclosed.research", "t3.result.disclosed.natural_person"
    doc, data, prov = _row_rule_only(a, b)
    _unread(doc, prov[a], read_a)
    _unread(doc, prov[b], read_b)
    r = build_result(doc, data=data, name="s.html", kind="html")
    if chosen:
        assert (r["values"][a], r["values"][b]) == (9, 0)
        assert r["flags"][a] == r["flags"][b] == ["ocr", "rule_chosen"]
    else:
        assert r["values"][a] is None and r["values"][b] is None


def test_a_misread_number_two_failing_rules_share_is_the_only_one_they_doubt():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    truth = int(report.values[FIELD])
    # a cell of another row and column read 5 too many fails its row and its column: that cell
    # is the one they both doubt, not the rest of its row. FIELD's row total unread, its column
    # rule runs through that row's natural_person cell and decides it
    _misread(doc, plain, report, "t3.result.partial.commercial", 5)
    _unread(doc, prov["t3.result.disclosed.total"], [])
    _unread(doc, prov[FIELD], [str(truth), "9", str(truth)])
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == truth and r["flags"][FIELD] == ["ocr", "rule_chosen"]
    # the misread cell itself in the column rule (its row fails, its column is undecided): the
    # rule through it decides nothing, though the cell read what that rule would require
    doc, data, plain, report = _ocr_document()
    cell = "t3.result.disclosed.research"
    _misread(doc, plain, report, "t3.result.partial.research", 5)
    _unread(doc, plain["provenance"]["t3.result.disclosed.total"], [])
    _unread(doc, plain["provenance"][cell], [str(int(report.values[cell]) - 5)] * 2)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][cell] is None


@pytest.mark.parametrize("total_readings,chosen", [
    (["9", "9"], True),             # the doubtful 9 read only so: the one pair that fits
    (["9", "9", "3"], False),       # a reading of 3 against it: 9 + 9 and 3 + 3 both fit
])
def test_a_doubtful_cell_offers_every_reading_to_the_pair_it_is_in(total_readings, chosen):
    """A doubtful number left out offers all its cell's readings, not only the one agreed on:
    an 11 read 1 by two readings (and 11 by another) beside an unread 11 read 1 and 11 both
    fits its row as 1 + 1 as well as 11 + 11 — chosen only where one pair fits."""
    a, total = "t3.result.disclosed.research", "t3.result.disclosed.total"
    doc, data, prov = _row_rule_only(a, total)
    _unread(doc, prov[a], ["9", "9", "3", "3"])
    _mark(doc, prov[total], confidence=64.0, doubtful="barely confident (64 < 70)",
          candidates=tuple(total_readings))
    r = build_result(doc, data=data, name="s.html", kind="html")
    if chosen:
        assert (r["values"][a], r["values"][total]) == (9, 9)
        assert r["flags"][a] == ["ocr", "rule_chosen"] and r["flags"][total] == ["ocr", "rule_confirmed"]
    else:
        assert r["values"][a] is None and r["values"][total] is None
