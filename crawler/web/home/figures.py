"""What the home page reads from archive.db (no Datasette here): the archive in figures, the
search grouped by report, the newest reports.

The figures come from what every build already counts (archive_info, and the facet counts of
`reports` when they are fresh: crawler.db.facet_counts), so the page costs the same at a few
reports as at a million; an archive without them is counted live.
"""
from __future__ import annotations

import html
import re
import sqlite3
import urllib.parse
from collections import OrderedDict

from crawler.db import dictionary, facet_counts

ROUTE = "/-/report/"
READ = ("parsed", "parsed_ocr", "ocr_review")      # reports whose tables were read
OCR = ("parsed_ocr", "ocr_review")                  # scans read by OCR
CHECKED = ("pass", "fail", "warning", "undecidable")


def report_path(report_id: str) -> str:
    return ROUTE + urllib.parse.quote(report_id, safe="/")


def pct(part, whole) -> str:
    if not whole or part is None:
        return "—"
    return f"{100.0 * part / whole:.1f} %"


def _fresh_counts(conn: sqlite3.Connection, col: str) -> list[tuple] | None:
    """facet_counts of reports.<col> when they still describe the table as it is, else None."""
    try:
        meta = conn.execute("select fingerprint, distinct_values, stored from facet_columns "
                            "where tbl = 'reports' and col = ?", [col]).fetchone()
    except sqlite3.Error:
        return None
    if not meta or meta[1] != meta[2]:
        return None

    def execute(sql, params):
        return conn.execute(sql, params).fetchall()

    if facet_counts.fingerprint(execute, ["reports"]) != meta[0]:
        return None
    return conn.execute("select value, n from facet_counts where tbl = 'reports' and col = ?",
                        [col]).fetchall()


def _counts(conn: sqlite3.Connection, col: str) -> dict:
    rows = _fresh_counts(conn, col)
    if rows is None:
        rows = conn.execute(f"select {col}, count(*) from reports where {col} is not null "
                            f"group by {col}").fetchall()
    return {v: n for v, n in rows}


def figures(conn: sqlite3.Connection) -> dict:
    info = {k: v for k, v in conn.execute("select key, value from archive_info")}
    status = _counts(conn, "parse_status")
    checks = _counts(conn, "check_status")
    provinces = _counts(conn, "province")
    years = [int(y) for y in (info.get("years") or "").split(",") if y.strip().isdigit()]
    if not years:
        years = [r[0] for r in conn.execute("select distinct year from reports where year is not null order by year")]

    def num(key, sql):
        v = info.get(key)
        return int(v) if v not in (None, "") else conn.execute(sql).fetchone()[0]

    reports = num("reports", "select count(*) from reports")
    checked = sum(checks.get(s, 0) for s in CHECKED)
    return {
        "snapshot": info.get("snapshot_date"),
        "first_capture": info.get("first_capture"), "last_capture": info.get("last_capture"),
        "captures": num("captures", "select count(*) from captures"),
        "reports": reports,
        "read": sum(status.get(s, 0) for s in READ),
        "ocr": sum(status.get(s, 0) for s in OCR),
        "ocr_review": status.get("ocr_review", 0),
        "not_read": {s: n for s, n in status.items() if s not in READ},
        "agencies": num("agencies", "select count(*) from agencies"),
        "years": years,
        "provinces": len(provinces),
        "by_province": sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0])),
        "checked": checked,
        "failing": checks.get("fail", 0),
        "undecidable": checks.get("undecidable", 0),
        "passing": checks.get("pass", 0) + checks.get("warning", 0),
        "parse_errors": conn.execute("select count(*) from parse_errors").fetchone()[0],
        "parser_version": info.get("parser_version"),
        "formats": info.get("format_versions"),
    }


