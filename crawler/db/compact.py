"""Compact storage of the table cells and checks (1.3M reports on one machine).

A national archive holds ~260M cells and ~60M check results. Stored as before — one wide row
per cell repeating the report id, agency, province, URL, sha256, labels and a JSON flag list —
that came to ~230 GB. Here each cell is stored once in a narrow WITHOUT ROWID table keyed by
small integers, and everything a reader used is rebuilt by views with the same columns:

* ``cells(report_key, field_key, value, raw, place, ocr_confidence)``: ``report_key`` is
  ``reports.key``, ``field_key`` is ``field_keys.key``; ``raw`` is NULL when nothing was
  printed, an empty BLOB when the printed text is exactly the number (``12`` for 12: most
  cells), else the printed text; ``place`` is a key of ``cell_places``: where the cell stood
  (page, table, row, column), its printed row label and its flags, interned, because a layout
  repeats over thousands of reports and these six columns, one per cell, were a third of the
  national file's structured part (migration 0023). ``flags`` and ``label`` there are keys of
  the interned ``flag_sets`` (the JSON list, as loaded) and ``printed_labels``.
* ``check_results(report_key, rule_key, ok, expected, actual, previous_report_key)`` with the
  rule's id, kind, severity and field list interned in ``check_rules`` (a cross-year rule's
  list names last year's fields as ``{prev}:<field>``, filled in from the previous report).
* The views ``values`` and ``checks`` give back exactly the columns and rows of the former
  tables (agency, year, province, URL and sha256 from ``reports``; labels and unit from
  ``fields``); ``tests/test_compact_storage.py`` proves it, before and after the migration.

Nothing here is Scrapy; the loader (crawler.db.load) and the build (crawler.db.build) call in.
"""
from __future__ import annotations

import json
import weakref
from typing import Any, Iterable

SAME_AS_NUMBER = b""        # raw stored as an empty BLOB: the printed text is str(value)
PREV = "{prev}"             # placeholder for the previous report's id in a cross rule's fields

TABLES = """
CREATE TABLE field_keys (
    key INTEGER PRIMARY KEY,
    field_id TEXT NOT NULL UNIQUE
);
CREATE TABLE flag_sets (
    key INTEGER PRIMARY KEY,
    flags TEXT NOT NULL UNIQUE      -- a cell's flags as the JSON list values.flags shows
);
CREATE TABLE printed_labels (
    key INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE
);
CREATE TABLE cells (
    report_key INTEGER NOT NULL,    -- reports.key
    field_key INTEGER NOT NULL,     -- field_keys.key
    value NUMERIC,
    raw,                            -- NULL | X'' (printed as the number) | the printed text
    flags INTEGER,                  -- flag_sets.key
    page INTEGER,
    table_index INTEGER,
    row_index INTEGER,
    col_index INTEGER,
    label INTEGER,                  -- printed_labels.key
    ocr_confidence REAL,
    PRIMARY KEY (report_key, field_key)
) WITHOUT ROWID;
CREATE TABLE check_rules (
    key INTEGER PRIMARY KEY,
    rule_id TEXT NOT NULL,
    kind TEXT,                      -- report | cross | text
    severity TEXT,
    fields TEXT,                    -- JSON list ({prev}:<field> = that field of the previous report)
    UNIQUE (rule_id, kind, severity, fields)
);
CREATE TABLE check_results (
    report_key INTEGER NOT NULL,    -- reports.key
    rule_key INTEGER NOT NULL,      -- check_rules.key
    ok INTEGER,                     -- 1 pass | 0 fail | NULL undecidable
    expected NUMERIC,
    actual NUMERIC,
    previous_report_key INTEGER,    -- reports.key of last year's report (cross checks)
    PRIMARY KEY (report_key, rule_key)
) WITHOUT ROWID;
CREATE INDEX idx_check_results_failing ON check_results (report_key) WHERE ok = 0;
CREATE INDEX idx_check_results_failing_rule ON check_results (rule_key) WHERE ok = 0;
"""

