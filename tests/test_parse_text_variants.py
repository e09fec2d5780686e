"""Text and markdown variants of real reports: tab-separated, pipes, one cell per line, noisy
PDF-to-markdown extractions, flattened page text. Right or null, never wrong."""
from __future__ import annotations

import json

import pytest

from parsers.parse import parse_bytes, parse_path

from .conftest import CORPUS, TRUTH

SEED = (CORPUS / "seed" / "boai-2024.txt").read_text(encoding="utf-8")
SEED_TRUTH = json.loads((TRUTH / "boai-2024.json").read_text(encoding="utf-8"))


def _cells(line):
    return [c.strip() for c in line.split("\t")]


def as_pipes(text):
    return "\n".join("| " + " | ".join(_cells(l)) + " |" if "\t" in l else l for l in text.splitlines())


def as_cell_per_line(text):
    out = []
    for line in text.splitlines():
        out.extend(c for c in _cells(line) if c) if "\t" in line else out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("variant", [as_pipes, as_cell_per_line], ids=["pipes", "cell-per-line"])
def test_seed_variants_parse_to_truth(variant):
    r = parse_bytes(variant(SEED).encode("utf-8"), name=f"seed-{variant.__name__}.txt")
    assert r["values"] == SEED_TRUTH["values"]
    assert all(c["ok"] for c in r["checks"])


def test_seed_in_gb18030_with_full_width_digits():
    trans = str.maketrans("0123456789", "０１２３４５６７８９")
    text = "\n".join(l.translate(trans) if "\t" in l else l for l in SEED.splitlines())
    r = parse_bytes(text.encode("gb18030"), name="seed-gbk.txt")
    assert r["values"] == SEED_TRUTH["values"]
    assert r["raw"]["t3.new.total"] == "３５"
    assert "normalised" in r["flags"]["t3.new.total"]


def test_pdf_extract_markdown_office_2025():
    """MANIFEST: table 3 new 1259/36/0/0/0/0=1295, carried 189, total 1191, carried forward 293;
    table 4: 40 0 10 5 55 | 2 0 4 6 12 | 6 0 9 7 22; page footers inside tables."""
    r = parse_path(CORPUS / "real" / "shanghai-szfbgt-2025-pdfextract.md")
    v = r["values"]
    assert (r["format"], r["year"], r["agency"]) == ("2021", 2025, "上海市人民政府办公厅")
    assert [v[f"t3.new.{c}"] for c in ("natural_person", "commercial", "research", "nonprofit",
                                       "legal_service", "other_org", "total")] == [1259, 36, 0, 0, 0, 0, 1295]
    assert (v["t3.carried_over.total"], v["t3.result.total.total"], v["t3.carried_forward.total"]) == (189, 1191, 293)
    assert [v[k] for k in v if k.startswith("t4.")] == [40, 0, 10, 5, 55, 2, 0, 4, 6, 12, 6, 0, 9, 7, 22]
    assert not [c for c in r["checks"] if c["ok"] is False]
    # the rows whose labels the extraction lost are placed by structure and say so
    assert "positional" in r["flags"]["t3.result.partial.total"]
    # table 二 rows printed with two of three cells are left null, not guessed
    assert v["t2.regulations.issued"] is None and v["t2.regulations.in_force"] is None


def test_unlabelled_row_is_dropped_when_the_rules_do_not_confirm_it():
    lines = SEED.splitlines()
    i = next(n for n, l in enumerate(lines) if "予以公开" in l and "\t" in l)
    cells = _cells(lines[i])
    lines[i] = "\t".join(["", ""] + ["13"] + cells[3:])  # label lost, and 12 misprinted as 13
    r = parse_bytes("\n".join(lines).encode(), name="seed-broken.txt")
    assert r["values"]["t3.result.disclosed.natural_person"] is None
    assert any("not mapped" in w for w in r["warnings"])
    # with the right number the placement is confirmed by the rules and kept
    lines[i] = "\t".join(["", ""] + cells[2:])
    r = parse_bytes("\n".join(lines).encode(), name="seed-unlabelled.txt")
    assert r["values"] == SEED_TRUTH["values"]
    assert "positional" in r["flags"]["t3.result.disclosed.total"]


@pytest.mark.parametrize("year,fmt", [(2019, "2019"), (2021, "2021"), (2023, "2021"), (2024, "2021")])
def test_flattened_page_text_says_what_it_found_and_guesses_nothing(year, fmt):
    r = parse_path(CORPUS / "real" / f"pingtan-{year}-flattened.txt")
    assert r["document_kind"] == "annual_report"
    assert (r["year"], r["format"], r["agency"]) == (year, fmt, "平潭综合实验区")
    assert all(v is None for v in r["values"].values())
    assert any("cannot be separated" in w for w in r["warnings"])


def test_stcsm_extract_has_no_failed_rule_and_places_table_four():
    r = parse_path(CORPUS / "real" / "shanghai-stcsm-2024-pdfextract.md")
    assert (r["format"], r["year"]) == ("2021", 2024)
    assert not [c for c in r["checks"] if c["ok"] is False]
    assert r["values"]["t3.new.total"] == 34 and r["values"]["t3.result.total.total"] == 35
    assert r["values"]["t4.review.upheld"] == 1 and r["values"]["t4.review.total"] == 1
