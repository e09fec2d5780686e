"""Golden tests: every corpus document with a truth file parses to exactly the truth."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from parsers.parse import parse_path

from .conftest import CORPUS, ROOT, document_for, load_truth, truth_files

TRUTHS = truth_files()


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.stem for p in TRUTHS])
def test_document_parses_to_truth(truth_path):
    truth = load_truth(truth_path)
    result = parse_path(document_for(truth))
    assert result["format"] == truth["format"]
    assert result["year"] == truth["year"]
    assert result["agency"] == truth["agency"]
    assert result["document_kind"] == "annual_report"
    wrong = {k: (result["values"].get(k, "MISSING"), v) for k, v in truth["values"].items()
             if result["values"].get(k, "MISSING") != v}
    assert not wrong, f"{len(wrong)} fields differ (got, truth): {wrong}"
    assert set(result["values"]) == set(truth["values"])
    for fid, printed in (truth.get("raw") or {}).items():
        assert result["raw"].get(fid) == printed, fid
    assert sorted(result["absent"]) == sorted(truth.get("absent", [])) or not truth.get("absent")
    for fid in truth.get("absent", []):
        assert fid in result["absent"] and result["values"][fid] is None
    # every printed value is traceable to its cell
    for fid in result["raw"]:
        prov = result["provenance"][fid]
        assert {"table", "page", "row", "col", "label"} <= set(prov)


def _failed_rules(result):
    return sorted(c["id"] for c in result["checks"] if c["ok"] is False)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.stem for p in TRUTHS])
def test_checks_fail_only_where_the_document_is_inconsistent(truth_path):
    truth = load_truth(truth_path)
    result = parse_path(document_for(truth))
    expected = sorted("rule." + r.strip().rstrip(",.")
                      for r in truth.get("notes", "").split("AS PRINTED (values recorded as printed):")[-1].split(",")
                      if "AS PRINTED" in truth.get("notes", "") and r.strip())
    assert _failed_rules(result) == expected


@pytest.mark.slow
def test_ogi_parse_cli_on_the_seed_prints_the_truth():
    truth = load_truth(next(p for p in TRUTHS if p.stem == "boai-2024"))
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(document_for(truth))],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    for key in ("document", "agency", "year", "format", "values", "raw", "checks", "provenance"):
        assert key in result
    assert result["values"] == truth["values"]
    assert len(result["values"]) == 200
    assert all(c["ok"] is True for c in result["checks"]), [c for c in result["checks"] if not c["ok"]]
    # the raw text is kept beside the value: a printed 0 stays "0"
    assert result["raw"]["t3.carried_over.total"] == "0"
    assert result["raw"]["t2.fees.amount"] == "1129.7494"
    assert result["provenance"]["t3.new.total"]["label"].startswith("一、本年新收")


@pytest.mark.slow
def test_ogi_parse_exit_2_with_reason_for_unreadable(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(empty)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert str(empty) in proc.stderr and "empty" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def _manifest() -> dict[str, dict]:
    lines = (CORPUS / "real" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return {row.split("\t")[0]: dict(zip(head, row.split("\t"))) for row in lines[1:] if row.strip()}


_WITH_TRUTH = {load_truth(p)["document"].rsplit("/", 1)[-1] for p in TRUTHS}
UNTRUTHED = sorted(p for p in (CORPUS / "real").iterdir()
                   if p.name != "MANIFEST.tsv" and p.name not in _WITH_TRUTH)


@pytest.mark.parametrize("path", UNTRUTHED, ids=[p.name for p in UNTRUTHED])
def test_documents_without_truth_parse_and_say_what_they_found(path):
    """No truth file: the document still parses, and its agency, year and format agree with the
    corpus manifest; whatever values were read pass their checks or are flagged."""
    facts = _manifest()[path.name]
    result = parse_path(path)
    if facts["agency"].startswith("(none"):
        assert result["document_kind"] == "template" and result["format"] == "2021"
        assert all(v is None for v in result["values"].values())
        return
    assert result["document_kind"] == "annual_report"
    assert result["year"] == int(facts["year"])
    # the agency as the title prints it: the manifest's name or an abbreviation of it (上海市科委)
    rest = iter(facts["agency"])
    assert result["agency"] and all(ch in rest for ch in result["agency"]), (result["agency"], facts["agency"])
    assert result["format"] == ("2019" if int(facts["year"]) < 2021 else "2021")
    found = [k for k, v in result["values"].items() if v is not None]
    if not found:  # flattened text: said so, nothing guessed
        assert any("cannot be separated" in w for w in result["warnings"])
    else:
        assert len(found) >= 150
        assert not [c for c in result["checks"] if c["ok"] is False], "values read from a consistent extract fail checks"