# Migration 0023: a cell's place, label and flags interned (TABLES above is the layout 0013 made).
PLACES = """
CREATE TABLE cell_places (
    key INTEGER PRIMARY KEY,
    flags INTEGER,                  -- flag_sets.key
    page INTEGER,
    table_index INTEGER,
    row_index INTEGER,
    col_index INTEGER,
    label INTEGER                   -- printed_labels.key
);
CREATE INDEX idx_cell_places ON cell_places (row_index, col_index, table_index, page, label, flags);
CREATE TABLE cells_v23 (
    report_key INTEGER NOT NULL,    -- reports.key
    field_key INTEGER NOT NULL,     -- field_keys.key
    value NUMERIC,
    raw,                            -- NULL | X'' (printed as the number) | the printed text
    place INTEGER,                  -- cell_places.key
    ocr_confidence REAL,
    PRIMARY KEY (report_key, field_key)
) WITHOUT ROWID;
"""
PLACE_COLUMNS = ("flags", "page", "table_index", "row_index", "col_index", "label")
# a place is matched on all six columns, NULL matching NULL
PLACE_MATCH = " and ".join(f"{{a}}.{c} is {{b}}.{c}" for c in PLACE_COLUMNS)

# The former tables' columns, in their order (the views keep it).
VALUES_COLUMNS = ("report_id", "field_id", "table", "row_label", "column_label", "value", "raw",
                  "unit", "flags", "agency_id", "year", "province", "capture_sha256", "url",
                  "page", "table_index", "row_index", "col_index", "printed_label",
                  "ocr_confidence")
CHECKS_COLUMNS = ("report_id", "rule_id", "kind", "status", "ok", "expected", "actual",
                  "severity", "fields", "previous_report_id", "agency_id", "year", "province")

RAW_SQL = "case when typeof(c.raw) = 'blob' then cast(c.value as text) else c.raw end"
STATUS_SQL = "case c.ok when 1 then 'pass' when 0 then 'fail' else 'undecidable' end"
FIELDS_SQL = (f"case when p.id is not null and instr(k.fields, '\"{PREV}:') > 0 "
              f"then replace(k.fields, '\"{PREV}:', '\"' || p.id || ':') else k.fields end")

VALUES_VIEW = f"""select r.id as report_id, fk.field_id, f."table", f.row_label, f.column_label,
    c.value, {RAW_SQL} as raw, f.unit, fs.flags, r.agency_id, r.year, r.province,
    r.capture_sha256, r.url, cp.page, cp.table_index, cp.row_index, cp.col_index,
    pl.label as printed_label, c.ocr_confidence
from cells c
join reports r on r.key = c.report_key
join field_keys fk on fk.key = c.field_key
left join fields f on f.id = fk.field_id
left join cell_places cp on cp.key = c.place
left join flag_sets fs on fs.key = cp.flags
left join printed_labels pl on pl.key = cp.label"""

CHECKS_VIEW = f"""select r.id as report_id, k.rule_id, k.kind, {STATUS_SQL} as status, c.ok,
    c.expected, c.actual, k.severity, {FIELDS_SQL} as fields, p.id as previous_report_id,
    r.agency_id, r.year, r.province
from check_results c
join reports r on r.key = c.report_key
join check_rules k on k.key = c.rule_key
left join reports p on p.key = c.previous_report_key"""


def encode_raw(value: Any, raw: str | None):
    """raw as stored: the empty BLOB where the printed text is exactly the integer's digits."""
    if (raw is not None and type(value) is int and -2**62 < value < 2**62
            and raw == str(value)):
        return SAME_AS_NUMBER
    return raw


def fields_template(fields_json: str, previous_report_id: str | None) -> str:
    """A cross rule's field list with the previous report's id replaced by {prev}."""
    if not previous_report_id:
        return fields_json
    quoted = json.dumps(previous_report_id, ensure_ascii=False)[1:-1]
    if quoted != previous_report_id or PREV in fields_json:
        raise ValueError(f"report id {previous_report_id!r} cannot be stored in a check's fields")
    return fields_json.replace(f'"{previous_report_id}:', f'"{PREV}:')


_UNSEEN = object()


