"""OCR numbers whose agreeing readings were barely confident ("doubtful") are kept only where the
arithmetic decides them: a rule over the number holds → kept (rule_confirmed); every rule over it
undecidable → null with low_confidence and a warning naming the reading; only failing rules →
kept and flagged by the failure, like any number. Tested on a synthetic 2021 report read from
HTML whose cells are then marked as OCR read them (no Tesseract needed)."""
from __future__ import annotations

import dataclasses

from parsers.parse import Limits, build_result, read_document
from tests.synthetic import generate
from tests.synthetic import html as html_render

FIELD = "t3.result.disclosed.natural_person"  # （一）予以公开, 自然人: in its row total and column total


def _ocr_document(seed: int = 3):
    report = generate(seed, "2021", "html")
    data, _ = html_render.render(report, seed)
    doc = read_document(data, name="s.html", kind="html", limits=Limits())
    plain = build_result(doc, data=data, name="s.html", kind="html")
    assert plain["values"][FIELD] == report.values[FIELD]
    for grid in doc.grids:  # every cell as OCR reads it: a confidence, scanned
        grid.rows = [[dataclasses.replace(c, confidence=95.0) for c in row] for row in grid.rows]
    doc.scanned = True
    return doc, data, plain, report


def _cell(doc, prov):
    return doc.grids[prov["table"]].rows[prov["row"]], prov["col"]


def _mark(doc, prov, **kw):
    row, col = _cell(doc, prov)
    row[col] = dataclasses.replace(row[col], **kw)


def test_a_doubtful_number_a_rule_confirms_is_kept():
    doc, data, plain, report = _ocr_document()
    _mark(doc, plain["provenance"][FIELD], confidence=64.0, doubtful="barely confident (64 < 70)")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == report.values[FIELD]
    assert "rule_confirmed" in r["flags"][FIELD] and "doubtful" not in r["flags"][FIELD]
    assert any(c["ok"] is True and FIELD in c["fields"] for c in r["checks"])


def test_a_doubtful_number_no_rule_can_decide_is_left_null():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    _mark(doc, prov[FIELD], confidence=64.0, doubtful="barely confident (64 < 70)")
    # its row's total and its column's total not read: every rule over it is undecidable
    for other in ("t3.result.disclosed.total", "t3.result.total.natural_person"):
        _mark(doc, prov[other], text="", unread=True, confidence=20.0)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] is None and r["raw"][FIELD] == ""
    assert "low_confidence" in r["flags"][FIELD]
    printed = plain["raw"][FIELD]
    assert any(w.startswith(FIELD) and repr(printed) in w and "nothing guessed" in w
               for w in r["warnings"]), r["warnings"]
    assert all(c["ok"] is None for c in r["checks"] if FIELD in c["fields"])


def test_a_doubtful_number_only_failing_rules_decide_stays_flagged():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    wrong = str(int(report.values[FIELD]) + 7)
    _mark(doc, prov[FIELD], text=wrong, confidence=64.0, doubtful="barely confident (64 < 70)")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == int(wrong)  # never changed, and the failure says so
    assert any(c["ok"] is False and FIELD in c["fields"] for c in r["checks"])
    assert "rule_confirmed" not in r["flags"][FIELD]
