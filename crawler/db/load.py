"""Load one parse result (parsers.parse.parse_bytes output) and its capture into archive.db.

Each document is loaded inside one transaction that first removes what an earlier build
derived from the same report, so a reload replaces and never duplicates, and a document that
fails leaves every other document's rows exactly as they were.
"""
from __future__ import annotations

import functools
import hashlib
import json
import operator
import re
from typing import Any, Mapping

import sqlite_utils

from parsers import formats

from . import compact, regions, sketches, texts
from .search import SECTION_HEADINGS, index_texts, search_is_current, text_id, text_id_range  # noqa: F401

CAPTURE_FIELDS = (
    "url", "final_url", "status", "fetched_at", "sha256", "size", "content_type", "encoding",
    "warc_file", "offset", "run_id", "role", "title", "agency", "region_code", "portal",
    "referer", "revisit",
)
_YEAR_IN_TITLE = re.compile(r"(20[0-4]\d)\s*年(?:度)?")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def capture_dict(capture: Any) -> dict:
    """A Capture object (crawler.archive) or a mapping as a plain dict of CAPTURE_FIELDS."""
    if capture is None:
        return {}
    if isinstance(capture, Mapping):
        cap = {k: capture.get(k) for k in CAPTURE_FIELDS}
    else:
        cap = {k: getattr(capture, k, None) for k in CAPTURE_FIELDS}
    if cap.get("fetched_at") is not None and not isinstance(cap["fetched_at"], str):
        cap["fetched_at"] = cap["fetched_at"].isoformat()
    return cap


def capture_id(cap: Mapping) -> str:
    if cap.get("warc_file") is not None:
        return f"{cap['warc_file']}#{cap.get('offset')}"
    return f"sha256:{cap['sha256']}"


@functools.lru_cache(maxsize=64)
def _upsert_sql(table: str, cols: tuple, pk: str) -> str:
    names = ", ".join(f'"{c}"' for c in cols)
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c != pk)
    return (f'insert into "{table}" ({names}) values ({", ".join("?" for _ in cols)}) '
            f'on conflict ("{pk}") do update set {sets}')


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, cols: tuple) -> str:
    return (f'insert into "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
            f'values ({", ".join("?" for _ in cols)})')


def _upsert(db, table: str, row: Mapping, pk: str = "id") -> None:
    """Insert the row, or set the given columns of the row with the same key (what
    sqlite-utils' upsert does, in one statement: the loader runs it for every document)."""
    db.conn.execute(_upsert_sql(table, tuple(row), pk), tuple(row.values()))


def _insert(db, table: str, row: Mapping) -> None:
    db.conn.execute(_insert_sql(table, tuple(row)), tuple(row.values()))


def capture_row(capture: Any) -> dict:
    cap = capture_dict(capture)
    row = {k: v for k, v in cap.items() if k != "offset"}
    row["warc_offset"] = cap.get("offset")
    row["revisit"] = None if cap.get("revisit") is None else int(bool(cap.get("revisit")))
    row["id"] = capture_id(cap)
    return row


def upsert_capture(db: sqlite_utils.Database, capture: Any) -> str:
    row = capture_row(capture)
    _upsert(db, "captures", row)
    return row["id"]


def agency_id(name: str, region_code: str | None) -> str:
    return f"{region_code}/{name}" if region_code else name


def upsert_agency(db: sqlite_utils.Database, name: str, region_code: str | None,
                  extra: Mapping | None = None) -> dict:
    # Province and level from the code; city and county only where the registry or the
    # agency's own name states them (crawler.db.regions.describe), else NULL.
    portal = (extra or {}).get("portal")
    entry = regions.registry_entry(portal, name)
    if entry is not None and (entry.agency != name or (region_code or "") != entry.region_code):
        entry = None  # the registry speaks of another body
    row = {"id": agency_id(name, region_code), "name": name, "region_code": region_code,
           **regions.describe(name, region_code, entry.level if entry else None),
           "portal": entry.code if entry else None}
    for key in ("city", "county", "level", "portal"):
        if extra and extra.get(key):
            row[key] = extra[key]
    _upsert(db, "agencies", row)
    return row


