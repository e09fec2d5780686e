"""Section texts (s1 … s6) for synthetic reports, drawn from the real reports of the corpus.

The national archive's size and search speed depend on its texts: how long they are, how much
of their vocabulary each one repeats, how well they compress. So the synthetic reports carry
texts made from the real ones (../shared/corpus, public government documents, or $OGI_SHARED):

* **Sources**: every corpus document (seed, real, rotated, wild) is parsed with the project's
  parser; the *complete* reports are those whose section 一 carries at least MIN_S1 characters
  (the wild and rotated documents are page openings and table regions whose long prose lines
  were left out, docs/benchmarks.md gives the lengths of every group). Seven qualify today.
* **Lengths**: a report draws one complete source report and takes each section's length from
  it, times a log-normal jitter (sigma LENGTH_SIGMA): a smoothed bootstrap of the real
  reports' section lengths, which keeps a long report long in every section.
* **Tables**: the lines of a section that are table text (tabs, pipes, mostly digits, short
  label fragments: what the parser keeps of a table inside sections 二, 三 and 四, in the layout
  of its source: tab rows, PDF lines, markdown pipes, HTML spans repeated) are taken whole from
  the length's source, their numbers redrawn; prose follows up to the section's length.
* **Prose**: real sentences of that section, recombined: a run of consecutive sentences of one
  source, then (probability 1 - P_NEXT after each sentence) a jump to a random sentence of any
  source, never one the text already holds. Every number is redrawn with the same number of
  digits (0 stays 0, a day or month keeps its number), a year moves with the report's year, and
  the source's place names (博爱, 淮安, 洪泽 …) become the synthetic agency's.

What this does not reproduce: the vocabulary of the whole nation. Every synthetic sentence is one
of the sources' ~N sentences with other numbers and names, so the archive as a whole repeats
fewer distinct sentences than 1.3M real reports would; each text on its own has the length,
distinct character pairs and compressibility of real text (docs/benchmarks.md compares them).
Without the corpus, `available()` is False and the caller falls back to its own templates.
"""
from __future__ import annotations

import functools
import math
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from crawler.db.texts import SECTION_HEADINGS

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("seed", "real", "rotated/docs", "wild")
SUFFIXES = (".txt", ".pdf", ".html", ".md", ".docx")
SECTIONS = ("s1", "s2", "s3", "s4", "s5", "s6")
HEADINGS = SECTION_HEADINGS
MIN_S1 = 500          # characters of section 一 that make a corpus document a complete report
LENGTH_SIGMA = 0.25   # log-normal jitter of a section's length around its source's
P_NEXT = 0.7          # after a sentence, the next one of the same source (else a jump)

_SENTENCE = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PLACES = re.compile(r"(?:^|(?<=[省市县区州旗]))([^省市县区州旗]{2,3}?)(?:省|市|县|区|自治州|自治县|旗|镇|乡|街道)")


def corpus_dir() -> Path:
    return Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"


@dataclass(frozen=True)
class Template:
    """Real text cut into literal text and slots: ("n", digits, decimals) a number, ("y", offset)
    a year (the source's year + offset), ("p",) a place name of the source."""
    pieces: tuple
    length: int


@dataclass
class Source:
    name: str
    lengths: dict           # section -> characters, as the parser extracted it
    tables: dict            # section -> Template of its table lines (or None)
    prose: dict             # section -> [Template] of its sentences


@dataclass
class Model:
    sources: list
    pools: dict             # section -> [(source index, sentence index)]
    measured: list          # (group, document, {section: characters}) of every corpus document


def corpus_dir() -> Path:
    return Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"


def _places(agency: str | None) -> list[str]:
    """Place names in an agency's name: 淮安市洪泽区人民政府 -> [淮安, 洪泽]."""
    return [m.group(1) for m in _PLACES.finditer(agency or "")]


def _is_table_line(line: str) -> bool:
    s = line.strip()
    if "\t" in s or "|" in s:
        return True
    digits = sum(c.isdigit() or c in " .-%—" for c in s)
    return digits >= 0.3 * len(s) or (len(s) < 25 and not any(p in s for p in "。，；："))


def _template(text: str, places: list[str], year: int | None) -> Template:
    marks = [(n.start(), n.end(), "n", n.group(0)) for n in _NUMBER.finditer(text)]
    for place in places:
        marks += [(p.start(), p.end(), "p", "") for p in re.finditer(re.escape(place), text)]
    marks.sort()
    pieces: list = []
    pos = 0
    for start, end, kind, number in marks:
        if start < pos:
            continue
        if start > pos:
            pieces.append(text[pos:start])
        if kind == "p":
            pieces.append(("p",))
        elif number == "0" or text[end:end + 1] in ("月", "日", "时"):
            pieces.append(number)
        elif year and number.isdigit() and len(number) == 4 and number[:2] in ("19", "20") and abs(int(number) - year) < 30:
            pieces.append(("y", int(number) - year))
        else:
            whole, _, dec = number.partition(".")
            pieces.append(("n", len(whole), len(dec)))
        pos = end
    if pos < len(text):
        pieces.append(text[pos:])
    return Template(tuple(pieces), len(text))


