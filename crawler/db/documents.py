"""A report is one report: which of its documents is canonical, and how its documents differ.

The loader writes one row per document (one payload at one address) into reports. The same
agency's report for the same year is often captured several times: an HTML page and its Word or
PDF attachment, a re-published copy at another address, an earlier payload of an address that
was replaced (a silent revision, or the same text with other page chrome). `refresh` (a step of
every build) groups a report's documents and keeps exactly one row in reports, the canonical
document; the others move to documents (same columns, plus report_id and role). Cells, check
results and sketches stay keyed by each document's key, and the values and checks views join
reports on that key, so every sum, count and query over reports, values and checks counts a
report once.

A report's documents: same agency (agency_id), same year, same scope class (an aggregate report
of a jurisdiction is another report than the agency's own) and the same agency as printed in the
title (whitespace ignored; one name ending the other counts as the same: 洪泽区人民政府 /
淮安市洪泽区人民政府; a document with none printed takes the registry's name), so a government's
column that also carries its departments' reports keeps them apart.

The canonical document (CANONICAL_RULE): the most complete text layer — read from a text layer
(parse_status parsed) before read by OCR (parsed_ocr, then ocr_review) before not read at all —,
then the most numbers read (n_values), then the most text read (characters of its sections), then
the latest capture (fetched_at), then the smallest id.
A document whose payload reads exactly as another version of its address (same_as) is never
canonical: its cells are that document's.

Roles of the others: `version` (another payload captured at the address of another document of
the report: a revision, or the same text with other bytes), `alternate` (another address: an
attachment in another format, a re-publication, a mirror).

version_diffs holds, for every document of a report that has cells of its own, each cell whose
number differs from the canonical document's (value, NULL included), and reports.revised_cells
the number of such cells over all its documents: the silent revisions only an archive shows.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any

CANONICAL_RULE = ("the most complete text layer (read from a text layer, then by OCR, then not "
                  "read), then the most numbers read, then the most text read, then the latest "
                  "capture, then the smallest id")
LAYER = {"parsed": 0, "parsed_ocr": 1, "ocr_review": 2}
ROW = ("key", "id", "agency_id", "agency", "printed_agency", "year", "scope", "url", "fetched_at",
       "parse_status", "n_values", "same_as", "kind")


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info({table})").fetchall()]


def _norm(name: str | None) -> str:
    return "".join((name or "").split())


def groups(docs: list[dict]) -> list[list[dict]]:
    """The reports among the documents of one agency and year: by scope class and printed name."""
    by_scope: dict[bool, list[dict]] = defaultdict(list)
    for d in docs:
        by_scope[(d.get("scope") or "") == "aggregate"].append(d)
    out = []
    for members in by_scope.values():
        names: list[tuple[str, list[dict]]] = []
        for d in sorted(members, key=lambda d: -len(_norm(d.get("printed_agency") or d.get("agency")))):
            name = _norm(d.get("printed_agency") or d.get("agency"))
            for other, bucket in names:
                if other == name or other.endswith(name) or name.endswith(other):
                    bucket.append(d)
                    break
            else:
                names.append((name, [d]))
        out += [bucket for _, bucket in names]
    return out


def order(members: list[dict]) -> list[dict]:
    """The documents of one report, the canonical one first (CANONICAL_RULE)."""
    out = sorted(members, key=lambda d: d["id"])
    out.sort(key=lambda d: d.get("fetched_at") or "", reverse=True)  # stable: latest first
    out.sort(key=lambda d: (d.get("same_as") is not None, LAYER.get(d.get("parse_status"), 3),
                            -(d.get("n_values") or 0), -(d.get("text_chars") or 0)))
    return out


def _role(d: dict, members: list[dict]) -> str:
    if any(o is not d and o.get("url") == d.get("url") for o in members):
        return "version"
    return "alternate"


def refresh(db) -> dict:
    """Choose each report's canonical document; move the others to documents and back.

    Only agency-years with more than one document are looked at (one index scan of reports,
    plus the documents table, which holds only the others): the national archive costs a scan
    of idx_reports_agency_order. Returns counts."""
    conn = db.conn
    shared = [c for c in _columns(conn, "reports") if c in set(_columns(conn, "documents"))]
    cols = ", ".join(f'"{c}"' for c in shared)
    sel = ", ".join(ROW)
    keys = {tuple(r) for r in conn.execute(
        "select agency_id, year from reports group by agency_id, year having count(*) > 1")}
    keys |= {tuple(r) for r in conn.execute("select distinct agency_id, year from documents")}
    moved = reports = 0
    n_docs: dict[str, int] = {}
    for agency_id, year in sorted(keys, key=lambda k: (k[0] or "", k[1] or 0)):
        docs = [dict(zip(ROW, r), table="reports") for r in conn.execute(
            f"select {sel} from reports where agency_id is ? and year is ?", [agency_id, year])]
        docs += [dict(zip(ROW, r), table="documents") for r in conn.execute(
            f"select {sel} from documents where agency_id is ? and year is ?", [agency_id, year])]
        for members in groups(docs):
            for d in members:
                d["text_chars"] = _text_chars(conn, d) if len(members) > 1 else 0
            members = order(members)
            canon = members[0]
            reports += 1
            n_docs[canon["id"]] = len(members)
            if canon["table"] == "documents":
                conn.execute(f"insert into reports ({cols}) select {cols} from documents where id = ?",
                             [canon["id"]])
                conn.execute("delete from documents where id = ?", [canon["id"]])
                _search_in(db, canon["id"], canon["key"], canon["year"])
                moved += 1
            for d in members[1:]:
                role = _role(d, members)
                if d["table"] == "reports":
                    _search_out(db, d["id"], d["key"], d["year"])
                    conn.execute(f"insert into documents ({cols}, report_id, role) "
                                 f"select {cols}, ?, ? from reports where id = ?",
                                 [canon["id"], role, d["id"]])
                    conn.execute("delete from reports where id = ?", [d["id"]])
                    moved += 1
                else:
                    conn.execute("update documents set report_id = ?, role = ? where id = ? "
                                 "and (report_id is not ? or role is not ?)",
                                 [canon["id"], role, d["id"], canon["id"], role])
    # n_documents: 1 for every report, more where documents were grouped (rows written only
    # where the count changes)
    conn.execute("update reports set n_documents = 1 where n_documents is not 1 and id not in "
                 "(select report_id from documents)")
    conn.executemany("update reports set n_documents = ? where id = ? and n_documents is not ?",
                     [(n, rid, n) for rid, n in n_docs.items()])
    return {"multi_document_groups": len(n_docs), "moved": moved}


def _text_chars(conn, d: dict) -> int:
    """Characters of a document's sections (its texts' row ids: search.text_id_range)."""
    from .search import text_id_range

    lo, _ = text_id_range(d.get("year"), d["key"])
    table = "search_index" if d["table"] == "reports" else "document_texts"
    return conn.execute(f"select coalesce(sum(length(text)), 0) from {table} "
                        "where id between ? and ?", [lo + 1, lo + 6]).fetchone()[0]


def _search_out(db, doc_id: str, key: int, year: int | None) -> None:
    """A document that is not its report's canonical one leaves the search (its text is its
    report's): its texts move from search_index to document_texts, stored as they were, under
    the same row ids (report_sections keeps showing them)."""
    from .search import index_texts, search_is_current, text_id_range

    lo, hi = text_id_range(year, key)
    if search_is_current(db):
        index_texts(db, db.execute("select id, text from search_index where id between ? and ?",
                                   [lo, hi]).fetchall(), delete=True)
    db.execute("insert or replace into document_texts (id, document_id, body) "
               "select id, ?, body from search_index where id between ? and ?", [doc_id, lo, hi])
    db.execute("delete from search_index where id between ? and ?", [lo, hi])


def _search_in(db, doc_id: str, key: int, year: int | None) -> None:
    """A document that becomes canonical enters the search with its title and sections: its
    texts move from document_texts to search_index, under the same row ids."""
    from .search import index_texts, search_is_current, text_id_range

    row = db.execute("select a.name, a.province from reports r "
                     "left join agencies a on a.id = r.agency_id where r.id = ?", [doc_id]).fetchone()
    if row is None:
        return
    name, province = row
    lo, hi = text_id_range(year, key)
    db.execute("insert into search_index (id, report_id, agency, province, body) "
               "select id, ?, ?, ?, body from document_texts where id between ? and ?",
               [doc_id, name, province, lo, hi])
    db.execute("delete from document_texts where id between ? and ?", [lo, hi])
    if search_is_current(db):
        index_texts(db, db.execute("select id, text from search_index where id between ? and ?",
                                   [lo, hi]).fetchall())


# ---------------------------------------------------------------- versions and their diffs

def _cells(conn, key: int) -> dict[str, tuple]:
    return {fid: (value, raw) for fid, value, raw in conn.execute(
        "select fk.field_id, c.value, case when typeof(c.raw) = 'blob' then cast(c.value as text) "
        "else c.raw end from cells c join field_keys fk on fk.key = c.field_key "
        "where c.report_key = ?", [key])}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return float(a) == float(b)


def diff_cells(canonical: dict[str, tuple], other: dict[str, tuple]) -> list[tuple]:
    """(field id, other's value, other's raw, canonical value, canonical raw) of every field
    whose number differs (a number against none counts)."""
    out = []
    for fid in sorted(set(canonical) | set(other)):
        cv, craw = canonical.get(fid, (None, None))
        ov, oraw = other.get(fid, (None, None))
        if not _same(cv, ov):
            out.append((fid, ov, oraw, cv, craw))
    return out


def refresh_diffs(db) -> int:
    """version_diffs and reports.revised_cells, for the reports with more than one document
    (documents lists every other document: no scan of the single-document reports)."""
    conn = db.conn
    conn.execute("delete from version_diffs")
    rows, revised = [], {}
    for rid, rkey in conn.execute("select r.id, r.key from reports r where r.id in "
                                  "(select report_id from documents) order by r.id").fetchall():
        canon = _cells(conn, rkey)
        changed: set[str] = set()
        for doc_id, dkey in conn.execute("select id, key from documents where report_id = ? "
                                         "and same_as is null order by id", [rid]).fetchall():
            for fid, ov, oraw, cv, craw in diff_cells(canon, _cells(conn, dkey)):
                rows.append((rid, doc_id, fid, ov, oraw, cv, craw))
                changed.add(fid)
        revised[rid] = len(changed)
    conn.executemany("insert into version_diffs values (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("update reports set revised_cells = null where revised_cells is not null "
                 "and id not in (select report_id from documents)")
    conn.executemany("update reports set revised_cells = ? where id = ? and revised_cells is not ?",
                     [(n, rid, n) for rid, n in revised.items()])
    return len(rows)


def report_versions(conn: sqlite3.Connection, report_id: str) -> dict[str, Any] | None:
    """Everything a report page shows of a report's documents, for any of its document ids:

        {"report_id", "canonical_rule",
         "documents": [{document_id, role ('canonical' | 'version' | 'alternate'), kind, url,
                        capture_sha256, capture_id, fetched_at, first_captured, last_captured,
                        title, published, parse_status, n_values, same_as, changed_cells}, ...]
                       (oldest first capture first),
         "diffs": {document_id: [{field_id, table, row_label, column_label, unit,
                                  document_value, document_raw, canonical_value,
                                  canonical_raw}, ...]}}

    None when no report or document has that id. Reads a few primary-key ranges."""
    row = conn.execute("select report_id from documents where id = ?", [report_id]).fetchone()
    rid = row[0] if row else report_id
    cols = ("document_id", "role", "kind", "url", "capture_sha256", "capture_id", "fetched_at",
            "title", "published", "parse_status", "n_values", "same_as")
    docs = [dict(zip(cols, r)) for r in conn.execute(
        f"select {', '.join(cols)} from report_documents where report_id = ?", [rid])]
    if not docs:
        return None
    diffs: dict[str, list[dict]] = defaultdict(list)
    for r in conn.execute(
            "select d.document_id, d.field_id, f.\"table\", f.row_label, f.column_label, f.unit, "
            "d.document_value, d.document_raw, d.canonical_value, d.canonical_raw "
            "from version_diffs d left join fields f on f.id = d.field_id "
            "where d.report_id = ? order by d.document_id, d.field_id", [rid]):
        diffs[r[0]].append(dict(zip(("field_id", "table", "row_label", "column_label", "unit",
                                     "document_value", "document_raw", "canonical_value",
                                     "canonical_raw"), r[1:])))
    for d in docs:
        first, last = conn.execute("select min(fetched_at), max(fetched_at) from captures "
                                   "where sha256 = ? and coalesce(final_url, url) = ?",
                                   [d["capture_sha256"], d["url"]]).fetchone()
        d["first_captured"] = first or d["fetched_at"]
        d["last_captured"] = last or d["fetched_at"]
        d["changed_cells"] = len(diffs.get(d["document_id"], ())) if d["role"] != "canonical" else 0
    docs.sort(key=lambda d: (d["first_captured"] or "", d["document_id"]))
    return {"report_id": rid, "canonical_rule": CANONICAL_RULE, "documents": docs,
            "diffs": dict(diffs)}