def report_key(result: Mapping, cap: Mapping, version: str | None = None
               ) -> tuple[str | None, str | None, int | None, str]:
    """(agency name, region code, year, variant) of a document; None where unknown.

    `version` (a sha256) marks an earlier payload captured at the same address: its variant
    ends in @<12 digits of it>, the latest payload keeps the plain variant (stable links)."""
    # The registry's name and code (on the capture) identify an agency across years; the name
    # printed in a report varies (洪泽区人民政府 / 淮安市洪泽区人民政府) and is kept in its title.
    agency = cap.get("agency") or result.get("agency")
    region = cap.get("region_code") or result.get("region_code")
    if agency and not region:  # a crawl by URL: the registry may know the agency by its name
        entry = regions.registry_entry(None, agency)
        region = entry.region_code if entry is not None and entry.region_code else None
    year = result.get("year")
    if year is None:
        m = _YEAR_IN_TITLE.search(result.get("title") or cap.get("title") or "")
        year = int(m.group(1)) if m else None
    url = cap.get("final_url") or cap.get("url")
    kind = result.get("kind") or "document"
    # A report is one document at one address; the same agency and year can have several
    # (an HTML page and its PDF attachment, a mirror). The variant keeps them apart, stably.
    variant = f"{kind}-{hashlib.sha1(url.encode()).hexdigest()[:8]}" if url else kind
    if version:
        variant += "@" + version[:12]
    return agency, region, year, variant


# parse_status of reports whose values count in sums and cross-year checks: read from a text
# layer, or read by OCR from a scan with every arithmetic rule holding (or undecidable)
PARSED = ("parsed", "parsed_ocr")


def parse_status(result: Mapping) -> str:
    """parsed | no_tables | scanned | pre2019 | template | ... and, for a scan read by OCR,
    parsed_ocr, or ocr_review when an arithmetic rule fails on its OCR values (marked for review)."""
    kind = result.get("document_kind") or "annual_report"
    if kind == "annual_report":
        return "parsed" if result.get("format") else "no_tables"
    ocr = result.get("ocr")
    if kind == "scanned" and ocr and result.get("format") and ocr.get("values_read"):
        return "ocr_review" if ocr.get("review") else "parsed_ocr"
    return kind


def check_status(checks: list[Mapping]) -> tuple[str, int]:
    failed = [c for c in checks if c.get("ok") is False or c.get("ok") == 0]
    if any(c.get("severity", "error") == "error" for c in failed):
        return "fail", len(failed)
    if failed:
        return "warning", len(failed)
    if any(c.get("ok") for c in checks):
        return "pass", 0
    return ("undecidable" if checks else "none"), 0


def delete_report(db: sqlite_utils.Database, report_id: str) -> None:
    """Take out a document and everything loaded from it, whether it is its report's canonical
    document (reports) or another of its documents (documents)."""
    row = db.execute("select key, year from reports where id = ? union all "
                     "select key, year from documents where id = ?", [report_id, report_id]).fetchone()
    if row is not None and row[0] is not None:
        key, year = row
        db.execute("delete from cells where report_key = ?", [key])
        db.execute("delete from check_results where report_key = ?", [key])
        db.execute("delete from report_sketches where report_key = ?", [key])
        lo, hi = text_id_range(year, key)
        if search_is_current(db):  # take the report's texts out of the index, as they were indexed
            index_texts(db, db.execute("select id, text from search_index where id between ? and ?",
                                        [lo, hi]).fetchall(), delete=True)
        db.execute("delete from search_index where id between ? and ?", [lo, hi])
        db.execute("delete from document_texts where id between ? and ?", [lo, hi])
    db.execute("delete from reports where id = ?", [report_id])
    db.execute("delete from documents where id = ?", [report_id])


