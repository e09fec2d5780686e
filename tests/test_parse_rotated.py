"""Real report texts once held out to measure the parser on reports it had never seen
(../shared/corpus/rotated, 28 documents: table regions and page openings as converters render
them), each against its agreed truth file (two independent readers): every labelled field right,
value and printed text where the truth gives it, no number where the truth labels none in a
table it covers, and the format the truth names. The truth names year and agency from the
source page even where the text does not print them, so those are not compared.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.parse import parse_path

from .conftest import SHARED
from .test_parse_wild import _unlabelled_numbers

ROTATED = SHARED / "corpus" / "rotated"
TRUTHS = sorted((ROTATED / "truth").glob("*.json"))


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_rotated_document_has_a_truth_file():
    docs = sorted(p.stem for p in (ROTATED / "docs").glob("*.txt"))
    assert docs, "the rotated corpus is missing (OGI_SHARED)"
    assert docs == sorted(p.stem for p in TRUTHS)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.stem for p in TRUTHS])
def test_rotated_document_parses_to_truth(truth_path):
    truth = _truth(truth_path)
    result = parse_path(SHARED / truth["document"])
    assert result["document_kind"] == "annual_report", result["warnings"]
    assert result["format"] == truth["format"]
    raw = truth.get("raw") or {}
    wrong = {}
    for fid, value in truth["values"].items():
        got = result["values"].get(fid, "MISSING")
        if got != value or (fid in raw and result["raw"].get(fid) != raw[fid]):
            wrong[fid] = {"got": (got, result["raw"].get(fid)), "truth": (value, raw.get(fid))}
    assert not wrong, f"{len(wrong)} of {len(truth['values'])} labelled fields differ: {wrong}"
    extra = _unlabelled_numbers(result, truth)
    assert not extra, f"numbers where the truth labels none: {extra}"