class Interner:
    """Keys of field ids, flag lists, printed labels and check rules of one connection.

    Keys are read from (and new ones written to) the lookup tables inside the caller's
    transaction; after a rollback the caller must `reset()` (a key whose row was rolled back
    must never be used)."""

    def __init__(self, conn):
        self.conn = conn
        self.reset()

    def reset(self) -> None:
        self._maps: dict[str, dict] = {"field_keys": {}, "flag_sets": {}, "printed_labels": {},
                                       "check_rules": {}, "cell_places": {}}

    def _key(self, table: str, column: str, value: str) -> int:
        m = self._maps[table]
        k = m.get(value)
        if k is None:
            row = self.conn.execute(f"select key from {table} where {column} = ?", [value]).fetchone()
            if row is None:
                k = self.conn.execute(f"insert into {table} ({column}) values (?)", [value]).lastrowid
            else:
                k = row[0]
            m[value] = k
        return k

    def field(self, field_id: str) -> int:
        return self._key("field_keys", "field_id", field_id)

    def flags(self, flags_json: str | None) -> int | None:
        return None if flags_json is None else self._key("flag_sets", "flags", flags_json)

    def label(self, label: str | None) -> int | None:
        return None if label is None else self._key("printed_labels", "label", label)

    def place(self, flags_json: str | None, page, table, row, col, label: str | None) -> int | None:
        """The cell_places key of a cell's flags, page, table, row, column and printed label
        (None when it has none of them). Called for every cell loaded: a place met before is
        one look-up of what was given."""
        m = self._maps["cell_places"]
        given = (flags_json, page, table, row, col, label)
        k = m.get(given, _UNSEEN)
        if k is not _UNSEEN:
            return k
        # flags and labels intern one to one: a place not met as given is not met as keys either
        ident = (self.flags(flags_json), page, table, row, col, self.label(label))
        k = None
        if ident != (None,) * 6:
            row_ = self.conn.execute(
                f"select key from cell_places where {' and '.join(c + ' is ?' for c in PLACE_COLUMNS)}",
                ident).fetchone()
            k = row_[0] if row_ else self.conn.execute(
                f"insert into cell_places ({', '.join(PLACE_COLUMNS)}) values (?, ?, ?, ?, ?, ?)",
                ident).lastrowid
        m[given] = k
        return k

    def rule(self, rule_id: str, kind: str | None, severity: str | None, fields: str | None) -> int:
        ident = (rule_id, kind, severity, fields)
        m = self._maps["check_rules"]
        k = m.get(ident)
        if k is None:
            row = self.conn.execute(
                "select key from check_rules where rule_id = ? and kind is ? and severity is ? "
                "and fields is ?", ident).fetchone()
            k = row[0] if row else self.conn.execute(
                "insert into check_rules (rule_id, kind, severity, fields) values (?, ?, ?, ?)",
                ident).lastrowid
            m[ident] = k
        return k


_INTERNERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def interner(db) -> Interner:
    """The Interner of a sqlite_utils.Database (one per Database object)."""
    it = _INTERNERS.get(db)
    if it is None or it.conn is not db.conn:
        it = _INTERNERS[db] = Interner(db.conn)
    return it


def _has_documents(conn) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = 'documents'"
                        ).fetchone() is not None


def next_report_key(conn) -> int:
    """A key no document holds: reports (canonical documents) and documents (the others)
    share one key space, so a document keeps its cells when it moves between them."""
    top = conn.execute("select max(key) from reports").fetchone()[0] or 0
    if _has_documents(conn):
        top = max(top, conn.execute("select max(key) from documents").fetchone()[0] or 0)
    return top + 1


def report_key_of(conn, report_id: str) -> int | None:
    """The key of a document by its id, canonical or not."""
    row = conn.execute("select key from reports where id = ?", [report_id]).fetchone()
    if row is None and _has_documents(conn):
        row = conn.execute("select key from documents where id = ?", [report_id]).fetchone()
    return row[0] if row else None


