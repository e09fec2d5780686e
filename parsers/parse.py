"""bytes of one document -> the parse result (the `ogi parse` JSON object).

Readers turn bytes into a Document (text + grids); the mapper turns grids into fields; the
checks evaluate the format's rules. Nothing here fetches anything: input is archived bytes.
"""
from __future__ import annotations

import hashlib
import importlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import checks, chinese, formats, meta, scan
from .document import Document, UnreadableDocument
from .mapper import map_document, readings_text
from .numbers import to_json_number
from .readers.ocr_shapes import shape_misreading

PARSER_VERSION = "0.3.0"


@dataclass
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 200
    max_cells: int = 200_000
    max_uncompressed: int = 100 * 1024 * 1024


def detect_kind(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """Sniff the document kind from magic bytes first, then the content type and file name."""
    head = data[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    utf16 = _utf16(data)
    if utf16:  # text in UTF-16 (with or without a byte-order mark): sniffed as its text
        head = data[:4096].decode(utf16, errors="ignore").encode("utf-8")
    low = head.lower()
    if b"<html" in low or b"<!doctype html" in low or b"<table" in low or b"<body" in low or b"<p" in low or b"<div" in low:
        return "html"
    ext = Path(name).suffix.lower()
    if ext in (".htm", ".html", ".shtml", ".jhtml"):
        return "html"
    if utf16:
        return "text"
    if b"\x00" in head:
        return "binary"
    return "text"


def _utf16(data: bytes) -> str | None:
    import codecs

    from .encoding import utf16_without_bom

    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return utf16_without_bom(data)


_READERS = {
    "text": "parsers.readers.text",
    "html": "parsers.readers.html",
    "pdf": "parsers.readers.pdf",
    "docx": "parsers.readers.docx",
    "doc": "parsers.readers.docx",
}


def read_document(data: bytes, *, name: str, kind: str, limits: Limits,
                  content_type: str | None = None) -> Document:
    if kind == "image":
        return Document(kind="image", text="", scanned=True,
                        warnings=["an image, not a text document (图片版): needs OCR"])
    if kind == "binary":
        raise UnreadableDocument("binary data that is not a PDF, DOCX, DOC or image")
    try:
        reader = importlib.import_module(_READERS[kind])
    except ModuleNotFoundError as exc:  # pragma: no cover - every reader ships with the package
        raise UnreadableDocument(f"no reader for {kind} documents ({exc})") from exc
    if kind == "html":  # the HTTP charset: a page's bytes win over it (parsers.encoding)
        return reader.read(data, name=name, limits=limits, content_type=content_type)
    return reader.read(data, name=name, limits=limits)


def parse_bytes(data: bytes, *, name: str, content_type: str | None = None,
                limits: Limits | None = None, images: dict | None = None, ocr=None) -> dict:
    """`images` (address -> bytes) are the page images of a 图片版 HTML page; `ocr` the
    parsers.readers.ocr.OcrOptions (default: OCR on, with Tesseract from PATH)."""
    limits = limits or Limits()
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        raise UnreadableDocument(f"{len(data)} bytes, over the {limits.max_bytes}-byte limit")
    kind = detect_kind(data, name, content_type)
    doc = read_document(data, name=name, kind=kind, limits=limits, content_type=content_type)
    doc = scan.read_by_ocr(doc, data, kind=kind, name=name, images=images, opts=ocr,
                           max_pages=limits.max_pages)
    doc = chinese.simplified_document(doc)
    return build_result(doc, data=data, name=name, kind=kind)


def parse_path(path: str | Path, limits: Limits | None = None, ocr=None) -> dict:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot open: {exc.strerror or exc}") from exc
    return parse_bytes(data, name=str(path), limits=limits, ocr=ocr)


def build_result(doc: Document, *, data: bytes, name: str, kind: str) -> dict:
    m = map_document(doc)
    info = meta.describe(doc.text, doc.meta)
    title, year = info.title, info.year
    warnings = list(doc.warnings) + list(m.warnings)

    fmt_version = m.t2_version or m.t3_version
    if fmt_version is None and m.tables_seen and year:
        fmt_version = "2021" if year >= 2021 else "2019"
    if fmt_version is None and not m.slots:
        # No table could be read (cells run together, images): name the format the text shows,
        # with every value null. Nothing is guessed from digits that ran together.
        fmt_version = meta.format_from_text(doc.text)
        if fmt_version:
            warnings.append(f"the text shows {fmt_version}-format tables but their cells cannot be "
                            "separated (flattened text or no table structure): values not extracted, nothing guessed")
    values: dict = {}
    raw: dict = {}
    provenance: dict = {}
    flags: dict = {}
    absent: list[str] = []
    result_checks: list[dict] = []
    text_checks: list[dict] = []
    if fmt_version:
        ids = list(formats.get(fmt_version).field_ids)
        hybrid_t2 = []
        other = "2019" if fmt_version == "2021" else "2021"
        for block in formats.get(other).t2_blocks:
            alt = [f"t2.{r.key}.{c.key}" for r in block.rows for c in block.columns]
            if not any(f in m.slots for f in alt if f not in ids):
                continue
            # a table-二 block printed with the other format's columns: its fields under their
            # own ids, before the format's ids of that block (not printed, so absent)
            hybrid_t2.append(block.caption)
            mine = next((b for b in formats.get(fmt_version).t2_blocks if b.caption == block.caption), None)
            own = [f"t2.{r.key}.{c.key}" for r in mine.rows for c in mine.columns] if mine else []
            alt = [f for f in alt if f not in ids]
            pos = ids.index(own[0]) if own else max(i for i, f in enumerate(ids) if f.startswith("t2.")) + 1
            ids = ids[:pos] + alt + ids[pos:]
            absent.extend(f for f in own if f not in m.slots)
        if hybrid_t2:
            warnings.append("hybrid table 二: block(s) " + "、".join(hybrid_t2) + f" printed with the "
                            f"{other} format's columns, the others with the {fmt_version} format's: each "
                            "read under the ids of its own columns")
        other_rows = [f for f in ids if f.startswith("t3.result.other.")]
        t3v = m.t3_version or fmt_version
        if t3v != fmt_version:  # hybrid: table 三's （六） printed the other version's way
            alt = [f for f in formats.get(t3v).field_ids if f.startswith("t3.result.other.")]
            pos = ids.index(other_rows[0])
            ids = ids[:pos] + alt + other_rows + ids[pos + len(other_rows):]
            absent.extend(other_rows)
            warnings.append(f"hybrid format: tables of the {fmt_version} format with table 三 （六） "
                            f"printed as in the {t3v} format")
        for fid in ids:
            slot = m.slots.get(fid)
            if slot is None:
                values[fid] = None
                if fid not in absent:
                    absent.append(fid)
                continue
            values[fid] = to_json_number(slot.value)
            raw[fid] = slot.raw
            provenance[fid] = {"table": slot.table, "page": slot.page, "row": slot.row,
                               "col": slot.col, "label": slot.label}
            if slot.confidence is not None:
                provenance[fid].update(ocr=True, confidence=round(slot.confidence, 1))
            if slot.flags:
                flags[fid] = list(slot.flags)
        result_checks = checks.evaluate(fmt_version, values, t3v)
        if m.positional_rows:
            # each row placed by structure is kept only with evidence of its place: its own
            # garbled label bears it out (its item number and half its words, in order: then it
            # is a labelled row like any other, its numbers flagged by any rule over them that
            # fails); or it carries its slot's item number, as every numbered row of its gap
            # between two rows read by label does, and its own row total does not fail (the
            # column rules say nothing of which slot a row is in: they flag it as any row); or
            # else every rule over it can be decided and holds; otherwise left out
            kept, by_label, by_number, dropped = 0, 0, 0, 0
            for key, evidence, fids in m.positional_rows:
                involved = [c["ok"] for c in result_checks if set(fids) & set(c["fields"])]
                own = [c["ok"] for c in result_checks if set(c["fields"]) <= set(fids)]  # its row total
                numbered = evidence == "number" and False not in own
                if evidence == "words" or numbered or (involved and all(ok is True for ok in involved)):
                    kept += 1
                    by_label += evidence == "words"
                    by_number += numbered
                    continue
                dropped += 1
                for fid in fids:
                    values[fid] = None
                    raw.pop(fid, None)
                    provenance.pop(fid, None)
                    flags.pop(fid, None)
            if kept:
                warnings.append(f"table 三: {kept} row(s) without a readable label placed by structure "
                                f"(flag positional): {by_label} borne out by their own item number and "
                                f"words, {by_number} by their item number in their places between rows read by label "
                                f"(their row total not failing), {kept - by_label - by_number} by every "
                                "rule over them holding")
            if dropped:
                warnings.append(f"table 三: {dropped} row(s) without a readable label were not mapped: "
                                "the arithmetic rules do not confirm a placement")
                result_checks = checks.evaluate(fmt_version, values, t3v)
        left_out: dict[str, str] = {}  # doubtful readings no rule could decide yet
        if m.doubtful:
            result_checks = _gate_doubtful(m.doubtful, fmt_version, t3v, values, raw, flags,
                                           result_checks, warnings, left_out)
        # a doubtful reading left out offers all its cell's readings (the agreed one read twice
        # or more, and those against it: 1 ×2 and 11 for an 11 whose first digit is faint)
        candidates = {**m.candidates, **{f: m.candidates[f] if r in m.candidates.get(f, ()) else (r, r)
                                         for f, r in left_out.items() if r.isdigit()}}
        if candidates:
            result_checks = _choose_by_rules(candidates, fmt_version, t3v, values, raw, flags,
                                             result_checks, warnings, doubtful=left_out,
                                             why=m.doubtful)
        text_checks = _text_checks(doc.text, values)
        warnings.extend(
            f"{c['id']}: section 一 states {c['actual']} applications, table 三 prints {c['expected']} new"
            for c in text_checks if c["ok"] is False)

    has_values = any(v is not None for v in values.values())
    if doc.scanned:
        document_kind = "scanned"
    elif meta.is_template(doc.text) and not has_values:
        document_kind = "template"
        warnings.append("a blank template of the format, not a report: no values")
    elif meta.looks_not_report(title, doc.text) and not has_values:
        document_kind = "not_annual_report"
    elif (fmt_version and m.slots) or meta.is_report_title(title) or meta.national_tables(doc.text) \
            or meta.report_opening(doc.text):
        if year and year < 2019 and not fmt_version:
            document_kind = "pre2019"
        else:
            document_kind = "annual_report"
            if not m.slots and fmt_version is None:
                warnings.append("no table of the national format was found (flattened or unusual layout): "
                                "values not extracted")
    else:
        document_kind = "not_annual_report"
    ocr_info = None
    if document_kind == "scanned" and doc.ocr is not None:
        ocr_info = scan_summary(doc, values, flags, result_checks)
        warnings.append(ocr_info["note"])
        if absent and m.slots:  # rows OCR could not find or match: null, and said so
            warnings.append(f"OCR: {len(absent)} field(s) of the format not found in the tables read, "
                            f"left null: {', '.join(absent[:8])}{' …' if len(absent) > 8 else ''}")
    elif document_kind == "scanned":
        warnings.append("scanned or image-only document: tables not read (needs OCR), nothing guessed")
    elif document_kind == "not_annual_report":
        warnings.append("not a government information disclosure annual report")
    if document_kind in ("annual_report", "pre2019", "scanned"):
        warnings.extend(info.warnings)

    return {
        "document": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "kind": kind,
        "document_kind": document_kind,
        "title": title,
        "agency": info.agency,
        "year": year,
        "published": info.published,
        "meta_sources": info.sources,
        "format": fmt_version,
        "t2_version": m.t2_version,
        "t3_version": m.t3_version,
        "scope": meta.scope_from(doc.text),
        "values": values,
        "raw": raw,
        "provenance": provenance,
        "flags": flags,
        "absent": absent,
        "checks": result_checks,
        "text_checks": text_checks,
        "extras": m.extras,
        "sections": meta.sections(doc.text),
        "pages": doc.pages,
        "warnings": warnings,
        "parser_version": PARSER_VERSION,
        "ocr": ocr_info,
    }


def _gate_doubtful(doubtful: dict[str, str], fmt_version: str, t3v: str, values: dict, raw: dict,
                   flags: dict, result_checks: list[dict], warnings: list[str],
                   left_out: dict[str, str]) -> list[dict]:
    """OCR numbers read but doubtful (their agreeing readings barely confident) are kept only
    where the arithmetic decides them. Every rule over such a number
    undecidable (other cells of its row and column not read): null with low_confidence, its
    reading named in a warning. A rule over it holds: kept (flag rule_confirmed), unless it
    holds only with another number doubted for the same misreading (shape_misreading): two 9s
    of one row, 自然人 and its total, both read 4 and both shaped like the page's 9s, make the
    row total hold wrong — one misreading repeated is no check. Only rules over it that fail:
    kept, flagged by the failing rule as any number is (leaving it out would turn the failure
    undecidable and hide the numbers the rule also covers). A number is never changed, only
    kept or left out; a reading left out is put in `left_out` (field -> reading), for
    _choose_by_rules once more cells are known. Returns the rule results over the final values."""
    misread = {f: shape_misreading(why) for f, why in doubtful.items() if values.get(f) is not None}
    leaned: set[str] = set()  # doubtful fields a holding rule over which leans on the same misreading
    by_field: dict[str, list[bool | None]] = {}
    for c in result_checks:
        for f in c["fields"]:
            ok = c["ok"]
            if ok is True and misread.get(f) and any(misread.get(g) == misread[f]
                                                     for g in c["fields"] if g != f):
                leaned.add(f)
                ok = None  # it rests on the same misreading elsewhere: it decides nothing for f
            by_field.setdefault(f, []).append(ok)
    dropped = kept = 0
    for f, why in doubtful.items():
        if values.get(f) is None:
            continue
        outcomes = by_field.get(f, [])
        if True in outcomes:
            flags[f] = [x for x in flags.get(f, []) if x != "doubtful"] + ["rule_confirmed"]
            kept += 1
        elif False not in outcomes:  # every rule over it undecidable: nothing confirms it
            same = (" without another number doubted for the same misreading"
                    if f in leaned else "")
            warnings.append(f"{f}: OCR read {raw.get(f)!r} but {why}, and no arithmetic rule "
                            f"over it can be decided{same}: value left null, nothing guessed")
            left_out[f] = raw.get(f) or ""
            values[f] = None
            raw[f] = ""
            flags[f] = ["low_confidence", "ocr"]
            dropped += 1
    if kept:
        warnings.append(f"OCR: {kept} doubtful number(s) kept where an arithmetic rule over them "
                        "holds (flag rule_confirmed)")
    # a dropped number was in undecidable rules only: no outcome changes, but a side's total
    # it was part of is no longer known
    return checks.evaluate(fmt_version, values, t3v) if dropped else result_checks


def _choose_by_rules(candidates: dict[str, tuple[str, ...]], fmt_version: str, t3v: str,
                     values: dict, raw: dict, flags: dict, result_checks: list[dict],
                     warnings: list[str], doubtful: dict[str, str] | None = None,
                     why: dict[str, str] | None = None) -> list[dict]:
    """OCR cells left null because their readings disagreed (9, 6 and 0 for a 0 under a speck):
    one of those readings is kept where the arithmetic requires exactly it (flag rule_chosen,
    named in a warning). Nothing is ever computed that no reading made out, and no read number
    is changed; a cell kept may decide the rule of another (repeated until nothing changes).

    One cell: every rule over it that its other cells decide (checks.required: all read, or the
    parts read already make up the total) gives the value it must hold. Kept when all such rules
    give the same value, that value is among the cell's readings (`candidates`: one entry per
    reading), and either two rules or more give it (a misread neighbour shifts one rule's
    answer, not the other's), or one rule gives it through numbers no failing rule doubts and
    the value was read at least twice (a 无 or a blank read 0 once is no 0). A failing rule
    doubts the one number it shares with another failing rule (a misread total fails its row
    and its column), else all of its numbers.
    Two cells of one rule, the rest read and doubted by no failing rule, not both `doubtful` for
    the same misreading (`why`: field -> why its reading is doubtful; shape_misreading): the one
    pair of their readings that makes it hold, each read twice, no decided rule over either
    against it.
    A `doubtful` field (field -> its reading, left out by _gate_doubtful while its rules were
    undecided) offers all its cell's readings, the one agreed on and those against it, and is
    kept the same way: flag rule_confirmed where the value is its own reading.
    Returns the rule results over the final values."""
    doubtful, why = doubtful or {}, why or {}
    rules = checks.rules(fmt_version, t3v)
    # the numbers a failing rule puts in doubt: the one of them another failing rule also covers
    # (a misread total fails its row and its column), else all of them
    failing = [c["fields"] for c in result_checks if c["ok"] is False]
    seen = Counter(f for fields in failing for f in fields)
    suspect: set[str] = set()
    for fields in failing:
        shared = [f for f in fields if seen[f] > 1]
        suspect.update(shared if len(shared) == 1 else fields)
    chosen: list[str] = []

    def times(f: str, value: int) -> int:  # how often the cell read it
        return candidates[f].count(str(value))

    def keep(f: str, value: int, how: str) -> None:
        values[f] = value
        raw[f] = str(value)
        confirmed = doubtful.get(f) == str(value)
        flags[f] = ["ocr", "rule_confirmed" if confirmed else "rule_chosen"]
        if f in doubtful:  # no longer left null: the gate's warning would say it is
            warnings[:] = [w for w in warnings if not (w.startswith(f"{f}: OCR read ")
                                                       and w.endswith("nothing guessed"))]
        chosen.append(f"{f} = {value} (read {readings_text(candidates[f])}"
                      f"{', doubtful' if f in doubtful else ''}; {how})")

    def one_cell() -> bool:
        """Each cell on its own: the value every decided rule over it requires."""
        found = False
        for f, readings in candidates.items():
            if values.get(f) is not None or f not in values:
                continue
            needs: dict = {}  # value required -> whether a rule giving it runs through doubt only
            for rule in rules:
                fields = rule["left"] + rule["right"]
                if f not in fields or not checks.applies(rule, values):
                    continue
                need = checks.required(rule, f, values)
                if need is not None:
                    clear = not any(x in suspect for x in fields if x != f)
                    needs.setdefault(need, []).append(clear)
            if len(needs) != 1:
                continue
            ((need, clear),) = needs.items()
            if not (any(clear) or len(clear) >= 2):
                continue
            if need < 0 or need != need.to_integral_value():
                continue
            # read at least twice, unless two rules give it
            n = times(f, int(need))
            if n == 0 or (n == 1 and len(clear) < 2):
                continue
            keep(f, int(need), f"{len(clear)} rule(s)")
            found = True
        return found

    def two_cells() -> bool:
        """A rule with two cells unread, the rest read and doubted by no failing rule: the one
        pair of their readings that makes it hold, each read twice, no decided rule against."""
        for rule in rules:
            fields = rule["left"] + rule["right"]
            if not checks.applies(rule, values):
                continue
            unread = [x for x in fields if values.get(x) is None]
            if (len(unread) != 2 or not all(x in candidates for x in unread)
                    or any(x in suspect for x in fields if x not in unread)):
                continue
            a, b = unread
            if a in doubtful and b in doubtful and (same := shape_misreading(why.get(a))) \
                    and same == shape_misreading(why.get(b)):
                continue  # one misreading repeated makes the rule hold whatever was printed
            fits = [(va, vb) for va in {int(r) for r in candidates[a]}
                    for vb in {int(r) for r in candidates[b]} if checks.holds(rule, {**values, a: va, b: vb})]
            if len(fits) != 1 or min(times(a, fits[0][0]), times(b, fits[0][1])) < 2:
                continue
            trial = {**values, a: fits[0][0], b: fits[0][1]}
            others = [r for r in rules if r is not rule and {a, b} & set(r["left"] + r["right"])
                      and checks.applies(r, trial)
                      and all(trial.get(x) is not None for x in r["left"] + r["right"])]
            if not all(checks.holds(r, trial) for r in others):
                continue
            keep(a, fits[0][0], "with " + b)
            keep(b, fits[0][1], "with " + a)
            return True
        return False

    while one_cell() or two_cells():
        pass
    if chosen:
        warnings.append(f"OCR: {len(chosen)} number(s) not read with confidence kept where every "
                        "decided arithmetic rule over them requires one of their readings (flag "
                        "rule_chosen; rule_confirmed for a doubtful reading): "
                        + "; ".join(chosen[:12]) + (" …" if len(chosen) > 12 else ""))
        return checks.evaluate(fmt_version, values, t3v)
    return result_checks


def scan_summary(doc: Document, values: dict, flags: dict, result_checks: list[dict]) -> dict:
    """What OCR did for a scanned document: engine, timings, how many values it read, how many it
    left null for low confidence, and whether an arithmetic rule fails (the report is then
    marked for review: an OCR misreading is the likely cause)."""
    read = sum(1 for f, v in values.items() if v is not None and "ocr" in flags.get(f, ()))
    unread = sum(1 for f in flags if "low_confidence" in flags[f])
    failing = [c["id"] for c in result_checks if c.get("ok") is False and c.get("severity", "error") == "error"]
    info = dict(doc.ocr or {})
    info.update(values_read=read, values_unread=unread, review=bool(failing), failing_checks=failing)
    note = (f"scanned document read by OCR: {read} values read (flag ocr, confidence in provenance), "
            f"{unread} left null for low confidence")
    if failing:
        note += f"; {len(failing)} arithmetic rule(s) fail: marked for review (OCR misreading likely)"
    info["note"] = note
    return info


def _text_checks(text: str, values: dict) -> list[dict]:
    """Figures stated in the prose of section 一 against table 三 (warnings, never errors)."""
    stated = meta.applications_stated(meta.sections(text).get("s1", ""))
    new = values.get("t3.new.total")
    if stated is None or new is None:
        return []
    with_carried = new + (values.get("t3.carried_over.total") or 0)
    return [{"id": "rule.text.t3_counts", "ok": stated in (new, with_carried), "expected": new,
             "actual": stated, "severity": "warning", "fields": ["t3.new.total"]}]
