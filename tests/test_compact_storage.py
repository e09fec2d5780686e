"""Compact storage (crawler/db/compact.py): the `values` and `checks` views give exactly the rows
the former wide tables held, and an archive of the former layout migrates to the same answers.

* The views against the former loader's rules, written out here from the parse results
  (every column of every row, JSON flag lists, raw text, provenance, cross-year fields).
* Before/after: the archive is materialised in the former layout (wide tables, the migration
  not applied), every canned query (the former SQL of the two that changed), every view and
  the exports are read; then the archive is migrated and read again: the same rows.
"""
from __future__ import annotations

import copy
import json
import random
import shutil
import sqlite3

import pytest

from crawler.db import build, compact, dictionary, export, load, schema
from testbed import synthetic_archive as synthetic
from parsers import formats

# The canned queries as they read the former tables (the SQL before migration 0013).
FORMER_SQL = {
    "failing_checks": """select r.agency, r.year, c.rule_id, c.severity, c.expected, c.actual, c.fields,
    c.report_id, r.url, r.capture_sha256
from checks c join reports r on r.id = c.report_id
where c.status = 'fail' and c.kind = 'report'
order by c.report_id, c.rule_id""",
    "carry_mismatch": """select r.agency, c.year, c.rule_id, c.actual as carried_over_this_year,
    c.expected as carried_forward_last_year, c.report_id, c.previous_report_id
from checks c join reports r on r.id = c.report_id
where c.rule_id like 'rule.cross.carry.%' and c.status = 'fail'
order by r.agency, c.year, c.rule_id""",
}

FORMER_TABLES = """
CREATE TABLE "values" (
    report_id TEXT NOT NULL REFERENCES reports(id), field_id TEXT NOT NULL REFERENCES fields(id),
    "table" TEXT, row_label TEXT, column_label TEXT, value NUMERIC, raw TEXT, unit TEXT,
    flags TEXT, agency_id TEXT, year INTEGER, province TEXT, capture_sha256 TEXT, url TEXT,
    page INTEGER, table_index INTEGER, row_index INTEGER, col_index INTEGER,
    printed_label TEXT, ocr_confidence REAL, PRIMARY KEY (report_id, field_id));
CREATE INDEX idx_values_field ON "values" (field_id, year);
CREATE TABLE checks (
    report_id TEXT NOT NULL REFERENCES reports(id), rule_id TEXT NOT NULL, kind TEXT,
    status TEXT, ok INTEGER, expected NUMERIC, actual NUMERIC, severity TEXT, fields TEXT,
    previous_report_id TEXT, agency_id TEXT, year INTEGER, province TEXT,
    PRIMARY KEY (report_id, rule_id));
CREATE INDEX idx_checks_status ON checks (status, severity);
CREATE INDEX idx_checks_rule ON checks (rule_id, status);
CREATE INDEX idx_checks_failing ON checks (report_id, rule_id) WHERE status = 'fail' AND kind = 'report';
"""


