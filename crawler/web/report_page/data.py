"""What a report page shows, read from archive.db by report id (no Datasette here).

    page(conn, report_id) -> dict | None

The three national tables are laid out from the format data (parsers/formats/formats.yml) of the
report's own format version: column and row heads from the labels' levels (" / " separates
them), each cell with the printed text, its value, flags, provenance and the checks it takes
part in. Every query is a look-up by report id or agency id, or by province and year (indexes
idx_reports_agency_order, idx_reports_peers, the primary keys of cells and checks): a page costs
the same at 10 reports as at a million.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from typing import Any, Iterable

from parsers import formats

# the levels of a label (法人或其他组织 / 商业企业; 三、本年度办理结果 /（一）予以公开): a slash with
# a space on at least one side (本年增/减 is one label)
_LEVEL = re.compile(r"\s+/\s*|\s*/\s+")


def levels(label: str) -> list[str]:
    return [p for p in _LEVEL.split(label) if p]
# table 三 fields the charts and the peer comparison read (the 总计 column)
NEW, CONCLUDED = "t3.new.total", "t3.result.total.total"


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[dict]:
    cur = conn.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def head_cells(paths: list[list[str]]) -> list[list[dict]]:
    """Merged heads of leaves whose labels have levels (['法人或其他组织', '商业企业']).

    Returns one list per level: the cells that start at that level, each {label, start (leaf
    index), along (leaves spanned), across (levels spanned), level, leaf (a leaf's own label)}.
    Leaves sharing a label prefix share its cell; a leaf with fewer levels spans the missing
    ones with its last label. For column heads `along` is the colspan and `across` the
    rowspan, for row heads the reverse.
    """
    depth = max((len(p) for p in paths), default=0)
    levels: list[list[dict]] = [[] for _ in range(depth)]
    for i in range(depth):
        j = 0
        while j < len(paths):
            p = paths[j]
            if i >= len(p):
                j += 1
                continue
            if i == len(p) - 1:  # the leaf's own label: down (or across) to the last level
                levels[i].append({"label": p[i], "start": j, "along": 1, "across": depth - i,
                                  "level": i, "leaf": True})
                j += 1
                continue
            k = j + 1
            while k < len(paths) and len(paths[k]) > i + 1 and paths[k][:i + 1] == p[:i + 1]:
                k += 1
            levels[i].append({"label": p[i], "start": j, "along": k - j, "across": 1, "level": i,
                              "leaf": False})
            j = k
    return levels


def t3_rows(version: str, t3_version: str | None) -> list[formats.RowDef]:
    """Table 三's rows as printed: the format's rows with （六） as the report printed it (a
    hybrid prints the 2019 single row in a 2021 report), as parsers.checks reads them."""
    rows = [r for r in formats.get(version).t3_rows if not r.key.startswith("result.other.")]
    other = [r for r in formats.get(t3_version or version).t3_rows if r.key.startswith("result.other.")]
    pos = next(i for i, r in enumerate(rows) if r.key == "result.total")
    return rows[:pos] + other + rows[pos:]


def _cell(fid: str, values: dict, checks_of: dict) -> dict:
    v = values.get(fid)
    cks = checks_of.get(fid, [])
    failing = [c for c in cks if c["status"] == "fail"]
    cell = {"id": fid, "known": v is not None, "checks": cks, "failing": failing}
    if v is None:  # no row in values: the format has the field but the report was not loaded with it
        cell.update(raw=None, value=None, flags=["absent"])
        return cell
    flags = json.loads(v["flags"]) if v.get("flags") else []
    cell.update(raw=v["raw"], value=v["value"], flags=flags, page=v["page"],
                table_index=v["table_index"], row_index=v["row_index"], col_index=v["col_index"],
                printed_label=v["printed_label"], row_label=v["row_label"],
                column_label=v["column_label"], unit=v["unit"])
    return cell


def _grid(rows: list[tuple[str, list[str]]], cols: list[tuple[str, list[str]]], prefix: str,
          values: dict, checks_of: dict) -> dict:
    """A table: column heads, then per row its head cells and one cell per column."""
    col_heads = head_cells([c[1] for c in cols])
    row_heads = head_cells([r[1] for r in rows])
    starts = defaultdict(list)
    for level in row_heads:
        for h in level:
            starts[h["start"]].append(h)
    body = []
    for i, (rkey, _) in enumerate(rows):
        body.append({"key": rkey, "heads": starts.get(i, []),
                     "cells": [_cell(f"{prefix}.{rkey}.{ckey}", values, checks_of) for ckey, _ in cols]})
    return {"col_heads": col_heads, "row_head_width": len(row_heads), "rows": body}


def tables(fmt_version: str, t2_version: str | None, t3_version: str | None, values: dict,
           checks_of: dict) -> list[dict]:
    """Tables 二, 三 and 四 of a report laid out as its format prints them."""
    out = []
    t2 = formats.get(t2_version if t2_version in formats.VERSIONS else fmt_version)
    blocks = []
    for b in t2.t2_blocks:
        blocks.append({"caption": b.caption, **_grid(
            [(r.key, [r.label]) for r in b.rows], [(c.key, [c.label]) for c in b.columns], "t2",
            values, checks_of)})
    out.append({"key": "t2", "name": formats.TABLE_NAMES["t2"], "title": formats.TABLE_TITLES["t2"],
                "version": t2.version, "blocks": blocks})
    fmt = formats.get(fmt_version)
    rows = t3_rows(fmt_version, t3_version)
    grid = _grid([(r.key, levels(r.label)) for r in rows],
                 [(c.key, levels(c.label)) for c in fmt.t3_columns], "t3", values, checks_of)
    out.append({"key": "t3", "name": formats.TABLE_NAMES["t3"], "title": formats.TABLE_TITLES["t3"],
                "version": t3_version or fmt_version, "blocks": [{"caption": None, **grid}]})
    # table 四 is one printed row: the blocks' labels over their columns' labels (15 cells)
    cols = [(f"{b.key}.{c.key}", levels(b.label) + [c.label]) for b in fmt.t4_blocks
            for c in fmt.t4_columns]
    col_heads = head_cells([c[1] for c in cols])
    cells = [_cell(f"t4.{key}", values, checks_of) for key, _ in cols]
    out.append({"key": "t4", "name": formats.TABLE_NAMES["t4"], "title": formats.TABLE_TITLES["t4"],
                "version": fmt_version, "blocks": [{"caption": None, "col_heads": col_heads,
                                                    "row_head_width": 0,
                                                    "rows": [{"key": "", "heads": [], "cells": cells}]}]})
    return out


def outcome_groups(version: str) -> list[tuple[str, str, list[str]]]:
    """(key, printed label, 总计 field ids) of each result category of table 三 (（一）予以公开 …)."""
    groups: dict[str, tuple[str, list[str]]] = {}
    # this version's rows first, then the other version's (a hybrid prints the other （六）)
    for v in sorted(formats.VERSIONS, key=lambda x: x != version):
        for r in formats.get(v).t3_rows:
            if not r.result_leaf:
                continue
            parts = levels(r.label)
            ids = groups.setdefault(r.key.split(".")[1], (parts[1] if len(parts) > 1 else parts[0], []))[1]
            if f"t3.{r.key}.total" not in ids:
                ids.append(f"t3.{r.key}.total")
    return [(k, label, ids) for k, (label, ids) in groups.items()]


def _value_map(conn, report_ids: list[str], field_ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    if not report_ids or not field_ids:
        return out
    fmarks = ",".join("?" for _ in field_ids)
    for rid in report_ids:  # one primary-key range per report
        for fid, value in conn.execute(
                f'select field_id, value from "values" where report_id = ? and field_id in ({fmarks})',
                [rid, *field_ids]):
            out[rid][fid] = value
    return out


def history(conn, report: dict) -> dict:
    """The agency's reports year by year (one per year: the one with most values), with new
    applications, concluded and the result categories from table 三's 总计 column."""
    reps = _rows(conn, "select id, year, format, scope, n_values, parse_status from reports "
                       "where agency_id = ? order by year, id", [report["agency_id"]])
    per_year: dict[int, dict] = {}
    for r in reps:
        if r["year"] is None or r["parse_status"] != "parsed":
            continue
        best = per_year.get(r["year"])
        if r["id"] == report["id"] or best is None or (
                best["id"] != report["id"] and (r["n_values"] or 0) > (best["n_values"] or 0)):
            per_year[r["year"]] = r
    groups = outcome_groups(report.get("format") or "2021")
    fids = sorted({NEW, CONCLUDED} | {f for _, _, ids in groups for f in ids})
    vals = _value_map(conn, [r["id"] for r in per_year.values()], fids)
    years = []
    for year in sorted(per_year):
        r = per_year[year]
        v = vals.get(r["id"], {})
        outcomes = []
        for key, label, ids in groups:
            present = [v[f] for f in ids if v.get(f) is not None]
            outcomes.append({"key": key, "label": label, "value": sum(present) if present else None})
        years.append({"year": year, "report_id": r["id"], "format": r["format"],
                      "new": v.get(NEW), "concluded": v.get(CONCLUDED), "outcomes": outcomes,
                      "current": r["id"] == report["id"]})
    return {"years": years, "groups": [(k, label) for k, label, _ in groups]}


def peers(conn, report: dict) -> dict | None:
    """Where the report stands among the parsed reports of the same province, level and year
    (new applications, table 三 总计 column), one report per agency (the first by agency name,
    then id; this one for its own agency); aggregate reports are compared with aggregates.
    Read from the build's report_peers (crawler.db.peers), else live."""
    if not report.get("province") or not report.get("level") or report.get("year") is None:
        return None
    agg = report.get("scope") == "aggregate"
    if not _has(conn, "report_peers", {"grp", "report_key", "value"}) or \
            conn.execute("select 1 from peer_groups limit 1").fetchone() is None:
        return _ranked(report, agg, _peers_live(conn, report, agg))
    grp = conn.execute("select key from peer_groups where province = ? and year = ? and "
                       "level = ? and aggregate = ?",
                       [report["province"], report["year"], report["level"], int(agg)]).fetchone()
    rows = [] if grp is None else _rows(
        conn, "select agency_id, report_key as key, agency, value from report_peers "
              "where grp = ?", [grp[0]])
    own = report.get("agency_id") or ""
    if report.get("parse_status") == "parsed":
        mine = conn.execute('select value from "values" where report_id = ? and field_id = ?',
                            [report["id"], NEW]).fetchall()
        if mine:  # it stands for its agency
            rows = [r for r in rows if r["agency_id"] != own]
            rows.append({"agency_id": own, "key": report.get("key"), "agency": report.get("agency"),
                         "value": mine[0][0], "id": report["id"]})
    ranked = sorted((r for r in rows if r["value"] is not None),
                    key=lambda r: (-r["value"], r["agency"] or ""))
    shown = [r for i, r in enumerate(ranked) if i < 5 and "id" not in r]
    if shown:
        ids = dict(conn.execute(f"select key, id from reports where key in "
                                f"({','.join('?' * len(shown))})", [r["key"] for r in shown]))
        for r in shown:
            r["id"] = ids.get(r["key"])
    for r in rows:
        r["agency_id"] = r["agency_id"] or None
    return _ranked(report, agg, ranked, ordered=True)


def _peers_live(conn, report: dict, agg: bool) -> list[dict]:
    # +parse_status: the province and year index picks the peers (~7k of 1.3M reports); the
    # parse-status index would read every parsed report of the year
    rows = _rows(conn, """select r.id, r.agency, r.agency_id, v.value
        from reports r join "values" v on v.report_id = r.id and v.field_id = ?
        where r.province = ? and r.year = ? and r.level = ? and +r.parse_status = 'parsed'
          and (coalesce(r.scope, '') = 'aggregate') = ?
        order by r.agency, r.id""",
                 [NEW, report["province"], report["year"], report["level"], agg])
    by_agency: dict[str, dict] = {}
    for r in rows:  # one report per agency: this one for its own agency
        if r["agency_id"] not in by_agency or r["id"] == report["id"]:
            by_agency[r["agency_id"]] = r
    return list(by_agency.values())


def _ranked(report: dict, agg: bool, rows: list[dict], ordered: bool = False) -> dict:
    ranked = rows if ordered else sorted((r for r in rows if r["value"] is not None),
                                         key=lambda r: (-r["value"], r["agency"] or ""))
    me = next((i for i, r in enumerate(ranked) if r.get("id") == report["id"]), None)
    vals = sorted(r["value"] for r in ranked)
    median = None
    if vals:
        mid = len(vals) // 2
        median = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
    return {"province": report["province"], "level": report["level"], "year": report["year"],
            "scope": "aggregate" if agg else "own", "count": len(ranked),
            "rank": None if me is None else me + 1, "median": median,
            "value": ranked[me]["value"] if me is not None else None,
            "top": [{k: r.get(k) for k in ("id", "agency", "agency_id", "value")} for r in ranked[:5]],
            "values": [r["value"] for r in ranked],
            "me": me}


def _checks(conn, report_id: str, field_ids: set[str]) -> tuple[list[dict], dict[str, list]]:
    checks = _rows(conn, "select rule_id, kind, status, ok, expected, actual, severity, fields, "
                         "previous_report_id from checks where report_id = ? order by kind, rule_id",
                   [report_id])
    of_field: dict[str, list] = defaultdict(list)
    for c in checks:
        c["fields"] = json.loads(c["fields"]) if c["fields"] else []
        c["this_year"] = [f for f in c["fields"] if f in field_ids]
        c["last_year"] = [f.rsplit(":", 1)[1] for f in c["fields"] if f not in field_ids and ":" in f]
        for f in c["this_year"]:
            of_field[f].append(c)
    return checks, of_field


def page(conn: sqlite3.Connection, report_id: str) -> dict | None:
    found = _rows(conn, "select * from reports where id = ?", [report_id])
    if not found:
        return None
    report = found[0]
    capture = None
    if report.get("capture_id"):
        caps = _rows(conn, "select id, url, final_url, fetched_at, sha256, size, content_type, "
                           "status, warc_file, warc_offset, run_id from captures where id = ?",
                     [report["capture_id"]])
        capture = caps[0] if caps else None
    values = {v["field_id"]: v for v in _rows(conn, 'select * from "values" where report_id = ?',
                                               [report_id])}
    checks, of_field = _checks(conn, report_id, set(values))
    out = {"report": report, "capture": capture, "checks": checks,
           "failing": [c for c in checks if c["status"] == "fail"],
           "warnings": json.loads(report["warnings"]) if report.get("warnings") else [],
           "tables": [], "history": None, "peers": None}
    if report.get("format") in formats.VERSIONS:
        out["tables"] = tables(report["format"], report.get("t2_version"),
                               report.get("t3_version"), values, of_field)
        out["history"] = history(conn, report)
        out["peers"] = peers(conn, report)
    out["check_summary"] = check_summary(checks)
    out["versions"] = versions(conn, report, capture)
    out["documents"] = documents(conn, report)
    _mark_changes(out["tables"], out["versions"]["changes"])
    return out


def documents(conn: sqlite3.Connection, report: dict) -> list[dict]:
    """Every document of the report, the canonical one first: the forms it was published in
    (an HTML page and its Word attachment) and its versions, each with its original."""
    if not _has(conn, "report_documents", {"report_id", "document_id", "role"}):
        return []
    from crawler.db.documents import report_versions

    found = report_versions(conn, report["id"]) or {"documents": []}
    order = {"canonical": 0, "alternate": 1, "version": 2}
    return sorted(found["documents"], key=lambda d: (order.get(d["role"], 3),
                                                    d["first_captured"] or ""))


def _mark_changes(tables_: list[dict], changes: list[dict]) -> None:
    """Each cell a revision changed carries its changes (oldest first)."""
    by_field: dict[str, list] = defaultdict(list)
    for c in changes:
        by_field[c["field_id"]].append(c)
    for t in tables_:
        for b in t["blocks"]:
            for row in b["rows"]:
                for cell in row["cells"]:
                    cell["changes"] = by_field.get(cell["id"], [])


# ------------------------------------------------------------------ checks in numbers

STATUSES = ("pass", "fail", "undecidable")


def check_summary(checks: list[dict]) -> dict:
    """How many checks held, failed and could not be decided, over all and per kind, and a
    verdict that never says "pass" when most checks could not be decided."""
    def count(rows):
        c = {s: 0 for s in STATUSES}
        for r in rows:
            c[r["status"] if r["status"] in c else "undecidable"] += 1
        c["total"] = len(rows)
        return c

    out = count(checks)
    out["by_kind"] = {k: count([c for c in checks if c["kind"] == k])
                      for k in ("report", "text", "cross")}
    if not checks:
        verdict = "none"
    elif out["fail"]:
        verdict = "fail"
    elif out["undecidable"] * 2 > out["total"]:
        verdict = "mostly undecidable"
    elif out["undecidable"]:
        verdict = "pass where decidable"
    else:
        verdict = "pass"
    out["verdict"] = verdict
    return out


# ------------------------------------------------------------------ versions (silent revisions)

# A report's versions: the same report captured again later with other bytes (a silent
# revision). The archive's data side records them; this page only reads them, through two
# tables it may lack (an archive built before revisions were recorded):
#
#   report_versions(report_id TEXT, version INTEGER,      -- 1 = the first captured
#                   capture_id TEXT, sha256 TEXT, url TEXT, fetched_at TEXT)
#   report_version_changes(report_id TEXT, version INTEGER, -- the newer of two consecutive versions
#                   field_id TEXT, before_raw TEXT, after_raw TEXT,
#                   before_value NUMERIC, after_value NUMERIC)
#
# Absent, or without rows for the report: the report has one version, its own capture.
def _has(conn, table: str, columns: set[str]) -> bool:
    cols = {r[1] for r in conn.execute(f"pragma table_info({table})")}  # [] when absent
    return columns <= cols


def versions(conn: sqlite3.Connection, report: dict, capture: dict | None = None) -> dict:
    """{versions: [{version, capture_id, sha256, url, fetched_at, current}], changes:
    [{version, field_id, table, row_label, column_label, before_raw, after_raw, before, after}],
    recorded: whether the archive records versions at all}, oldest version first.

    The versions of a report are its canonical document and the earlier or later payloads its
    address held (crawler.db.documents: role ``version``; an alternate form, such as the Word
    file beside an HTML page, is no version). ``changes`` compare consecutive versions, from
    each document's differences with the canonical one (table ``version_diffs``)."""
    own = {"version": 1, "capture_id": report.get("capture_id"),
           "sha256": report.get("capture_sha256"), "url": report.get("url"),
           "fetched_at": (capture or {}).get("fetched_at") or report.get("fetched_at"), "current": True}
    if not _has(conn, "report_documents", {"report_id", "document_id", "role"}):
        return {"versions": [own], "changes": [], "recorded": False}
    from crawler.db.documents import report_versions

    found = report_versions(conn, report["id"]) or {"documents": [], "diffs": {}}
    docs = [d for d in found["documents"] if d["role"] in ("canonical", "version")]
    if len(docs) < 2:
        return {"versions": [own], "changes": [], "recorded": True}
    canonical: dict[str, tuple] = {}   # field id -> (value, raw) in the canonical document
    labels: dict[str, dict] = {}
    differs: dict[str, dict[str, tuple]] = {}
    for doc_id, rows in found["diffs"].items():
        for r in rows:
            canonical[r["field_id"]] = (r["canonical_value"], r["canonical_raw"])
            labels[r["field_id"]] = r
            differs.setdefault(doc_id, {})[r["field_id"]] = (r["document_value"], r["document_raw"])

    def value(doc: dict, field: str) -> tuple:
        if doc["role"] == "canonical":
            return canonical[field]
        return differs.get(doc["document_id"], {}).get(field, canonical[field])

    out = [{"version": n, "capture_id": d["capture_id"], "sha256": d["capture_sha256"],
            "url": d["url"], "fetched_at": d["first_captured"], "current": d["role"] == "canonical"}
           for n, d in enumerate(docs, 1)]
    changes = []
    for n in range(1, len(docs)):
        for field in sorted(canonical):
            (bv, br), (av, ar) = value(docs[n - 1], field), value(docs[n], field)
            if (bv, br) != (av, ar):
                lab = labels[field]
                changes.append({"version": n + 1, "field_id": field, "table": lab["table"] or "",
                                "row_label": lab["row_label"] or "",
                                "column_label": lab["column_label"] or "",
                                "before_raw": br, "after_raw": ar, "before": bv, "after": av})
    return {"versions": out, "changes": changes, "recorded": True}