def load_parsed(db: sqlite_utils.Database, result: Mapping, capture: Any = None,
                version: str | None = None) -> str | None:
    """Load one parse result; returns the document's id, or None when the document is no report.

    A document that is not an annual report, or whose agency or year cannot be told, is
    recorded in parse_errors with the reason instead. `version` (the payload's sha256) loads an
    earlier payload of the capture's address beside the latest one (report_key).
    """
    try:
        with db.atomic():
            rid, rows = _stage(db, result, capture, version=version)
            _insert_rows(db, rows)
    except BaseException:
        compact.interner(db).reset()  # keys given inside the rolled-back transaction
        raise
    return rid


def load_many(db: sqlite_utils.Database, items: list[tuple[Mapping, Any]],
              agencies: Mapping | None = None) -> list[str | None]:
    """load_parsed for many (result, capture) pairs in one transaction, rows inserted in bulk.

    The rows are exactly those load_parsed writes. `agencies` maps (name, region code) to
    extra agency facts (city, county, level, portal). If anything in the batch fails, the
    batch is rolled back and loaded document by document, so one bad document still costs
    only itself.
    """
    try:
        with db.atomic():
            out, rows = [], _Rows()
            for result, capture in items:
                rid, r = _stage(db, result, capture, agencies)
                out.append(rid)
                rows.extend(r)
            _insert_rows(db, rows)
        return out
    except Exception:
        compact.interner(db).reset()  # keys given inside the rolled-back transaction
        if len(items) == 1:
            raise
    return [load_parsed(db, result, capture) for result, capture in items]


class _Rows:
    """The child rows of staged reports, inserted together by _insert_rows."""

    def __init__(self):
        self.values: list[tuple] = []   # rows of cells
        self.checks: list[tuple] = []   # rows of check_results
        self.search: list[tuple] = []   # rows of search_index (id, report_id, agency, province, body)
        self.texts: list[tuple] = []    # (id, text) of those rows, for the FTS index
        self.sketches: list[tuple] = []

    def extend(self, other: "_Rows") -> None:
        self.values += other.values
        self.checks += other.checks
        self.sketches += other.sketches
        self.search += other.search
        self.texts += other.texts


def _executemany(db, table: str, rows: list[dict]) -> None:
    if rows:
        cols = tuple(rows[0])
        db.conn.executemany(_insert_sql(table, cols), map(operator.itemgetter(*cols), rows))


def _insert_rows(db, rows: "_Rows") -> None:
    if rows.values:
        db.conn.executemany("insert into cells values (?, ?, ?, ?, ?, ?)", rows.values)
    if rows.checks:
        db.conn.executemany("insert into check_results values (?, ?, ?, ?, ?, ?)", rows.checks)
    sketches.insert(db.conn, rows.sketches)
    if rows.search:
        db.conn.executemany("insert into search_index (id, report_id, agency, province, body) "
                            "values (?, ?, ?, ?, ?)", rows.search)
    if rows.texts and search_is_current(db):  # a batch's ids (year-major) are not in order
        index_texts(db, rows.texts)


def content_digest(result: Mapping) -> str:
    """sha256 of what was read from a document: its numbers, printed cells, format and text.
    Two payloads of one address with the same digest (an HTML page whose chrome changed) are
    one version of the report: the later one's cells are not stored twice (documents.same_as)."""
    keep = {k: result.get(k) for k in ("format", "values", "raw", "absent", "sections", "title")}
    return hashlib.sha256(json.dumps(keep, ensure_ascii=False, sort_keys=True, default=str)
                          .encode("utf-8")).hexdigest()