def _varied(results: list[dict]) -> list[dict]:
    """Synthetic parse results with the variety real ones have: printed text that is not the
    number (1,234 / 12.0 / ０), decimals, several flags in any order, rows not printed, ids the
    format does not know, OCR confidence, pages, labels as printed or missing, text checks
    (one repeating a rule id: the later result stands)."""
    rng = random.Random(11)
    out = []
    for n, res in enumerate(results):
        res = copy.deepcopy(res)
        fids = sorted(res["values"])
        for fid in rng.sample(fids, 6):
            kind = rng.randrange(7)
            v = res["values"][fid]
            if kind == 0 and isinstance(v, int):
                res["raw"][fid] = f"{v:,}" if v >= 1000 else f"{v}.0"
            elif kind == 1:
                res["values"][fid], res["raw"][fid] = 12.5, "12.5"
            elif kind == 2:
                res["flags"][fid] = rng.choice([["positional", "label_variant"],
                                                ["label_variant", "positional"], ["ocr", "low_confidence"]])
            elif kind == 3:
                res["values"].pop(fid)
                res["raw"].pop(fid)
                res["absent"].append(fid)
            elif kind == 4:
                res["provenance"][fid] = {"table": 1, "page": 3, "row": 2, "col": 4, "label": None}
            elif kind == 5:
                res["provenance"][fid] = {**res["provenance"][fid], "ocr": True, "confidence": 87.5,
                                          "label": "（一）" + res["provenance"][fid]["label"]}
            else:
                res["raw"][fid] = None if rng.random() < 0.5 else "０"
        if n % 5 == 0:
            res["values"]["t9.unknown.field"] = 3
            res["raw"]["t9.unknown.field"] = "3"
        if n % 4 == 0 and res["checks"]:
            res["text_checks"] = [{"id": "text.s1.new", "ok": n % 8 == 0, "expected": 5,
                                   "actual": 6, "severity": "warning", "fields": ["t3.new.total"]},
                                  {**res["checks"][0], "ok": None}]
        out.append(res)
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compact")
    path = tmp / "new.db"
    db = build.open_db(path)
    build.load_fields(db)
    made = list(synthetic.generate(160, seed=5))
    results = _varied([res for _, res, _ in made])
    items = [(res, cap) for (_, _, cap), res in zip(made, results)]
    agencies = {(ag["name"], ag["region_code"]): ag for ag, _, _ in made}
    load.load_many(db, items[:100], agencies=agencies)
    for res, cap in items[100:]:  # the one-document path too
        load.load_parsed(db, res, cap)
    build.refresh_derived(db, None)
    db.close()
    return path, items


def rows(path, sql, params=()):
    conn = sqlite3.connect(path)
    from crawler.web.plugin import prepare_connection
    prepare_connection(conn)
    try:
        cur = conn.execute(sql, params)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        conn.close()


def _former_value_rows(rid, rep, res) -> list[tuple]:
    """What the loader wrote into the former wide `values` table for one parse result."""
    known = formats.all_fields()
    prov = res.get("provenance") or {}
    absent = set(res.get("absent") or [])
    out = []
    for fid in sorted(set(res["values"]) | set(res["raw"]) | absent):
        f = known.get(fid)
        p = prov.get(fid) or {}
        fl = list(res["flags"].get(fid) or ())
        if fid in absent and "absent" not in fl:
            fl.append("absent")
        if f is None:
            fl.append("unknown_field")
        out.append((rid, fid, f.table_name if f else None, f.row_label if f else None,
                    f.column_label if f else None, res["values"].get(fid), res["raw"].get(fid),
                    f.unit if f else None,
                    json.dumps(fl, ensure_ascii=False, sort_keys=True) if fl else None,
                    rep["agency_id"], rep["year"], rep["province"], rep["capture_sha256"],
                    rep["url"], p.get("page"), p.get("table"), p.get("row"), p.get("col"),
                    p.get("label"), p.get("confidence") if p.get("ocr") else None))
    return out


def _former_check_rows(rid, rep, res) -> list[tuple]:
    by_rule = {}
    for c, kind in [(c, "report") for c in res["checks"]] + [(c, "text") for c in res["text_checks"]]:
        ok = c.get("ok")
        by_rule[c["id"]] = (rid, c["id"], kind, {True: "pass", False: "fail"}.get(ok, "undecidable"),
                            None if ok is None else int(bool(ok)), c.get("expected"), c.get("actual"),
                            c.get("severity", "error"), json.dumps(list(c.get("fields") or []), ensure_ascii=False),
                            None, rep["agency_id"], rep["year"], rep["province"])
    return sorted(by_rule.values(), key=lambda r: r[1])