async def cached(db) -> dict:
    """The figures of the database as served; computed once per snapshot of an immutable file."""
    f = getattr(db, "_ogi_home_figures", None)
    if f is None:
        f = await db.execute_fn(figures)
        if not db.is_mutable:
            db._ogi_home_figures = f
    return f


RECENT_COLUMNS = ("id", "title", "agency", "year", "province", "format", "check_status", "parse_status")


def recent_reports(conn: sqlite3.Connection, limit: int = 12) -> list[dict]:
    """The newest reports whose tables were read (year, then the last loaded): a way in to
    report pages. Read through the (parse_status, year) index one status and one year at a
    time, newest year first, so that it reads a few index rows at any size (ordered over every
    report of the newest year at once, it read and sorted ~190,000 rows: 20 s cold on the
    national archive)."""
    cols = ", ".join(RECENT_COLUMNS)

    def newest_year(below=None) -> int | None:
        years = [conn.execute("select max(year) from reports where parse_status = ?"
                              + (" and year < ?" if below is not None else ""),
                              [s] + ([below] if below is not None else [])).fetchone()[0] for s in READ]
        years = [y for y in years if y is not None]
        return max(years) if years else None

    out: list[tuple] = []
    year = newest_year()
    while year is not None and len(out) < limit:
        rows = []
        for status in READ:
            rows += conn.execute(f"select rowid, {cols} from reports where parse_status = ? and year = ? "
                                 "order by rowid desc limit ?", [status, year, limit - len(out)]).fetchall()
        out += sorted(rows, key=lambda r: -r[0])[:limit - len(out)]
        year = newest_year(below=year)
    return [dict(zip(RECENT_COLUMNS, r[1:])) for r in out]


def _highlight(text: str, q: str) -> str:
    """The excerpt as HTML with the words of the query marked."""
    out = html.escape(text or "")
    for word in sorted({w for w in q.split() if w}, key=len, reverse=True):
        out = re.sub(re.escape(html.escape(word)), lambda m: f"<mark>{m.group(0)}</mark>", out)
    return out


PART_NAMES = {"title": "标题 title", "s1": "一", "s2": "二", "s3": "三", "s4": "四", "s5": "五", "s6": "六"}


def search(conn: sqlite3.Connection, q: str, max_reports: int, excerpts: int) -> dict:
    """The canned query `search` (crawler.db.dictionary), its matches grouped by report in its
    order (newest years first), each report with its title and up to `excerpts` excerpts."""
    sql = dictionary.CANNED["search"]["sql"]
    try:
        cur = conn.execute(sql, {"q": q})
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    except sqlite3.Error as exc:
        return {"error": f"the search could not run: {exc}", "reports": [], "matches": 0,
                "report_count": 0, "capped": False}
    by_report: OrderedDict[str, list] = OrderedDict()
    for r in rows:
        by_report.setdefault(r["report_id"], []).append((r.get("part"), r.get("heading"), r.get("excerpt")))
    ids = list(by_report)[:max_reports]
    meta = {}
    for i in range(0, len(ids), 400):
        chunk = ids[i:i + 400]
        marks = ",".join("?" for _ in chunk)
        for rid, title, agency, year, province, fmt, check_status, document_kind in conn.execute(
                f"select id, title, agency, year, province, format, check_status, document_kind "
                f"from reports where id in ({marks})", chunk):
            meta[rid] = {"title": title, "agency": agency, "year": year, "province": province,
                         "format": fmt, "check_status": check_status, "document_kind": document_kind}
    reports = []
    for rid in ids:
        m = meta.get(rid, {"title": None})
        hits = by_report[rid]
        reports.append({
            "id": rid, **m, "title": m.get("title") or rid, "n": len(hits),
            "excerpts": [{"part": PART_NAMES.get(p, p), "heading": h,
                          "html": _highlight(e, q)} for p, h, e in hits[:excerpts]],
        })
    return {"reports": reports, "matches": len(rows), "report_count": len(by_report),
            "capped": len(rows) >= 500, "error": None}