def migrate_rows(db) -> None:
    """Carry the former wide `values` and `checks` tables over into cells and check_results
    (migration 0013), then drop them; the views are created by schema.create_views."""
    from .sql import statements

    conn = db.conn
    for statement in statements(TABLES):
        conn.execute(statement)
    conn.execute("ALTER TABLE reports ADD COLUMN key INTEGER")
    conn.execute("UPDATE reports SET key = rowid")
    conn.execute("CREATE UNIQUE INDEX idx_reports_key ON reports (key)")
    # keys: the data dictionary's order first, then any other id met in values
    conn.execute("insert into field_keys (field_id) select id from fields order by rowid")
    conn.execute('insert or ignore into field_keys (field_id) '
                 'select distinct field_id from "values" order by field_id')
    conn.execute('insert into flag_sets (flags) select distinct flags from "values" '
                 'where flags is not null order by flags')
    conn.execute('insert into printed_labels (label) select distinct printed_label from "values" '
                 'where printed_label is not null order by printed_label')
    conn.execute(f"""insert into cells
    select r.key, fk.key, v.value,
        case when v.raw is not null and typeof(v.value) = 'integer'
             and v.raw = cast(v.value as text) then X'' else v.raw end,
        fs.key, v.page, v.table_index, v.row_index, v.col_index, pl.key, v.ocr_confidence
    from "values" v
    join reports r on r.id = v.report_id
    join field_keys fk on fk.field_id = v.field_id
    left join flag_sets fs on fs.flags = v.flags
    left join printed_labels pl on pl.label = v.printed_label
    order by r.key, fk.key""")
    _migrate_checks(conn)
    conn.execute('DROP TABLE "values"')
    conn.execute("DROP TABLE checks")


def migrate_places(db) -> None:
    """Migration 0023: each cell's flags, page, table, row, column and printed label become one
    key of the interned cell_places; cells is rewritten in its key order with that key."""
    from .sql import statements

    conn = db.conn
    for statement in statements(PLACES):
        conn.execute(statement)
    cols = ", ".join(PLACE_COLUMNS)
    conn.execute(f"insert into cell_places ({cols}) select distinct {cols} from cells "
                 f"where not ({' and '.join(c + ' is null' for c in PLACE_COLUMNS)}) "
                 "order by row_index, col_index, table_index, page, label, flags")
    # cells is the outer loop (a left join), read in its key order: no sort of the whole table
    conn.execute(f"""insert into cells_v23
        select c.report_key, c.field_key, c.value, c.raw, p.key, c.ocr_confidence
        from cells c left join cell_places p on {PLACE_MATCH.format(a="p", b="c")}
        order by c.report_key, c.field_key""")
    conn.execute("DROP TABLE cells")
    conn.execute("PRAGMA legacy_alter_table = ON")  # the views over cells are made afresh after
    try:
        conn.execute("ALTER TABLE cells_v23 RENAME TO cells")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")


def _migrate_checks(conn) -> None:
    keys: dict = {}
    out = []
    rows = conn.execute("""select r.key, c.rule_id, c.kind, c.severity, c.fields, c.ok,
        c.expected, c.actual, c.previous_report_id, p.key
        from checks c join reports r on r.id = c.report_id
        left join reports p on p.id = c.previous_report_id""")
    for rkey, rule_id, kind, severity, fields, ok, expected, actual, prev_id, prev_key in rows:
        # a previous report no longer archived (cross checks are recomputed by every build):
        # its id stays spelled out in the field list
        template = fields if (not fields or prev_key is None) else fields_template(fields, prev_id)
        ident = (rule_id, kind, severity, template)
        k = keys.get(ident)
        if k is None:
            k = keys[ident] = conn.execute(
                "insert into check_rules (rule_id, kind, severity, fields) values (?, ?, ?, ?)",
                ident).lastrowid
        out.append((rkey, k, ok, expected, actual, prev_key))
        if len(out) >= 100_000:
            insert_check_results(conn, out)
            out.clear()
    insert_check_results(conn, out)


def insert_check_results(conn, rows: Iterable[tuple]) -> None:
    """Rows of check_results; a result given again for the same report and rule replaces it."""
    conn.executemany("insert or replace into check_results values (?, ?, ?, ?, ?, ?)", rows)