def test_values_view_is_the_former_table(archive):
    path, items = archive
    cols, got = rows(path, 'select * from "values" order by report_id, field_id')
    assert tuple(cols) == compact.VALUES_COLUMNS
    _, reports = rows(path, "select id, agency_id, year, province, capture_sha256, url, capture_id "
                            "from reports")
    by_capture = {r[6]: dict(zip(("id", "agency_id", "year", "province", "capture_sha256", "url"), r))
                  for r in reports}
    expected = []
    for res, cap in items:
        rep = by_capture[load.capture_id(load.capture_dict(cap))]
        expected += _former_value_rows(rep["id"], rep, res)
    expected.sort(key=lambda r: (r[0], r[1]))
    assert len(got) == len(expected) > 30_000
    for g, e in zip(got, expected):
        assert g == e
    # the variety really went through every encoding
    assert {type(r[6]) for r in got} >= {str, type(None)}
    assert any(r[6] == "1,234" or (r[6] or "").endswith(".0") for r in got)
    assert any(r[19] == 87.5 for r in got) and any(r[8] and "unknown_field" in r[8] for r in got)


def test_checks_view_is_the_former_table(archive):
    path, items = archive
    cols, got = rows(path, "select * from checks where kind != 'cross' order by report_id, rule_id")
    assert tuple(cols) == compact.CHECKS_COLUMNS
    _, reports = rows(path, "select id, agency_id, year, province, capture_id from reports")
    by_capture = {r[4]: dict(zip(("id", "agency_id", "year", "province"), r)) for r in reports}
    expected = []
    for res, cap in items:
        rep = by_capture[load.capture_id(load.capture_dict(cap))]
        expected += _former_check_rows(rep["id"], rep, res)
    expected.sort(key=lambda r: (r[0], r[1]))
    assert got == expected
    assert {r[3] for r in got} == {"pass", "fail", "undecidable"}


def test_cross_checks_name_last_years_report(archive):
    path, _ = archive
    _, got = rows(path, "select report_id, fields, previous_report_id, agency_id, year from checks "
                        "where kind = 'cross'")
    assert len(got) > 100
    _, reports = rows(path, "select id, agency_id, year from reports")
    years = {r[0]: (r[1], r[2]) for r in reports}
    for rid, fields, prev, agency, year in got:
        assert years[prev] == (agency, year - 1)
        names = json.loads(fields)
        assert any(f.startswith(prev + ":t") for f in names), fields
        assert "{prev}" not in fields


def _read_everything(path, former: bool) -> dict:
    out = {}
    for name in dictionary.CANNED:
        if name in LATER_QUERIES:
            continue
        sql = FORMER_SQL.get(name) if former else None
        sql = (sql or dictionary.CANNED[name]["sql"]).replace("r.n_documents, ", "")
        params = {"agency": "人民政府", "q": "政府信息"}
        out[f"query {name}"] = rows(path, sql, params)
    conn = sqlite3.connect(path)
    views = [r[0] for r in conn.execute("select name from sqlite_master where type = 'view'")]
    conn.close()
    for view in sorted(set(views) | {"values", "checks", "report_sections"}):
        if view in LATER_VIEWS:
            continue
        cols, got = rows(path, f'select * from "{view}"')
        out[f"view {view}"] = (cols, sorted(got, key=repr))
    out["texts"] = rows(path, "select report_id, part, heading, text, agency, year, province "
                              "from search_index order by 1, 2")
    for table in ("reports", "agencies", "coverage", "province_year_totals", "fields"):
        cols, got = rows(path, f'select * from "{table}"')
        for col in ("key",) + LATER_REPORT_COLUMNS:  # what this migration and later ones add
            if col in cols:
                i = cols.index(col)
                cols = cols[:i] + cols[i + 1:]
                got = [r[:i] + r[i + 1:] for r in got]
        out[f"table {table}"] = (cols, sorted(got, key=repr))
    return out


# what migrations after 0013 add (0018_report_documents): undone for the former layout
LATER_VIEWS = ("report_documents",)
LATER_QUERIES = ("revised_reports", "copied_reports", "implausible_values")
LATER_TABLES = ("documents", "report_sketches", "report_flags", "version_diffs")
LATER_REPORT_COLUMNS = ("printed_agency", "content_sha256", "same_as", "n_documents",
                        "revised_cells", "flags")