def _split(text: str, section: str, places: list[str], year: int | None):
    """(table lines as one Template or None, prose sentences as Templates) of a section's text."""
    lines = text.split("\n")
    if lines and lines[0].strip().startswith(HEADINGS[section][:2]):
        lines = lines[1:]
    table = [ln for ln in lines if ln.strip() and _is_table_line(ln)]
    prose = "".join(ln.strip() for ln in lines if ln.strip() and not _is_table_line(ln))
    sentences = [_template(m.group(0).strip(), places, year) for m in _SENTENCE.finditer(prose)
                 if len(m.group(0).strip()) >= 4]
    return (_template("\n".join(table), places, year) if table else None), sentences


@functools.cache
def model(corpus: str | None = None) -> Model | None:
    """The sources of the corpus (None when there is no corpus)."""
    root = Path(corpus) if corpus else corpus_dir()
    if not root.is_dir():
        return None
    import logging

    from parsers.parse import parse_bytes

    logging.getLogger("parsers").setLevel(logging.ERROR)
    measured, sources = [], []
    for group in GROUPS:
        for path in sorted((root / group).glob("*")):
            if path.suffix.lower() not in SUFFIXES or path.name.upper().startswith("README"):
                continue
            try:
                result = parse_bytes(path.read_bytes(), name=path.name)
            except Exception:  # noqa: BLE001 - a document the parser refuses has no sections
                continue
            sections = result.get("sections") or {}
            lengths = {k: len(sections.get(k) or "") for k in SECTIONS}
            measured.append((group, path.name, lengths))
            if lengths["s1"] >= MIN_S1:
                places, year = _places(result.get("agency")), result.get("year")
                split = {k: _split(sections.get(k) or "", k, places, year) for k in SECTIONS}
                sources.append(Source(path.name, lengths, {k: v[0] for k, v in split.items()},
                                      {k: v[1] for k, v in split.items()}))
    if not sources:
        return None
    pools = {k: [(i, j) for i, s in enumerate(sources) for j in range(len(s.prose[k]))]
             for k in SECTIONS}
    return Model(sources, pools, measured)


def available() -> bool:
    return model() is not None


def _number(rng: random.Random, digits: int, decimals: int) -> str:
    n = str(rng.randint(1 if digits <= 1 else 10 ** (digits - 1), 10 ** digits - 1))
    return n + ("." + "".join(str(rng.randint(0, 9)) for _ in range(decimals)) if decimals else "")


def _render(t: Template, rng: random.Random, year: int, place: str) -> str:
    out = []
    for p in t.pieces:
        if type(p) is str:
            out.append(p)
        elif p[0] == "n":
            out.append(_number(rng, p[1], p[2]))
        elif p[0] == "y":
            out.append(str(year + p[1]))
        else:
            out.append(place)
    return "".join(out)


def _prose(m: Model, section: str, rng: random.Random, target: int, year: int, place: str) -> str:
    """Sentences of `section` recombined up to about `target` characters (no sentence twice:
    the sources share some, 洪泽 2023 and 2024 many)."""
    pool = m.pools[section]
    out: list[str] = []
    n, used = 0, set()
    src, j = pool[rng.randrange(len(pool))] if pool else (None, None)
    while src is not None and n + m.sources[src].prose[section][j].length // 2 < target:
        t = m.sources[src].prose[section][j]
        used.add(t)
        s = _render(t, rng, year, place)
        out.append(s)
        n += len(s)
        if len(out) % 4 == 0:
            out.append("\n")
        sentences = m.sources[src].prose[section]
        if rng.random() < P_NEXT and j + 1 < len(sentences) and sentences[j + 1] not in used:
            j += 1
            continue
        for _ in range(8):  # a jump to a sentence the text does not hold yet
            src, j = pool[rng.randrange(len(pool))]
            if m.sources[src].prose[section][j] not in used:
                break
        else:
            src = None
    return "".join(out)


def sections(name: str, year: int, rng: random.Random) -> dict:
    """The six sections of one synthetic report (see the module docstring)."""
    m = model()
    assert m is not None, "no corpus: check available() first"
    source = m.sources[rng.randrange(len(m.sources))]
    places = _places(name)
    place = places[-1] if places else name[:2]
    out = {}
    for k in SECTIONS:
        if not source.lengths[k]:  # the source has no such section: neither has this report
            continue
        target = round(source.lengths[k] * math.exp(rng.gauss(0, LENGTH_SIGMA) - LENGTH_SIGMA ** 2 / 2))
        text = HEADINGS[k] + "\n"
        if source.tables[k] is not None:
            text += _render(source.tables[k], rng, year, place) + "\n"
        out[k] = text + _prose(m, k, rng, target - len(text), year, place)
    return out