def _stage(db, result: Mapping, capture: Any, agencies: Mapping | None = None,
           version: str | None = None) -> tuple[str | None, "_Rows"]:
    """Everything of load_parsed but the child rows, which are returned (inside a transaction)."""
    rows = _Rows()
    cap = capture_dict(capture)
    if capture is not None and cap.get("sha256") is None:
        cap["sha256"] = result.get("sha256")
    cap_id = upsert_capture(db, cap) if capture is not None else None
    agency, region, year, variant = report_key(result, cap, version)
    status = parse_status(result)
    reason = None
    if status == "not_annual_report":
        reason = "not an annual report (document_kind=not_annual_report)"
    elif not agency or year is None:
        reason = "agency or year not found in the document" + (
            f" (agency={agency!r}, year={year!r})")
    sha = result.get("sha256") or cap.get("sha256")
    if reason:
        record_error(db, sha, cap, reason, result.get("parser_version"), cap_id)
        return None, rows
    db.execute("delete from parse_errors where capture_sha256 = ?", [sha])
    ag = upsert_agency(db, agency, region,
                       (agencies or {}).get((agency, region)) or {"portal": cap.get("portal")})
    rid = f"{ag['id']}/{year}/{variant}"
    # a reloaded report keeps its key: building twice gives the same archive, byte for byte
    key = compact.report_key_of(db.conn, rid)
    if key is not None:  # a report not yet archived has nothing to take out (its rows go in with it)
        delete_report(db, rid)
    if url := (cap.get("final_url") or cap.get("url")):  # an earlier failure at this address
        for (old,) in db.execute("select id from reports where url = ? and parse_status = 'failed' "
                                 "union all select id from documents where url = ? "
                                 "and parse_status = 'failed'", [url, url]).fetchall():
            delete_report(db, old)
    checks = list(result.get("checks") or [])
    cstatus, nfailed = check_status(checks)
    values = result.get("values") or {}
    if key is None:
        key = compact.next_report_key(db.conn)
    digest = content_digest(result)
    same_as = None
    if version:  # an earlier payload of this address that reads exactly as another one
        latest = rid.rsplit("@", 1)[0]
        row = db.execute("select id from reports where id = ? and content_sha256 = ? union all "
                         "select id from documents where id = ? and content_sha256 = ?",
                         [latest, digest, latest, digest]).fetchone()
        same_as = row[0] if row else None
    _insert(db, "reports", {
        "key": key, "id": rid, "agency_id": ag["id"], "agency": agency, "region_code": region,
        "province": ag["province"], "level": ag["level"], "year": year, "variant": variant,
        "title": result.get("title") or cap.get("title"), "published": result.get("published"),
        "url": url, "capture_id": cap_id, "capture_sha256": sha,
        "fetched_at": cap.get("fetched_at"), "kind": result.get("kind"), "document_kind": result.get("document_kind"),
        "format": result.get("format"), "t2_version": result.get("t2_version"),
        "t3_version": result.get("t3_version"), "scope": result.get("scope"),
        "parse_status": status, "check_status": cstatus, "checks_failed": nfailed,
        "n_values": sum(1 for v in values.values() if v is not None),
        "warnings": _json(list(result.get("warnings") or [])),
        "parser_version": result.get("parser_version"),
        "printed_agency": result.get("agency"), "content_sha256": digest, "same_as": same_as,
        "n_documents": 1,
    })
    if same_as:  # its cells, checks and text are those of the document it reads as
        return rid, rows
    rows.values = _value_rows(db, key, result)
    rows.sketches = sketches.rows(key, values, result.get("sections") or {})
    rows.checks = _check_rows(db, key, [(c, "report") for c in checks]
                              + [(c, "text") for c in result.get("text_checks") or []])
    rows.search, rows.texts = _text_rows(db, rid, key, ag, year, result)
    return rid, rows


@functools.lru_cache(maxsize=4096)
def _list_json(items: tuple) -> str:
    """A cell's flags or a check's fields as stored (a few hundred distinct lists: cached)."""
    return _json(list(items))


def _value_rows(db, key: int, result) -> list[tuple]:
    """Rows of cells (crawler.db.compact): one per field the document has, printed or absent."""
    known = formats.all_fields()
    keys = compact.interner(db)
    values = result.get("values") or {}
    raw = result.get("raw") or {}
    prov = result.get("provenance") or {}
    flags = result.get("flags") or {}
    absent = set(result.get("absent") or [])
    field, place = keys.field, keys.place
    encode = compact.encode_raw
    rows = []
    for fid in sorted(set(values) | set(raw) | absent):
        p = prov.get(fid) or {}
        fl = flags.get(fid) or ()
        if fid in absent or fid not in known:
            fl = list(fl)
            if fid in absent and "absent" not in fl:
                fl.append("absent")
            if fid not in known:
                fl.append("unknown_field")
        value = values.get(fid)
        rows.append((
            key, field(fid), value, encode(value, raw.get(fid)),
            place(_list_json(tuple(fl)) if fl else None,
                  p.get("page"), p.get("table"), p.get("row"), p.get("col"), p.get("label")),
            p.get("confidence") if p.get("ocr") else None,
        ))
    return rows


