"""Synthetic report texts drawn from the real reports of the corpus (testbed/synthetic_prose.py):
the lengths of the real complete reports, their sentences recombined with numbers, years and
places of the synthetic report, never the same sentence twice in a text."""
from __future__ import annotations

import random
import statistics
import zlib

import pytest

from testbed import synthetic_archive as synthetic
from testbed import synthetic_prose as prose


@pytest.fixture(scope="module")
def model():
    m = prose.model()
    assert m is not None, "the corpus is missing (OGI_SHARED)"
    return m


def test_the_sources_are_the_complete_real_reports(model):
    names = {s.name for s in model.sources}
    assert {"boai-2024.txt", "huaian-city-2024.pdf", "shanghai-szfbgt-2019-body.html"} <= names
    assert all(s.lengths["s1"] >= prose.MIN_S1 for s in model.sources)
    # every corpus document was measured; page openings and table regions are not sources
    groups = {g for g, _, _ in model.measured}
    assert groups == {"seed", "real", "rotated/docs", "wild"}
    assert len(model.measured) > 60 and len(model.sources) < 15
    assert prose.model(corpus="/nonexistent") is None  # no corpus: the caller's templates


@pytest.fixture(scope="module")
def reports(model):
    out = []
    for i, ag in enumerate(synthetic.agencies(400, seed=2)):
        out += [res for res, _ in synthetic.agency_reports(i, ag, 2)]
    return out


def test_lengths_follow_the_real_reports(model, reports):
    real = [sum(s.lengths.values()) for s in model.sources]
    got = [sum(len(t) for t in r["sections"].values()) for r in reports]
    assert len(got) > 2000
    assert abs(statistics.mean(got) - statistics.mean(real)) < 0.1 * statistics.mean(real)
    assert abs(statistics.median(got) - statistics.median(real)) < 0.15 * statistics.median(real)
    assert min(got) < min(real) and max(got) > max(real)  # smoothed, not seven fixed lengths
    for k in prose.SECTIONS:  # each section as long as the sources' on average (within 20 %)
        want = statistics.mean(s.lengths[k] for s in model.sources)
        have = statistics.mean(len(r["sections"].get(k, "")) for r in reports)
        assert abs(have - want) <= 0.2 * want + 20, k


def test_texts_compress_like_the_real_ones(model, reports):
    from pathlib import Path

    from parsers.parse import parse_bytes

    real = []
    for s in model.sources:
        path = next(Path(prose.corpus_dir()).rglob(s.name))
        real += [t for t in parse_bytes(path.read_bytes(), name=path.name)["sections"].values() if t]
    synth = [t for r in reports[:300] for t in r["sections"].values()]

    def ratio(texts):
        return sum(len(zlib.compress(t.encode(), 9)) for t in texts) / sum(len(t.encode()) for t in texts)

    assert abs(ratio(synth) - ratio(real)) < 0.05


def test_sentences_recombined_with_the_reports_own_numbers_and_places(model, reports):
    sources = {"博爱", "淮安", "洪泽"}
    texts = {}
    for r in reports:
        s1 = r["sections"]["s1"]
        # the synthetic agency's place, not the source's (unless it is the same place)
        if not any(p in r["agency"] for p in sources):
            assert not any(p in s1 for p in sources), (r["agency"], s1[:200])
        sentences = [x for x in s1.replace("\n", "").split("。") if len(x) > 15]
        assert len(sentences) == len(set(sentences)), r["agency"]
        texts.setdefault(s1[:40], []).append(s1)
    # the same opening sentence comes back with other numbers: texts are not copies
    assert all(len(set(v)) == len(v) for v in texts.values())
    assert len({r["sections"]["s1"] for r in reports}) == len(reports)
    years = [r for r in reports if r["year"] == 2020]
    assert any("2020年" in r["sections"]["s1"] or "2020 年" in r["sections"]["s1"] for r in years)


def test_the_same_seed_draws_the_same_texts():
    ag = synthetic.agencies(3, seed=5)[2]
    one = [r["sections"] for r, _ in synthetic.agency_reports(2, ag, 5)]
    two = [r["sections"] for r, _ in synthetic.agency_reports(2, ag, 5)]
    assert one == two and random.Random(1).random() == random.Random(1).random()