def _to_former_layout(src, dst) -> None:
    """The same archive as an archive.db made before migration 0013 holds it."""
    shutil.copy(src, dst)
    conn = sqlite3.connect(dst)
    from crawler.db.search import register_functions
    from tests.test_texts_once import to_former_texts

    register_functions(conn)
    to_former_texts(conn)  # the texts as they were stored before migration 0020 too
    conn.executescript(FORMER_TABLES.replace('CREATE TABLE "values"', 'CREATE TABLE former_values')
                       .replace('ON "values"', "ON former_values")
                       .replace("CREATE TABLE checks", "CREATE TABLE former_checks")
                       .replace("ON checks", "ON former_checks"))
    conn.execute('insert into former_values select * from "values"')
    conn.execute("insert into former_checks select * from checks")
    for view in ("values", "checks", "t2_wide", "t3_wide", "t4_wide") + LATER_VIEWS:
        conn.execute(f'drop view "{view}"')
    for table in LATER_TABLES:
        conn.execute(f"drop table {table}")
    for col in LATER_REPORT_COLUMNS:
        conn.execute(f"alter table reports drop column {col}")
    conn.execute("delete from _sqlite_migrations where name = '0018_report_documents'")
    for table in ("cells", "check_results", "check_rules", "field_keys", "flag_sets", "printed_labels",
                  "cell_places"):
        conn.execute(f"drop table {table}")
    conn.execute("drop index idx_reports_key")
    conn.execute("alter table reports drop column key")
    conn.execute('alter table former_values rename to "values"')
    conn.execute("alter table former_checks rename to checks")
    conn.execute("delete from _sqlite_migrations where name in ('0013_compact_cells', "
                 "'0020_texts_stored_once', '0023_cell_places')")
    conn.commit()
    conn.close()


def test_migration_gives_the_same_answers(archive, tmp_path):
    path, _ = archive
    former = tmp_path / "former.db"
    _to_former_layout(path, former)
    conn = sqlite3.connect(former)
    assert conn.execute("select type from sqlite_master where name = 'values'").fetchone() == ("table",)
    conn.close()
    # the former layout with the former wide views over it
    import sqlite_utils
    db = sqlite_utils.Database(former)
    for t in ("t2", "t3", "t4"):
        cols = [f for f in formats.all_fields().values() if f.table == t]
        pivots = ", ".join(f"(select v.value from \"values\" v where v.report_id = r.id and "
                           f"v.field_id = '{f.id}') as \"{f.id}\"" for f in cols)
        version = f"r.{t}_version as table_version, " if t in ("t2", "t3") else ""
        db.execute(f"create view {t}_wide as select r.id as report_id, r.agency_id, r.agency, "
                   f"r.province, r.level, r.year, r.format, {version}r.scope, r.check_status, "
                   f"{pivots} from reports r where r.format is not null")
    db.close()
    before = _read_everything(former, former=True)
    migrated = build.open_db(former)  # opening an archive applies its pending migrations
    assert "cells" in migrated.table_names() and "values" in migrated.view_names()
    migrated.close()
    after = _read_everything(former, former=False)
    built = _read_everything(path, former=False)
    assert before.keys() == after.keys() == built.keys()
    for name in before:
        assert before[name][0] == after[name][0], name
        assert before[name][1] == after[name][1], name
        assert after[name] == built[name], name
    assert len(before["view values"][1]) > 30_000
    assert before["query failing_checks"][1] and before["query carry_mismatch"][1]


