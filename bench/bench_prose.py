"""Texts of real and synthetic reports side by side: section lengths over every corpus document
(seed, real, rotated, wild) and over the synthetic reports drawn from the complete ones
(testbed/synthetic_prose.py), and what sizes the archive: characters, UTF-8 bytes, how well a
text compresses (with the archive's dictionary, crawler.db.texts) and how many distinct
character pairs it holds (what the search index stores, crawler.db.search).

    OGI_SHARED=../shared .venv/bin/python bench/bench_prose.py --reports 5000
"""
from __future__ import annotations

import argparse
import statistics
import sys

from _common import report

from crawler.db import texts
from crawler.db.search import index_text
from testbed import synthetic_archive as synthetic
from testbed import synthetic_prose as prose


def quantiles(xs: list[int]) -> dict:
    xs = sorted(xs)
    if not xs:
        return {}
    q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
    return {"n": len(xs), "mean": round(statistics.mean(xs)), "p10": q(0.1), "median": q(0.5),
            "p90": q(0.9), "min": xs[0], "max": xs[-1]}


def text_figures(sections: list[str], codec) -> dict:
    chars = sum(len(t) for t in sections)
    raw = sum(len(t.encode()) for t in sections)
    packed = sum(len(b if isinstance(b, bytes) else b.encode()) for b in map(codec.pack, sections))
    pairs = sum(len(set(index_text(t).split())) for t in sections)
    return {"texts": len(sections), "chars": chars, "utf8_bytes_per_char": round(raw / max(1, chars), 3),
            "stored_ratio": round(packed / max(1, raw), 3),
            "distinct_tokens_per_1000_chars": round(1000 * pairs / max(1, chars))}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=5000, help="synthetic reports to draw")
    args = ap.parse_args(argv)
    m = prose.model()
    if m is None:
        sys.exit("no corpus: set OGI_SHARED (the real reports are what this measures)")
    codec = texts.Codec({texts.VERSION: texts.build_dictionary()})
    figures: dict = {"corpus": str(prose.corpus_dir())}
    groups: dict = {}
    for group, name, lengths in m.measured:
        groups.setdefault(group, []).append(lengths)
    figures["corpus_groups"] = {
        g: {"documents": len(rows), "with_sections": sum(1 for r in rows if sum(r.values())),
            "total": quantiles([sum(r.values()) for r in rows if sum(r.values())]),
            **{k: round(statistics.mean(r[k] for r in rows)) for k in prose.SECTIONS}}
        for g, rows in groups.items()}
    figures["complete_reports"] = {s.name: {**s.lengths, "total": sum(s.lengths.values())}
                                   for s in m.sources}
    figures["complete_total"] = quantiles([sum(s.lengths.values()) for s in m.sources])
    # the real complete reports' texts, as the parser extracted them
    from pathlib import Path

    from parsers.parse import parse_bytes

    real = []
    for s in m.sources:
        path = next(Path(prose.corpus_dir()).rglob(s.name))
        real += [t for t in parse_bytes(path.read_bytes(), name=path.name)["sections"].values() if t]
    held = []
    for g in ("wild", "rotated/docs"):
        for path in sorted((Path(prose.corpus_dir()) / g).glob("*.txt")):
            try:
                held += [t for t in parse_bytes(path.read_bytes(), name=path.name)["sections"].values()
                         if t and len(t) > 20]
            except Exception:  # noqa: BLE001 - a page opening the parser refuses
                continue
    synth, totals, per = [], [], {k: [] for k in prose.SECTIONS}
    for _, res, _ in synthetic.generate(args.reports):
        secs = res["sections"]
        synth += [t for t in secs.values() if t]
        totals.append(sum(len(t) for t in secs.values()))
        for k in prose.SECTIONS:
            per[k].append(len(secs.get(k) or ""))
    figures["synthetic_reports"] = args.reports
    figures["synthetic_total"] = quantiles(totals)
    figures["synthetic_sections"] = {k: quantiles(v) for k, v in per.items()}
    figures["texts_real_complete"] = text_figures(real, codec)
    figures["texts_real_wild_rotated"] = text_figures(held, codec)
    figures["texts_synthetic"] = text_figures(synth, codec)
    figures["national_estimate_gb"] = {  # 1.3M reports at the synthetic mean
        "text_utf8": round(1.3e6 * figures["synthetic_total"]["mean"]
                           * figures["texts_synthetic"]["utf8_bytes_per_char"] / 2**30, 2),
        "text_stored": round(1.3e6 * figures["synthetic_total"]["mean"]
                             * figures["texts_synthetic"]["utf8_bytes_per_char"]
                             * figures["texts_synthetic"]["stored_ratio"] / 2**30, 2)}
    report("prose", figures)
    return figures


if __name__ == "__main__":
    main()
