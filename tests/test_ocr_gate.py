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
    # its row's total, its column's total and the column's 结转下年度 not read: every rule over
    # it is undecidable (the column's two rules joined need 四 where 总计 is not read)
    for other in ("t3.result.disclosed.total", "t3.result.total.natural_person",
                  "t3.carried_forward.natural_person"):
        _mark(doc, prov[other], text="", unread=True, confidence=20.0)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] is None and r["raw"][FIELD] == ""
    assert "low_confidence" in r["flags"][FIELD]
    printed = plain["raw"][FIELD]
    assert any(w.startswith(FIELD) and repr(printed) in w and "nothing guessed" in w
               for w in r["warnings"]), r["warnings"]
    assert all(c["ok"] is None for c in r["checks"] if FIELD in c["fields"])


def test_two_doubtful_numbers_do_not_confirm_each_other():
    """Two 9s of one row (自然人 and its total) both read 4, both shaped like the page's 9s: the
    row total holds with both wrong, and no other rule over them could be decided (the column
    totals not read). A rule that holds only through another number doubted for the same
    misreading confirms neither, and the two may not be chosen as the pair that makes that rule
    hold: both null. Doubted for unlike reasons (seal ink beside one, a speck by the other),
    their errors would not repeat each other: the rule confirms both."""
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    # a result row whose 自然人 is not 0: both it and its total read one less
    row = next(f.rsplit(".", 1)[0] for f, v in report.values.items()
               if f.startswith("t3.result.") and f.endswith(".natural_person") and v
               and not f.startswith("t3.result.total."))
    pair = (f"{row}.natural_person", f"{row}.total")
    misread = {f: str(int(report.values[f]) - 1) for f in pair}
    for f in pair:
        _mark(doc, prov[f], text=misread[f], confidence=89.0, candidates=(misread[f],) * 3,
              doubtful="read 4: its shape is far nearer the page's own 9 (0.70) than its 4 (0.40)")
    for other in ("t3.result.total.natural_person", "t3.result.total.total",
                  "t3.carried_forward.natural_person", "t3.carried_forward.total"):
        _mark(doc, prov[other], text="", unread=True, confidence=20.0)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert any(c["id"] == f"rule.t3.row_total.{row[3:]}" and c["ok"] is None for c in r["checks"])
    for f in pair:
        assert r["values"][f] is None and "low_confidence" in r["flags"][f], (f, r["flags"][f])
        assert any(w.startswith(f"{f}: OCR read {misread[f]!r}") and "same misreading" in w
                   for w in r["warnings"]), r["warnings"]
    # the same pair read right, doubted for unlike reasons: confirmed by the row total
    doc, data, plain, report = _ocr_document()
    for f, why in zip(pair, ("seal ink was taken out beside its strokes (40 px)",
                             "taking a speck before or after it off decided it")):
        _mark(doc, prov[f], confidence=89.0, doubtful=why)
    for other in ("t3.result.total.natural_person", "t3.result.total.total",
                  "t3.carried_forward.natural_person", "t3.carried_forward.total"):
        _mark(doc, prov[other], text="", unread=True, confidence=20.0)
    r = build_result(doc, data=data, name="s.html", kind="html")
    for f in pair:
        assert r["values"][f] == report.values[f] and "rule_confirmed" in r["flags"][f]
    # only 自然人 doubtful, its total read with confidence: the row total confirms it
    doc, data, plain, report = _ocr_document()
    _mark(doc, prov[pair[0]], confidence=89.0, doubtful="read 4: its shape is far nearer the page's own 9")
    for other in ("t3.result.total.natural_person", "t3.carried_forward.natural_person"):
        _mark(doc, prov[other], text="", unread=True, confidence=20.0)
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][pair[0]] == report.values[pair[0]]
    assert "rule_confirmed" in r["flags"][pair[0]]


def test_a_doubtful_number_only_failing_rules_decide_stays_flagged():
    doc, data, plain, report = _ocr_document()
    prov = plain["provenance"]
    wrong = str(int(report.values[FIELD]) + 7)
    _mark(doc, prov[FIELD], text=wrong, confidence=64.0, doubtful="barely confident (64 < 70)")
    r = build_result(doc, data=data, name="s.html", kind="html")
    assert r["values"][FIELD] == int(wrong)  # never changed, and the failure says so
    assert any(c["ok"] is False and FIELD in c["fields"] for c in r["checks"])
    assert "rule_confirmed" not in r["flags"][FIELD]


def test_a_misread_number_whose_total_was_not_read_fails_the_rules_joined():
    """(七)总计 of a column not read on a scan leaves both of its column's rules undecided, and a
    0 misread 9 among its result rows stood unchecked. The two rules joined (一 + 二 = Σ result
    rows + 四) decide the column where its total is null, and only there: the 9 fails it."""
    from parsers import checks

    doc, data, plain, report = _ocr_document()
    col = "nonprofit"
    total = f"t3.result.total.{col}"
    rows = [k for k in report.values if k.startswith("t3.result.") and k.endswith(f".{col}")
            and k != total and report.values[k] == 0]
    misread = rows[0]
    _mark(doc, plain["provenance"][total], text="", unread=True, confidence=20.0)
    _mark(doc, plain["provenance"][misread], text="9")
    r = build_result(doc, data=data, name="s.pdf", kind="pdf")
    assert r["values"][total] is None and r["values"][misread] == 9
    joined = {c["id"]: c for c in r["checks"]}[f"rule.t3.balance_by_results.{col}"]
    assert joined["ok"] is False and misread in joined["fields"]
    # with its total read the column has its own two rules, and the joined one is not evaluated
    assert not any(c["id"].startswith("rule.t3.balance_by_results.") for c in plain["checks"])
    assert all(c["ok"] for c in plain["checks"] if c["id"].startswith("rule.t3."))
    values = dict(plain["values"])
    values[total] = None
    assert {c["id"]: c["ok"] for c in checks.evaluate("2021", values)}[f"rule.t3.balance_by_results.{col}"]