def test_an_archive_with_a_place_per_cell_migrates_to_interned_places(archive, tmp_path):
    """An archive built before migration 0023 (flags, page, table, row, column and label in
    every cell) reads the same after it: every view, canned query and export; and it holds one
    cell_places row per distinct place, not per cell."""
    path, _ = archive
    older = tmp_path / "older.db"
    shutil.copy(path, older)
    conn = sqlite3.connect(older)
    conn.execute("alter table cells rename to cells_v23")
    conn.execute("""CREATE TABLE cells (report_key INTEGER NOT NULL, field_key INTEGER NOT NULL,
        value NUMERIC, raw, flags INTEGER, page INTEGER, table_index INTEGER, row_index INTEGER,
        col_index INTEGER, label INTEGER, ocr_confidence REAL, PRIMARY KEY (report_key, field_key)
        ) WITHOUT ROWID""")  # as migration 0013 made it
    conn.execute("""insert into cells select c.report_key, c.field_key, c.value, c.raw, p.flags,
        p.page, p.table_index, p.row_index, p.col_index, p.label, c.ocr_confidence
        from cells_v23 c left join cell_places p on p.key = c.place""")
    n_places = conn.execute("select count(*) from cell_places").fetchone()[0]
    conn.execute("drop table cells_v23")
    conn.execute("drop table cell_places")
    conn.execute("delete from _sqlite_migrations where name = '0023_cell_places'")
    conn.commit()
    assert len([r for r in conn.execute("pragma table_info(cells)")]) == 11
    conn.close()
    migrated = build.open_db(older)
    assert [r[1] for r in migrated.execute("pragma table_info(cells)").fetchall()] == [
        "report_key", "field_key", "value", "raw", "place", "ocr_confidence"]
    places, cells = migrated.execute(
        "select (select count(*) from cell_places), (select count(*) from cells)").fetchone()
    assert places == n_places and 0 < places < cells / 20
    migrated.close()
    after, built = _read_everything(older, former=False), _read_everything(path, former=False)
    assert after.keys() == built.keys()
    for name in built:
        assert after[name] == built[name], name


def test_exports_read_the_views(archive, tmp_path):
    import io
    path, _ = archive
    out = io.BytesIO()
    n = export.write_csv(path, export.table_sql(sqlite3.connect(path), "values"), out)
    assert n == rows(path, "select count(*) from cells")[1][0][0]
    header = out.getvalue().decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == compact.VALUES_COLUMNS


def test_a_reloaded_report_leaves_no_cells_behind(archive, tmp_path):
    path, items = archive
    copy_path = tmp_path / "reload.db"
    shutil.copy(path, copy_path)
    db = build.open_db(copy_path)
    before = db.execute("select count(*) from cells").fetchone()[0]
    res, cap = items[3]
    load.load_parsed(db, res, cap)
    load.load_parsed(db, res, cap)
    assert db.execute("select count(*) from cells").fetchone()[0] == before
    assert db.execute("select count(*) from cells c left join reports r on r.key = c.report_key "
                      "where r.id is null").fetchone()[0] == 0


def test_a_failed_batch_uses_no_key_of_its_rolled_back_rows(archive, tmp_path):
    """Keys given inside a rolled-back transaction are forgotten: the next document interns
    its flags and labels again instead of pointing at rows that were never kept."""
    path, items = archive
    copy_path = tmp_path / "rollback.db"
    shutil.copy(path, copy_path)
    db = build.open_db(copy_path)
    res, cap = copy.deepcopy(items[5])
    fid = sorted(res["values"])[0]
    res["flags"][fid] = ["a_flag_never_seen"]
    res["provenance"][fid] = {**res["provenance"][fid], "label": "一个从未见过的行名"}
    bad = copy.deepcopy(res)
    bad["checks"] = [{"id": None}]  # a check without an id cannot be stored
    with pytest.raises(Exception):
        load.load_many(db, [(bad, cap)])
    load.load_parsed(db, res, cap)
    got = db.execute('select flags, printed_label from "values" where field_id = ? and report_id = '
                     "(select id from reports where capture_id = ?)",
                     [fid, load.capture_id(load.capture_dict(cap))]).fetchall()
    assert got == [('["a_flag_never_seen"]', "一个从未见过的行名")]
