"""Synthetic round trip: random consistent reports in random layouts, rendered as text (tab-separated,
pipes, one cell per line), HTML, DOCX and PDF in both national formats, parse back to exactly the
generated `values` and `raw` of every field id, with the right `format`, `year` and `agency`, and
no arithmetic rule failing.

Profiles (HYPOTHESIS_PROFILE): `ci` (default; derandomized, a few minutes on two cores) and
`thorough` (ten times the examples, random seeds). A failure prints the report's seed, version and
layout; `tests.synthetic.generate(seed, version, target)` rebuilds it.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from parsers import formats
from parsers.parse import parse_bytes
from tests.synthetic import docx as docx_render
from tests.synthetic import generate
from tests.synthetic import html as html_render
from tests.synthetic import pdf as pdf_render
from tests.synthetic import text as text_render
from tests.synthetic import wild as wild_render

_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("thorough", derandomize=False, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "thorough"):
    PROFILE = "ci"
SCALE = 10 if PROFILE == "thorough" else 1
# examples per (target, version) in the ci profile
EXAMPLES = {"text": 120, "html": 250, "docx": 80, "pdf": 50, "wild": 40}


def examples(target: str, **kw) -> settings:
    return settings(settings.get_profile(PROFILE), max_examples=EXAMPLES[target] * SCALE, **kw)


SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
VERSIONS = ["2021", "2019"]


def assert_roundtrip(report, result) -> None:
    note(report.describe())
    assert (result["format"], result["year"], result["agency"]) == (report.version, report.year, report.agency)
    assert result["document_kind"] == "annual_report"
    assert result["t2_version"] == report.version and result["t3_version"] == report.version
    assert list(result["values"]) == formats.get(report.version).field_ids
    wrong = {f: (v, result["values"][f]) for f, v in report.values.items()
             if result["values"][f] != v or type(result["values"][f]) is not type(v)}
    assert not wrong, f"values (expected, parsed): {wrong}"
    wrong_raw = {f: (r, result["raw"].get(f)) for f, r in report.raw.items() if result["raw"].get(f) != r}
    assert not wrong_raw, f"raw (expected, parsed): {wrong_raw}"
    assert result["absent"] == []
    if report.layout["t2_extra_row"]:  # a row the format does not have is kept aside, not mapped
        assert any("其他主动公开文件" in e["label"].replace(" ", "").replace("\u3000", "") for e in result["extras"])
    for f, r in report.raw.items():
        if r == "":
            assert "blank" in result["flags"][f]
    failed = [c for c in result["checks"] if c["ok"] is False]
    assert not failed, failed
    # every rule whose cells are all printed numbers is decided and holds
    decided = [c for c in result["checks"] if all(result["values"].get(f) is not None for f in c["fields"])]
    assert all(c["ok"] is True for c in decided)
    assert not [c for c in result["text_checks"] if c["ok"] is False]


def test_generator_is_consistent_and_varied():
    """The generator itself: numbers satisfy every rule of formats.yml; layouts vary."""
    from parsers import checks

    layouts = set()
    for seed in range(60):
        for version in VERSIONS:
            rep = generate(seed, version, "html")
            numbers = {f: (float(v) if isinstance(v, Decimal) else v) for f, v in rep.numbers.items()}
            results = checks.evaluate(version, numbers)
            assert results and all(c["ok"] is True for c in results)
            assert set(rep.values) == set(rep.raw) == set(formats.get(version).field_ids)
            layouts.add(tuple(sorted((k, str(v)) for k, v in rep.layout.items())))
            fee = rep.raw.get("t2.fees.amount", "")
            if version == "2021" and "." in fee:
                assert len(fee.split(".")[1]) <= 6
    assert len(layouts) == 120


@pytest.mark.parametrize("style", ["tsv", "pipe", "lines"])
@pytest.mark.parametrize("version", VERSIONS)
@examples("text")
@given(seed=SEEDS)
def test_text_roundtrip(style, version, seed):
    report = generate(seed, version, f"text-{style}")
    data = text_render.render(report, style)
    assert_roundtrip(report, parse_bytes(data, name=f"synthetic-{seed}.txt"))


@pytest.mark.parametrize("version", VERSIONS)
@examples("html")
@given(seed=SEEDS)
def test_html_roundtrip(version, seed):
    report = generate(seed, version, "html")
    data, encoding = html_render.render(report)
    note(f"encoding: {encoding}")
    assert_roundtrip(report, parse_bytes(data, name=f"synthetic-{seed}.html"))


@pytest.mark.parametrize("version", VERSIONS)
@examples("docx")
@given(seed=SEEDS)
def test_docx_roundtrip(version, seed):
    report = generate(seed, version, "docx")
    assert_roundtrip(report, parse_bytes(docx_render.render(report), name=f"synthetic-{seed}.docx"))


@pytest.mark.parametrize("version", VERSIONS)
@examples("pdf")
@given(seed=SEEDS)
def test_pdf_roundtrip(version, seed):
    report = generate(seed, version, "pdf")
    result = parse_bytes(pdf_render.render(report), name=f"synthetic-{seed}.pdf")
    assert result["pages"] >= 2
    assert_roundtrip(report, result)


def test_pdf_tables_are_split_across_pages():
    """The PDF layouts really split tables over pages, with and without repeated header rows."""
    from parsers.readers import pdf as pdf_reader

    split = repeated = 0
    for seed in range(12):
        report = generate(seed, "2021", "pdf")
        doc = pdf_reader.read(pdf_render.render(report), name="x.pdf")
        pages_of_t3 = {g.page for g in doc.grids for r in g.rows if any("不予公开" in c.text for c in r)} | {
            g.page for g in doc.grids for r in g.rows if any("结转下年度" in c.text for c in r)}
        split += len(pages_of_t3) > 1
        heads = sum(1 for g in doc.grids for r in g.rows if any(c.text == "申请人情况" for c in r))
        repeated += heads > 1
    assert split >= 3 and repeated >= 1


@pytest.mark.parametrize("style", wild_render.STYLES)
@pytest.mark.parametrize("version", VERSIONS)
@examples("wild")
@given(seed=SEEDS)
def test_wild_rendering_roundtrip(style, version, seed):
    """The renderings real pages take (wild corpus), cut off at random lines, without titles,
    in traditional copies with pinyin, under page furniture printed with bars, rows continued
    over lines, head cells broken or on rows of their own, table 二 with the other format's
    columns (all blocks, or block （一） alone), wording variants and signed changes: every row
    printed completely and unambiguously is read exactly; nothing else is ever read as a
    different number."""
    t2_mix = (None, None, "other-columns", "first-block-other")[seed % 4]
    report = generate(seed, version, "text-wild", t2_mix=t2_mix)
    out = wild_render.render(report, style)
    result = parse_bytes(out.data, name=f"wild-{style}-{seed}.txt")
    note(f"t2_mix={t2_mix}")
    note(out.data.decode("utf-8")[-3000:])
    assert result["document_kind"] == "annual_report", result["warnings"]
    if out.certain and out.format_certain:
        assert result["format"] == out.format
    if out.title_kept:
        assert result["year"] == report.year
    missed = {f: (report.values[f], report.raw[f], result["values"].get(f), result["raw"].get(f))
              for f in out.certain
              if result["values"].get(f) != report.values[f] or result["raw"].get(f) != report.raw[f]}
    assert not missed, f"complete rows not read exactly (expected value, raw, got value, raw): {missed}"
    wrong = {f: (report.values.get(f), v) for f, v in result["values"].items()
             if v is not None and (f not in out.printed or v != report.values.get(f))}
    assert not wrong, f"values that are not the printed ones (expected, got): {wrong}"
    if style == "flattened":
        assert not any(v is not None for v in result["values"].values())
        assert any("run together" in w for w in result["warnings"])