def _check_rows(db, key: int, checks: list[tuple[Mapping, str]]) -> list[tuple]:
    """Rows of check_results: the format's rules (kind report) or the prose figures against
    the tables (kind text, advisory: not counted in the report's check_status). A rule id given
    twice keeps its last result (one result per report and rule id)."""
    keys = compact.interner(db)
    by_rule: dict[str, tuple] = {}
    for c, kind in checks:
        ok = c.get("ok")
        rule = keys.rule(c["id"], kind, c.get("severity", "error"),
                         _list_json(tuple(c.get("fields") or ())))
        by_rule[c["id"]] = (key, rule, None if ok is None else int(bool(ok)),
                            c.get("expected"), c.get("actual"), None)
    return list(by_rule.values())


def _text_rows(db, rid, key, ag, year, result) -> tuple[list[tuple], list[tuple]]:
    """Rows of search_index for the report's title and sections (each text stored once,
    compressed: crawler.db.texts), and (row id, text) for the FTS index."""
    codec = texts.codec_of(db)
    sections = result.get("sections") or {}
    unknown = set(sections) - set(SECTION_HEADINGS)
    if unknown:
        raise ValueError(f"{rid}: sections {sorted(unknown)} are not among s1 … s6")
    parts = [("title", result.get("title"))] + sorted(sections.items())
    search, index = [], []
    for part, text in parts:
        if text:
            i = text_id(year, key, part)
            search.append((i, rid, ag["name"], ag["province"], codec.pack(text)))
            index.append((i, text))
    return search, index


def record_error(db, sha, cap, reason, parser_version, cap_id=None, retryable=False) -> None:
    db["parse_errors"].upsert({
        "capture_sha256": sha, "capture_id": cap_id, "url": cap.get("final_url") or cap.get("url"),
        "agency": cap.get("agency"), "title": cap.get("title"),
        "fetched_at": cap.get("fetched_at"),
        "reason": reason, "parser_version": parser_version, "retryable": int(bool(retryable)),
    }, pk="capture_sha256")


def record_failed_report(db, cap: Mapping, reason: str, parser_version: str | None) -> str | None:
    """A report row (parse_status=failed) for a document that could not be read, when the
    capture tells its agency and the title its year, so coverage counts it as unparsed.
    A report already parsed from an earlier capture of the same address is kept instead."""
    url = cap.get("final_url") or cap.get("url")
    if url and db.execute("select 1 from reports where url = ? and parse_status != 'failed' "
                          "union all select 1 from documents where url = ? "
                          "and parse_status != 'failed'", [url, url]).fetchone():
        return None
    agency, region, year, variant = report_key({"kind": "unreadable"}, cap)
    if not agency or year is None:
        return None
    ag = upsert_agency(db, agency, region, {"portal": cap.get("portal")})
    rid = f"{ag['id']}/{year}/{variant}"
    key = compact.report_key_of(db.conn, rid)
    delete_report(db, rid)
    db["reports"].insert({
        "key": key if key is not None else compact.next_report_key(db.conn),
        "id": rid, "agency_id": ag["id"], "agency": agency, "region_code": region,
        "province": ag["province"], "level": ag["level"], "year": year, "variant": variant,
        "title": cap.get("title"), "url": url, "capture_id": capture_id(cap),
        "capture_sha256": cap.get("sha256"), "fetched_at": cap.get("fetched_at"),
        "parse_status": "failed", "check_status": "none", "checks_failed": 0, "n_values": 0,
        "warnings": _json([reason]), "parser_version": parser_version,
    })
    return rid
