"""Real report pages as text converters render them (../shared/corpus/wild), each against a truth
file written by reading the page (tests/wild_truth/, see its README): recognised as an annual
report, format, year and (where printed) agency right, and every completely printed row
extracted exactly, value and printed text, and no number given where the truth labels none in a
table it covers. The same tables given as HTML <table> markup must read the same: the HTML reader
and the mapper see the real labels, truncations and variants too.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from parsers.chinese import to_simplified
from parsers.parse import parse_bytes, parse_path
from parsers.readers.text import parse_text

from .conftest import CORPUS

WILD_TRUTH = Path(__file__).parent / "wild_truth"
TRUTHS = sorted(WILD_TRUTH.glob("*.json"))


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _document(truth: dict) -> Path:
    return CORPUS / truth["document"].removeprefix("corpus/")


def _wrong(result: dict, truth: dict) -> dict:
    wrong = {}
    for fid, value in truth["values"].items():
        got = result["values"].get(fid, "MISSING")
        if got != value or result["raw"].get(fid) != truth["raw"][fid]:
            wrong[fid] = {"got": (got, result["raw"].get(fid)), "truth": (value, truth["raw"][fid])}
    return wrong


def _unlabelled_numbers(result: dict, truth: dict) -> dict:
    """Numbers the parser gives where the truth labels none, in a table the truth covers (a
    table it labels fields of, or whose header it says is printed): a row the truth leaves out
    (cut off, cells dropped, run together) must come out null, never as a number."""
    covered = {fid.split(".")[0] for fid in truth["values"]} | set(truth.get("tables_present") or ())
    return {fid: v for fid, v in result["values"].items()
            if v is not None and fid not in truth["values"] and fid.split(".")[0] in covered}


def test_every_wild_document_has_a_truth_file():
    docs = sorted(p.stem for p in (CORPUS / "wild").glob("*.txt"))
    assert docs, "the wild corpus is missing (OGI_SHARED)"
    assert docs == sorted(p.stem for p in TRUTHS)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.stem for p in TRUTHS])
def test_wild_document_parses_to_truth(truth_path):
    truth = _truth(truth_path)
    result = parse_path(_document(truth))
    assert result["document_kind"] == "annual_report", result["warnings"]
    assert result["format"] == truth["format"]
    assert result["year"] == truth["year"]
    # agencies are given in simplified characters, whatever script the page printed
    assert result["agency"] == (to_simplified(truth["agency"]) if truth["agency"] else None)
    wrong = _wrong(result, truth)
    assert not wrong, f"{len(wrong)} of {len(truth['values'])} labelled fields differ: {wrong}"
    extra = _unlabelled_numbers(result, truth)
    assert not extra, f"numbers where the truth labels none: {extra}"
    for fid in truth["values"]:
        prov = result["provenance"][fid]
        assert prov["label"] and prov["table"] is not None


def _as_html(text: str) -> bytes:
    """The grids the text reader found, as an HTML page of <table>s (one per grid)."""
    doc = parse_text(text)
    parts = ["<html><head><meta charset='utf-8'></head><body>"]
    for g in doc.grids:
        parts.append("<table border='1'>")
        for row in g.rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c.text)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.stem for p in TRUTHS])
def test_wild_tables_as_html_read_the_same(truth_path):
    truth = _truth(truth_path)
    text = _document(truth).read_text(encoding="utf-8")
    result = parse_bytes(_as_html(text), name=truth_path.stem + ".html")
    wrong = _wrong(result, truth)
    assert not wrong, f"{len(wrong)} of {len(truth['values'])} labelled fields differ: {wrong}"
    extra = _unlabelled_numbers(result, truth)
    assert not extra, f"numbers where the truth labels none: {extra}"


def test_a_number_where_the_truth_labels_none_is_caught():
    """The check above fails on a number in a covered table that the truth leaves out, and
    leaves alone a table the truth does not cover and a null."""
    truth = {"values": {"t2.regulations.issued": 0}, "tables_present": ["t2", "t3"]}
    result = {"values": {"t2.regulations.issued": 0, "t2.regulations.repealed": 5,
                         "t3.new.total": 7, "t3.new.commercial": None, "t4.review.total": 1}}
    assert _unlabelled_numbers(result, truth) == {"t2.regulations.repealed": 5, "t3.new.total": 7}
