"""archive.db schema: explicit sqlite-utils migrations, never `alter=True`.

Every table is declared here in SQL, in order, once. A later change is a new migration
appended to MIGRATIONS (never an edit of an applied one), so an existing archive.db is
upgraded in place and a typo in a loader fails loudly instead of creating a column.
Views are derived from the format data (parsers/formats) and recreated on every build.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from parsers import formats

from . import compact, counts, filter_lists, peers, search, texts
from .sql import statements

MIGRATIONS = Migrations("ogi-archive")

TABLES_V1 = """
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,            -- "<region code>/<name>"
    name TEXT NOT NULL,
    region_code TEXT,
    province_code TEXT,
    province TEXT,
    city TEXT,
    county TEXT,
    level TEXT,
    portal TEXT
);
CREATE TABLE captures (
    id TEXT PRIMARY KEY,            -- "<warc file>#<offset>": one WARC record
    sha256 TEXT NOT NULL,
    url TEXT NOT NULL,
    final_url TEXT,
    status INTEGER,
    fetched_at TEXT,
    size INTEGER,
    content_type TEXT,
    encoding TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    run_id TEXT,
    role TEXT,
    title TEXT,
    agency TEXT,
    region_code TEXT,
    portal TEXT,
    referer TEXT,
    revisit INTEGER
);
CREATE INDEX idx_captures_sha256 ON captures (sha256);
CREATE INDEX idx_captures_url ON captures (url);
CREATE TABLE reports (
    id TEXT PRIMARY KEY,            -- "<agency id>/<year>/<variant>"
    agency_id TEXT REFERENCES agencies(id),
    agency TEXT,
    region_code TEXT,
    province TEXT,
    level TEXT,
    year INTEGER,
    variant TEXT,
    title TEXT,
    published TEXT,
    url TEXT,
    capture_id TEXT REFERENCES captures(id),
    capture_sha256 TEXT,
    fetched_at TEXT,
    kind TEXT,
    document_kind TEXT,
    format TEXT,
    t2_version TEXT,
    t3_version TEXT,
    scope TEXT,
    parse_status TEXT,              -- parsed | failed | not_parsed (scanned, pre2019, not a report)
    check_status TEXT,              -- pass | fail | undecidable | none
    checks_failed INTEGER,
    n_values INTEGER,
    warnings TEXT,                  -- JSON list
    parser_version TEXT
);
CREATE INDEX idx_reports_year ON reports (year);
CREATE INDEX idx_reports_agency ON reports (agency_id, year);
CREATE TABLE report_sections (
    report_id TEXT NOT NULL REFERENCES reports(id),
    section TEXT NOT NULL,          -- s1 … s6
    heading TEXT,
    text TEXT,
    PRIMARY KEY (report_id, section)
);
CREATE TABLE "values" (
    report_id TEXT NOT NULL REFERENCES reports(id),
    field_id TEXT NOT NULL REFERENCES fields(id),
    "table" TEXT,                   -- 二 | 三 | 四
    row_label TEXT,
    column_label TEXT,
    value NUMERIC,                  -- NULL for a blank, a dash or an absent row: see raw, flags
    raw TEXT,                       -- the cell's printed text, exactly
    unit TEXT,
    flags TEXT,                     -- JSON list: blank, zero, na_marker, absent, …
    agency_id TEXT,
    year INTEGER,
    province TEXT,
    capture_sha256 TEXT,
    url TEXT,
    page INTEGER,
    table_index INTEGER,
    row_index INTEGER,
    col_index INTEGER,
    printed_label TEXT,
    PRIMARY KEY (report_id, field_id)
);
CREATE INDEX idx_values_field ON "values" (field_id, year);
CREATE TABLE checks (
    report_id TEXT NOT NULL REFERENCES reports(id),
    rule_id TEXT NOT NULL,
    kind TEXT,                      -- report | cross
    status TEXT,                    -- pass | fail | undecidable
    ok INTEGER,
    expected NUMERIC,
    actual NUMERIC,
    severity TEXT,
    fields TEXT,                    -- JSON list of field ids
    previous_report_id TEXT,
    agency_id TEXT,
    year INTEGER,
    province TEXT,
    PRIMARY KEY (report_id, rule_id)
);
CREATE INDEX idx_checks_status ON checks (status, severity);
CREATE TABLE crawl_runs (
    run_id TEXT PRIMARY KEY,
    started TEXT,
    finished TEXT,
    spider TEXT,
    status TEXT,
    summary TEXT                    -- the run summary as JSON
);
CREATE TABLE parse_errors (
    capture_sha256 TEXT PRIMARY KEY,
    capture_id TEXT REFERENCES captures(id),
    url TEXT,
    agency TEXT,
    title TEXT,
    fetched_at TEXT,
    reason TEXT,
    parser_version TEXT
);
CREATE TABLE fields (
    id TEXT PRIMARY KEY,
    table_key TEXT,
    "table" TEXT,
    row_key TEXT,
    column_key TEXT,
    row_label TEXT,
    column_label TEXT,
    unit TEXT,
    en TEXT,
    decimal INTEGER,
    signed INTEGER,
    versions TEXT
);
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY,
    report_id TEXT REFERENCES reports(id),
    part TEXT,                      -- title | s1 … s6
    heading TEXT,
    text TEXT,
    agency TEXT,
    year INTEGER,
    province TEXT,
    tokens TEXT                     -- always NULL: the segmented copy lives only in the index
);
CREATE INDEX idx_search_index_report ON search_index (report_id);
-- The index holds a segmented copy of search_index.text (crawler.db.search). It names
-- search_index as its content table so Datasette and datasette-search-all find it.
CREATE VIRTUAL TABLE search_index_fts USING fts5 (tokens, content="search_index", content_rowid="id");
CREATE TABLE archive_info (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""


@MIGRATIONS(name="0001_initial")
def m0001_initial(db: sqlite_utils.Database) -> None:
    for statement in statements(TABLES_V1):
        db.execute(statement)


SCALE_INDEXES_V2 = """
CREATE INDEX idx_reports_url ON reports (url);
CREATE INDEX idx_reports_capture_sha256 ON reports (capture_sha256);
CREATE INDEX idx_reports_province ON reports (province, year);
CREATE INDEX idx_reports_level ON reports (level);
CREATE INDEX idx_reports_format ON reports (format);
CREATE INDEX idx_reports_check_status ON reports (check_status);
CREATE INDEX idx_reports_parse_status ON reports (parse_status, year);
CREATE INDEX idx_reports_scope ON reports (scope);
CREATE INDEX idx_reports_agency_order ON reports (agency_id, year, id);
CREATE INDEX idx_checks_rule ON checks (rule_id, status);
"""


@MIGRATIONS(name="0002_scale_indexes")
def m0002_scale_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for a national-size archive (bench/, docs/benchmarks.md): the loader's and the
    build's look-ups by address and digest (a full scan per document otherwise), the reports
    table's facets, the wide views' order, and the checks queries by rule."""
    for statement in statements(SCALE_INDEXES_V2):
        db.execute(statement)


CRAWL_STATE_V3 = """
ALTER TABLE crawl_runs ADD COLUMN exit_code INTEGER;
CREATE TABLE portal_crawls (
    run_id TEXT NOT NULL REFERENCES crawl_runs(run_id),
    seq INTEGER NOT NULL,           -- the spider's place in its run
    spider TEXT,
    portal TEXT,                    -- registry code; NULL for a crawl by URL
    agency_id TEXT REFERENCES agencies(id),
    start_urls TEXT,                -- JSON list
    finished TEXT,
    finish_reason TEXT,
    reports_found INTEGER,
    new INTEGER,
    changed INTEGER,
    unchanged INTEGER,
    failed INTEGER,
    blocked INTEGER,
    state TEXT,                     -- ok | partly_blocked | blocked | nothing_found | interrupted
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX idx_portal_crawls_agency ON portal_crawls (agency_id, finished);
"""


@MIGRATIONS(name="0003_crawl_state")
def m0003_crawl_state(db: sqlite_utils.Database) -> None:
    """What each crawl of a portal found (one row per spider of a run), so coverage tells a
    portal that blocked the crawler from one that has no report for a year."""
    for statement in statements(CRAWL_STATE_V3):
        db.execute(statement)


PROVINCE_YEAR_TOTALS_V4 = """
CREATE TABLE province_year_totals (
    province TEXT,
    year INTEGER,
    reports INTEGER,
    concluded NUMERIC,
    withheld NUMERIC,
    unavailable NUMERIC,
    review_total NUMERIC,
    review_corrected NUMERIC,
    suit_total NUMERIC,
    suit_corrected NUMERIC
);
CREATE INDEX idx_province_year_totals ON province_year_totals (province, year);
"""


@MIGRATIONS(name="0004_province_year_totals")
def m0004_province_year_totals(db: sqlite_utils.Database) -> None:
    """National sums by province and year, derived on every build (crawler.db.build
    .refresh_totals): the research queries read ~250 rows instead of summing ~10 values of
    every report per page view (seconds at 100,000 reports; docs/benchmarks.md)."""
    for statement in statements(PROVINCE_YEAR_TOTALS_V4):
        db.execute(statement)


WIDE_FACET_INDEXES_V5 = """
CREATE INDEX idx_reports_province_format ON reports (province, format);
CREATE INDEX idx_reports_level_format ON reports (level, format);
CREATE INDEX idx_reports_year_format ON reports (year, format);
CREATE INDEX idx_reports_check_status_format ON reports (check_status, format);
"""


@MIGRATIONS(name="0005_wide_facet_indexes")
def m0005_wide_facet_indexes(db: sqlite_utils.Database) -> None:
    """The wide views' facets (reports with a format, counted by province, level, year or
    check status) answered from an index alone: a scan of every report row per facet took
    ~70 ms each at 100,000 reports (docs/benchmarks.md)."""
    for statement in statements(WIDE_FACET_INDEXES_V5):
        db.execute(statement)


@MIGRATIONS(name="0006_agency_name_index")
def m0006_agency_name_index(db: sqlite_utils.Database) -> None:
    """Agency names searched by substring (agency_by_year) scan this index, ~40 bytes a report,
    instead of every report row: 1.9 s -> 0.15 s at 1.3M reports (docs/benchmarks.md)."""
    db.execute("CREATE INDEX idx_reports_agency_name ON reports (agency)")


COVERAGE_TABLE_V7 = """
CREATE TABLE coverage (
    agency_id TEXT, agency TEXT, province TEXT, city TEXT, county TEXT, level TEXT, year INTEGER,
    found INTEGER, missing INTEGER, parsed INTEGER, unparsed INTEGER, failed_checks INTEGER,
    status TEXT, crawl_state TEXT, last_crawled TEXT,
    PRIMARY KEY (agency_id, year)
);
CREATE INDEX idx_coverage_status ON coverage (status, province, agency_id, year);
CREATE INDEX idx_coverage_province ON coverage (province, year);
"""


@MIGRATIONS(name="0007_coverage_table")
def m0007_coverage_table(db: sqlite_utils.Database) -> None:
    """coverage becomes a table refreshed by every build (refresh_coverage) instead of a view:
    the view grouped every agency x year x report on each request (missing_reports: 4.2 s at
    1.3M reports, docs/benchmarks.md). Same name, same columns, same rows."""
    db.execute("DROP VIEW IF EXISTS coverage")
    for statement in statements(COVERAGE_TABLE_V7):
        db.execute(statement)
    refresh_coverage(db)


@MIGRATIONS(name="0008_failing_checks_index")
def m0008_failing_checks_index(db: sqlite_utils.Database) -> None:
    """A partial index of the failing report checks in report order: the failing_checks query
    reads its first page from it instead of sorting every failing check (0.7 s at 1.3M reports,
    docs/benchmarks.md); it holds only the failing rows, so it stays small."""
    db.execute("CREATE INDEX idx_checks_failing ON checks (report_id, rule_id) "
               "WHERE status = 'fail' AND kind = 'report'")


@MIGRATIONS(name="0009_retryable_errors")
def m0009_retryable_errors(db: sqlite_utils.Database) -> None:
    """parse_errors.retryable: 1 when the document failed on a resource limit of its parser
    process (memory, time, a decompression bomb), which `ogi build --incremental` retries."""
    db.execute("ALTER TABLE parse_errors ADD COLUMN retryable INTEGER NOT NULL DEFAULT 0")


REGISTRY_V9 = """
CREATE TABLE registry (
    code TEXT PRIMARY KEY,          -- registry code (GB/T 2260 code; <parent>-d…/-t… for a body)
    agency TEXT,
    name TEXT,
    level TEXT,                     -- 省 市 县 (governments) | 部门 乡 (their bodies)
    parent TEXT,
    region_code TEXT,
    province TEXT,
    home_url TEXT,
    domains TEXT,                   -- space-separated
    platform TEXT,
    column_urls TEXT,               -- space-separated
    status TEXT,                    -- unverified | verified | moved | unreachable | blocked
    checked TEXT,
    robots TEXT,
    robots_reason TEXT,
    source TEXT,
    source_date TEXT,
    notes TEXT
);
CREATE INDEX idx_registry_province ON registry (province, level);
CREATE INDEX idx_registry_parent ON registry (parent);
CREATE INDEX idx_agencies_portal ON agencies (portal);
CREATE VIEW registry_coverage AS
SELECT g.province, g.level, count(*) AS known,
    sum(g.home_url <> '') AS with_home_page,
    sum(g.column_urls <> '') AS with_column,
    sum(g.status = 'verified') AS verified,
    coalesce(sum((SELECT count(*) FROM agencies a JOIN reports x ON x.agency_id = a.id
                  WHERE a.portal = g.code)), 0) AS reports
FROM registry g GROUP BY g.province, g.level;
CREATE VIEW registry_reports AS
SELECT g.province, g.level, x.year, count(*) AS reports
FROM registry g JOIN agencies a ON a.portal = g.code JOIN reports x ON x.agency_id = a.id
GROUP BY g.province, g.level, x.year;
"""


@MIGRATIONS(name="0010_registry")
def m0010_registry(db: sqlite_utils.Database) -> None:
    """The portal registry as a table (``ogi registry publish``, ``ogi crawl --all --db``) and
    two views over it: what is known, checked and found per province and level, and the
    reports archived per year filed under registry entries (the coverage dashboard)."""
    for statement in statements(REGISTRY_V9):
        db.execute(statement)


LIST_COMPLETENESS_V9 = """
ALTER TABLE portal_crawls ADD COLUMN list_columns INTEGER;
ALTER TABLE portal_crawls ADD COLUMN list_expected INTEGER;
ALTER TABLE portal_crawls ADD COLUMN list_found INTEGER;
ALTER TABLE portal_crawls ADD COLUMN list_shortfall INTEGER;
ALTER TABLE portal_crawls ADD COLUMN incomplete_lists TEXT;   -- JSON: column, expected, found …
ALTER TABLE coverage ADD COLUMN list_shortfall INTEGER;
ALTER TABLE coverage ADD COLUMN incomplete_lists INTEGER;
"""


@MIGRATIONS(name="0011_list_completeness")
def m0011_list_completeness(db: sqlite_utils.Database) -> None:
    """How complete each crawled report column was against its own count: per
    portal crawl, the columns' expected and found items and the shortfall; coverage carries the
    latest crawl's shortfall beside crawl_state, so a year missing from an incomplete list is
    not taken for a year without a report."""
    for statement in statements(LIST_COMPLETENESS_V9):
        db.execute(statement)
    refresh_coverage(db)


COVERAGE_COLUMNS = ("agency_id, agency, province, city, county, level, year, found, missing, "
                    "parsed, unparsed, failed_checks, status, crawl_state, last_crawled")

# the latest crawl of each agency's portal: how short its report lists were (migration 0011)
COVERAGE_LISTS_SQL = """update coverage set
    list_shortfall = (select pc.list_shortfall from portal_crawls pc
        where pc.agency_id = coverage.agency_id
        order by pc.finished desc, pc.run_id desc, pc.seq desc limit 1),
    incomplete_lists = (select json_array_length(pc.incomplete_lists) from portal_crawls pc
        where pc.agency_id = coverage.agency_id
        order by pc.finished desc, pc.run_id desc, pc.seq desc limit 1)"""


@MIGRATIONS(name="0012_ocr_confidence")
def m0012_ocr_confidence(db: sqlite_utils.Database) -> None:
    """Values read by OCR from a scanned report keep their recognition confidence (0-100,
    Tesseract's word confidence); NULL for every value read from a text layer."""
    db.execute('ALTER TABLE "values" ADD COLUMN ocr_confidence REAL')


@MIGRATIONS(name="0013_compact_cells")
def m0013_compact_cells(db: sqlite_utils.Database) -> None:
    """Cells and checks stored once in narrow tables keyed by small integers (crawler/db/compact.py):
    the former wide `values` and `checks` tables are carried over and become views with the
    same columns (a national archive: ~230 GB -> a few GB)."""
    compact.migrate_rows(db)


@MIGRATIONS(name="0014_search_rowids_by_year")
def m0014_search_rowids_by_year(db: sqlite_utils.Database) -> None:
    """search_index row ids carry the year in their top bits (crawler.db.search.search_rowid), so
    the search reads the newest matches first and stops; the index is rebuilt on them."""

    rows = db.execute("select id, report_id, part, year from search_index").fetchall()
    db.conn.executemany("update search_index set id = ? where id = ?",
                        [(search.search_rowid(rid, part, year), old) for old, rid, part, year in rows])
    if rows:
        search.rebuild_search(db)


FACET_COUNTS_V10 = """
CREATE TABLE facet_counts (
    tbl TEXT NOT NULL,              -- table or view with facets in metadata.yml
    col TEXT NOT NULL,              -- the faceted column
    value,                          -- no affinity: the value as stored (year stays an integer)
    n INTEGER NOT NULL,             -- rows with that value
    PRIMARY KEY (tbl, col, value)
);
CREATE TABLE facet_columns (
    tbl TEXT NOT NULL,
    col TEXT NOT NULL,
    pos INTEGER,                        -- its column v<pos> in facet_cube (NULL: no cube)
    decl_type TEXT,                     -- declared type (how SQLite compares it with a filter)
    distinct_values INTEGER NOT NULL,   -- non-null distinct values (facet_counts holds the first `stored`)
    stored INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,          -- row count, min and max key of the tables read, when counted
    PRIMARY KEY (tbl, col)
);
CREATE TABLE facet_cube (
    tbl TEXT NOT NULL,              -- rows of tbl counted by every combination of its facet columns
    n INTEGER NOT NULL,
    v0, v1, v2, v3, v4, v5, v6, v7
);
CREATE INDEX idx_facet_cube ON facet_cube (tbl);
"""


@MIGRATIONS(name="0015_facet_counts")
def m0015_facet_counts(db: sqlite_utils.Database) -> None:
    """Facet counts of every faceted table and view, computed by every build
    (crawler.db.facet_counts.refresh) and served by crawler.web.facets for unfiltered
    pages (facet_counts) and pages filtered by facet values (facet_cube): counting 5-7 facets
    over 1.3M reports took ~0.5 s a page, 1.6 s filtered by a year (docs/benchmarks.md).
    Empty until the next build; the server then counts live."""
    for statement in statements(FACET_COUNTS_V10):
        db.execute(statement)


@MIGRATIONS(name="0016_report_peers_index")
def m0016_report_peers_index(db: sqlite_utils.Database) -> None:
    """A report page's peers (the parsed reports of its province, level and year,
    crawler.web.report_page.data.peers) read from one index range, ~4,000 entries at national
    scale, instead of every parsed report of the year through idx_reports_parse_status and
    their table rows (230 ms at 1.3M reports, docs/benchmarks.md)."""
    db.execute("CREATE INDEX idx_reports_peers ON reports "
               "(province, year, level, parse_status, scope, agency_id, agency, id)")


@MIGRATIONS(name="0017_incremental_search")
def m0017_incremental_search(db: sqlite_utils.Database) -> None:
    """The loader keeps the search index up to date as it writes and deletes texts, instead
    of every build re-indexing the whole archive (most of an hour at national size). The
    index is rebuilt once here, so it holds exactly what search_index holds (an archive
    loaded without derived data had texts not yet indexed), and its segmenter is recorded."""

    if db.execute("select 1 from search_index limit 1").fetchone():
        search.rebuild_search(db)
    else:
        search.mark_search_current(db)


REPORT_DOCUMENTS_V18 = """
ALTER TABLE reports ADD COLUMN printed_agency TEXT;
ALTER TABLE reports ADD COLUMN content_sha256 TEXT;
ALTER TABLE reports ADD COLUMN same_as TEXT;
ALTER TABLE reports ADD COLUMN n_documents INTEGER;
ALTER TABLE reports ADD COLUMN revised_cells INTEGER;
ALTER TABLE reports ADD COLUMN flags TEXT;
CREATE TABLE report_sketches (
    report_key INTEGER NOT NULL,    -- reports.key (or documents.key) of the document sketched
    part TEXT NOT NULL,             -- t2 | t3 | t4 (a table's numbers) | s1 | s5 | s6 (a section's prose)
    size INTEGER,                   -- non-zero numbers of the table | characters of the normalised prose
    hash INTEGER,                   -- tables: 64-bit digest of the table's numbers
    minhash BLOB,                   -- prose: MinHash of its 5-character shingles (crawler.db.sketches)
    PRIMARY KEY (report_key, part)
) WITHOUT ROWID;
CREATE INDEX idx_report_sketches_hash ON report_sketches (part, hash) WHERE part IN ('t2', 't3', 't4');
CREATE TABLE report_flags (
    report_id TEXT NOT NULL,
    flag TEXT NOT NULL,             -- tables_identical | prose_near_duplicate | outlier_peers | outlier_history
    part TEXT NOT NULL,             -- t2 | t3 | t4 | s1 | s5 | s6 | a field id (outliers)
    relation TEXT,                  -- previous_year | same_agency | other_agency (copies)
    other_report_id TEXT,
    score REAL,
    detail TEXT,
    agency_id TEXT,
    year INTEGER,
    province TEXT,
    PRIMARY KEY (report_id, flag, part)
);
CREATE INDEX idx_report_flags_flag ON report_flags (flag, part);
CREATE TABLE version_diffs (
    report_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    field_id TEXT NOT NULL,
    document_value NUMERIC,
    document_raw TEXT,
    canonical_value NUMERIC,
    canonical_raw TEXT,
    PRIMARY KEY (report_id, document_id, field_id)
);
"""

# Columns of documents beyond those it shares with reports.
DOCUMENT_COLUMNS = {"report_id": "TEXT", "role": "TEXT"}


@MIGRATIONS(name="0018_report_documents")
def m0018_report_documents(db: sqlite_utils.Database) -> None:
    """A report is one report: the documents of one agency's report for one year (an HTML page
    and its attachment, a re-published copy, each version captured at an address) are one row
    of reports, its canonical document (crawler.db.documents), and the others rows of
    documents, with the same columns; cells and check results stay keyed by each document's
    key, so the values and checks views (joined on reports.key) count every report once.
    Also: the sketches that copy detection buckets on, the flags, the version diffs."""
    for statement in statements(REPORT_DOCUMENTS_V18):
        db.execute(statement)
    # documents has reports' columns (a later migration adding one to reports adds it here)
    cols = []
    for _, name, decl, _notnull, _default, _pk in db.execute("pragma table_info(reports)").fetchall():
        cols.append(f'"{name}" {decl or ""}' + (" PRIMARY KEY" if name == "id" else ""))
    cols += [f"{name} {decl}" for name, decl in DOCUMENT_COLUMNS.items()]
    db.execute("CREATE TABLE documents (\n    " + ",\n    ".join(cols) + "\n)")
    db.execute("CREATE UNIQUE INDEX idx_documents_key ON documents (key)")
    db.execute("CREATE INDEX idx_documents_report ON documents (report_id)")
    db.execute("CREATE INDEX idx_documents_sha256 ON documents (capture_sha256)")
    db.execute("CREATE INDEX idx_documents_url ON documents (url)")
    db.execute("CREATE INDEX idx_documents_agency ON documents (agency_id, year)")
    if db.execute("select 1 from reports limit 1").fetchone():
        from . import sketches
        sketches.fill_missing(db)


REGISTRY_REACH = """
ALTER TABLE registry ADD COLUMN known_reports TEXT;  -- space-separated report addresses
DROP VIEW registry_coverage;
CREATE VIEW registry_coverage AS
SELECT g.province, g.level, count(*) AS known,
    sum(g.home_url <> '') AS with_home_page,
    sum(g.column_urls <> '') AS with_column,
    sum(coalesce(g.known_reports, '') <> '' AND g.column_urls = '') AS with_known_reports_only,
    sum(g.home_url <> '' AND g.column_urls = '' AND coalesce(g.known_reports, '') = '')
        AS with_home_page_only,
    sum(g.status = 'verified') AS verified,
    coalesce(sum((SELECT count(*) FROM agencies a JOIN reports x ON x.agency_id = a.id
                  WHERE a.portal = g.code)), 0) AS reports
FROM registry g GROUP BY g.province, g.level;
"""


@MIGRATIONS(name="0019_registry_reach")
def m0019_registry_reach(db: sqlite_utils.Database) -> None:
    """Registry entries hold the report addresses they are known by (crawled directly where
    no column is known), and the coverage view tells governments and bodies with a 年报
    column, with known reports only and with a home page only."""
    for statement in statements(REGISTRY_REACH):
        db.execute(statement)


def search_index_v20() -> str:
    """search_index from migration 0020: each text once (compressed in `body`), the part,
    heading, year and text computed from the row id and body (virtual generated columns, in
    the former column order), and its FTS index without positions; document_texts, the texts
    of the documents that are not their report's canonical one (documents), stored alike and
    never searched (crawler.db.documents moves a document's rows between the two)."""
    return f"""
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY,         -- year << 40 | report key << 3 | part (crawler.db.search.text_id)
    report_id TEXT NOT NULL REFERENCES reports(id),
    part TEXT GENERATED ALWAYS AS ({search.PART_SQL}) VIRTUAL,
    heading TEXT GENERATED ALWAYS AS ({search.HEADING_SQL}) VIRTUAL,
    text TEXT GENERATED ALWAYS AS (ogi_text(body)) VIRTUAL,
    agency TEXT,
    year INTEGER GENERATED ALWAYS AS ({search.YEAR_SQL}) VIRTUAL,
    province TEXT,
    tokens TEXT,                    -- always NULL: the segmented copy lives only in the index
    body                            -- the text, stored once: TEXT, or a compressed BLOB (crawler.db.texts)
);
CREATE VIRTUAL TABLE search_index_fts USING fts5 (tokens, content="search_index", content_rowid="id", detail=none, columnsize=0);
CREATE TABLE document_texts (
    id INTEGER PRIMARY KEY,         -- as search_index.id, with documents.key (search.text_id)
    document_id TEXT NOT NULL REFERENCES documents(id),
    part TEXT GENERATED ALWAYS AS ({search.PART_SQL}) VIRTUAL,
    heading TEXT GENERATED ALWAYS AS ({search.HEADING_SQL}) VIRTUAL,
    text TEXT GENERATED ALWAYS AS (ogi_text(body)) VIRTUAL,
    body                            -- as search_index.body
);
"""


@MIGRATIONS(name="0020_texts_stored_once")
def m0020_texts_stored_once(db: sqlite_utils.Database) -> None:
    """Each report text stored once and compressed: search_index holds it (body; text is
    computed from it), document_texts the texts of the other documents of a report (which the
    search leaves out), report_sections becomes a view over both, row ids follow the
    documents' keys within a year (search.text_id), and the FTS index keeps which texts hold
    each word but not where (detail=none: a phrase is checked against the text, search.py).
    A national archive's texts took 2 x 7 GB and their index 8.7 GB (docs/benchmarks.md)."""
    conn = db.conn
    texts.create(conn)
    codec = texts.register(conn)
    conn.execute("DROP TABLE search_index_fts")
    # legacy rename: the views are recreated after every migration (create_views), and one of
    # an earlier layout may name a table gone since (the wide views over "values" before 0013)
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute("ALTER TABLE search_index RENAME TO search_index_v19")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    for statement in statements(search_index_v20()):
        conn.execute(statement)
    rows = conn.execute("""
        select r.year, r.key, x.part, x.text, r.id, r.agency, r.province from (
            select report_id, section as part, text from report_sections
            union all select report_id, 'title', text from search_index_v19 where part = 'title') x
        join reports r on r.id = x.report_id
        where x.text is not null and x.text != ''""")
    while batch := rows.fetchmany(5000):
        conn.executemany(
            "insert into search_index (id, report_id, agency, province, body) values (?, ?, ?, ?, ?)",
            [(search.text_id(year, key, part), rid, agency, province, codec.pack(text))
             for year, key, part, text, rid, agency, province in batch])
    # the other documents' texts: their sections (the search held none of them) and titles
    rows = conn.execute("""
        select d.year, d.key, x.part, x.text, d.id from (
            select report_id, section as part, text from report_sections
            union all select id, 'title', title from documents) x
        join documents d on d.id = x.report_id
        where x.text is not null and x.text != '' and d.key is not null""")
    while batch := rows.fetchmany(5000):
        conn.executemany(
            "insert into document_texts (id, document_id, body) values (?, ?, ?)",
            [(search.text_id(year, key, part), did, codec.pack(text))
             for year, key, part, text, did in batch])
    conn.execute("DROP TABLE search_index_v19")
    conn.execute("DROP TABLE report_sections")
    if conn.execute("select 1 from search_index limit 1").fetchone():
        search.rebuild_search(db)
    else:
        search.mark_search_current(db)


@MIGRATIONS(name="0021_table_counts")
def m0021_table_counts(db: sqlite_utils.Database) -> None:
    """Row counts of every table and view, written by the build's last step
    (crawler.db.counts) and handed to Datasette, which counted every table before listening
    (73 s at national scale) and counts a table page's rows live. Empty until the next build."""
    for statement in statements(counts.TABLE):
        db.execute(statement)


@MIGRATIONS(name="0022_drop_prefix_indexes")
def m0022_drop_prefix_indexes(db: sqlite_utils.Database) -> None:
    """Indexes of reports whose columns begin a longer index (agency_id, year → + id; year →
    + format; province, year → the peers index; level → + format; check_status → + format):
    the longer one answers the same look-ups, and at national scale the five took ~0.15 GB."""
    for name in ("idx_reports_agency", "idx_reports_year", "idx_reports_province",
                 "idx_reports_level", "idx_reports_check_status"):
        db.execute(f"DROP INDEX IF EXISTS {name}")


@MIGRATIONS(name="0023_cell_places")
def m0023_cell_places(db: sqlite_utils.Database) -> None:
    """A cell's page, table, row, column, printed label and flags are one interned key
    (cells.place → cell_places): a layout repeats over thousands of reports, and these six
    columns stored per cell were ~1.8 GB of a national archive's 11.4 GB structured part
    (docs/benchmarks.md). The values view gives the same columns back."""
    compact.migrate_places(db)


@MIGRATIONS(name="0024_filter_lists")
def m0024_filter_lists(db: sqlite_utils.Database) -> None:
    """For every field and rule and year, the reports holding it, listed where few do
    (crawler.db.filter_lists): a page of `values` or `checks` filtered by a field or rule that
    few reports of a year hold looked for it report by report, into the SQL time limit at
    national scale. Empty until the next build; the server then reads the views as before."""
    for statement in statements(filter_lists.TABLES):
        db.execute(statement)


@MIGRATIONS(name="0025_report_peers")
def m0025_report_peers(db: sqlite_utils.Database) -> None:
    """Each report's peers with their new applications, one row per agency, derived by every
    build (crawler.db.peers): the report page looked up one cell per peer, ~4,000 cold pages
    for a township of a large province at national scale. Empty until the next build; the
    page then reads the peers live, as before."""
    for statement in statements(peers.TABLES):
        db.execute(statement)


@MIGRATIONS(name="0026_reports_year_index")
def m0026_reports_year_index(db: sqlite_utils.Database) -> None:
    """The reports of a year in key order again (0022 dropped this index as a prefix of
    (year, format)): through (year, format), a `values` or `checks` page of a field or rule of
    the 2021 format and one year read the year's 2019-format reports first, one miss each
    (3,700 of them, 0.6 s cold, at national scale); in key order the formats are interleaved.
    ~20 MB at national scale."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_reports_year ON reports (year)")


def refresh_coverage(db: sqlite_utils.Database) -> None:
    """Recompute the coverage table from agencies, reports and portal_crawls (derived data)."""
    db.execute("DELETE FROM coverage")
    db.execute(f"INSERT INTO coverage ({COVERAGE_COLUMNS}) {COVERAGE_SQL}")
    # migration 0007 refreshes coverage before 0011 added the list columns
    if "list_shortfall" in db["coverage"].columns_dict:
        db.execute(COVERAGE_LISTS_SQL)


# Former names of migrations, as an archive.db built before they were numbered in file order
# records them in _sqlite_migrations: renamed there before applying, so none runs twice.
FORMER_NAMES = {
    "0009_i10_retryable_errors": "0009_retryable_errors",
    "m0009_i12_registry": "0010_registry",
    "0009_i16_list_completeness": "0011_list_completeness",
    "m0009_i14_ocr_confidence": "0012_ocr_confidence",
    "0010_i11_compact_cells": "0013_compact_cells",
    "0011_i11_search_rowids_by_year": "0014_search_rowids_by_year",
    "0010_i11_facet_counts": "0015_facet_counts",
    "0010_i11_report_peers_index": "0016_report_peers_index",
    "0012_i11_incremental_search": "0017_incremental_search",
}


def rename_applied(db: sqlite_utils.Database) -> None:
    if not db[MIGRATIONS.migrations_table].exists():
        return
    with db.atomic():
        for old, new in FORMER_NAMES.items():
            db.execute(f"update {MIGRATIONS.migrations_table} set name = ? "
                       "where migration_set = ? and name = ?", [new, MIGRATIONS.name, old])


def is_current(path) -> bool:
    """Whether the archive at `path` has every migration applied (a fresh build carries rows
    over from it only then: crawler.db.carry reads the current layout)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            applied = {n for (n,) in conn.execute(
                f"select name from {MIGRATIONS.migrations_table} where migration_set = ?",
                [MIGRATIONS.name])}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return all(m.name in applied for m in MIGRATIONS._migrations)


def migrate(db: sqlite_utils.Database) -> None:
    rename_applied(db)
    MIGRATIONS.apply(db)
    create_views(db)


# ---------------------------------------------------------------- views from the format data

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def wide_view_sql(table: str, keys: dict[str, int]) -> str:
    """One row per report, one column per field of `table` (t2/t3/t4) over every format version.

    `keys` maps field ids to field_keys.key."""
    # One primary-key look-up per cell: a page of the view reads ~20 reports, never the whole
    # cells table. No ORDER BY and no forced index, so that counts and facets over the view are
    # flattened, never compute the cells and are answered from the reports indexes (rows come
    # in build order, which groups an agency's reports).
    # Every report with a format has a cell for each of its format's fields (load.py).
    cols = [f for f in formats.all_fields().values() if f.table == table]
    pivots = ",\n    ".join(
        f"(select c.value from cells c where c.report_key = r.key and c.field_key = {keys[f.id]}) "
        f"as {_q(f.id)}"
        for f in cols
    )
    version = f"r.{table}_version as table_version, " if table in ("t2", "t3") else ""
    return f"""select
    r.id as report_id, r.agency_id, r.agency, r.province, r.level, r.year, r.format,
    {version}r.scope, r.check_status,
    {pivots}
from reports r
where r.format is not null"""


COVERAGE_SQL = """with recursive
bounds as (select min(year) as lo, max(year) as hi from reports where year >= 2008),
years(year) as (select lo from bounds where lo is not null
                union all select year + 1 from years, bounds where year < bounds.hi),
last_crawl as (select agency_id, state, finished from (
    select agency_id, state, finished, row_number() over (
        partition by agency_id order by finished desc, run_id desc, seq desc) as n
    from portal_crawls where agency_id is not null) where n = 1)
select
    a.id as agency_id, a.name as agency, a.province, a.city, a.county, a.level, years.year,
    count(r.id) as found,
    case when count(r.id) = 0 then 1 else 0 end as missing,
    sum(case when r.parse_status = 'parsed' then 1 else 0 end) as parsed,
    sum(case when r.parse_status is not null and r.parse_status != 'parsed' then 1 else 0 end) as unparsed,
    coalesce(sum(r.checks_failed), 0) as failed_checks,
    case
        when count(r.id) = 0 then 'missing'
        when sum(case when r.parse_status = 'parsed' then 1 else 0 end) = 0 then 'unparsed'
        when coalesce(sum(r.checks_failed), 0) > 0 then 'checks failed'
        else 'ok'
    end as status,
    lc.state as crawl_state, lc.finished as last_crawled
from agencies a cross join years
left join reports r on r.agency_id = a.id and r.year = years.year
left join last_crawl lc on lc.agency_id = a.id
group by a.id, years.year
order by a.province, a.id, years.year"""

# The texts of sections 一 … 六 of every document, from search_index (a report's canonical
# document) and document_texts (its others; migration 0020): a document's texts are the row ids
# text_id_range gives, so its sections are one range of them (+s.part: a filter on section must
# not make SQLite index the computed part, which took seconds, instead of reading each range).
# The text is looked up by row id outside the union: SQLite computes every column of a compound
# subquery it does not flatten, and a count or a facet of the view must inflate no text.
def _text_range(alias: str) -> str:
    lo = (f"((min(max(coalesce({alias}.year, 1900) - 1900, 0), 255) << {search.YEAR_SHIFT})"
          f" | ({alias}.key << 3))")
    return f"{lo} + 1 and {lo} + 6"


REPORT_SECTIONS_VIEW = f"""select u.report_id, u.section, u.heading,
    case when u.canonical then (select x.text from search_index x where x.id = u.id)
         else (select y.text from document_texts y where y.id = u.id) end as text
from (select r.id as report_id, +s.part as section, s.heading, s.id, 1 as canonical
      from reports r
      join search_index s on s.id between {_text_range("r")}
      union all
      select d.id, +t.part, t.heading, t.id, 0
      from documents d
      join document_texts t on t.id between {_text_range("d")}) u"""


# Every document of every report: its canonical document (reports) and the others (documents).
REPORT_DOCUMENTS_VIEW = """select r.id as report_id, r.id as document_id, 'canonical' as role,
    r.kind, r.url, r.capture_sha256, r.capture_id, r.fetched_at, r.title, r.published, r.format,
    r.parse_status, r.n_values, r.same_as, r.key as document_key, r.agency_id, r.year
from reports r
union all
select d.report_id, d.id, d.role, d.kind, d.url, d.capture_sha256, d.capture_id, d.fetched_at,
    d.title, d.published, d.format, d.parse_status, d.n_values, d.same_as, d.key, d.agency_id,
    d.year
from documents d"""

VIEWS = {
    "report_documents": lambda keys: REPORT_DOCUMENTS_VIEW,
    "values": lambda keys: compact.VALUES_VIEW,
    "report_sections": lambda keys: REPORT_SECTIONS_VIEW,
    "checks": lambda keys: compact.CHECKS_VIEW,
    "t2_wide": lambda keys: wide_view_sql("t2", keys),
    "t3_wide": lambda keys: wide_view_sql("t3", keys),
    "t4_wide": lambda keys: wide_view_sql("t4", keys),
}


def create_views(db: sqlite_utils.Database) -> None:
    """(Re)create every derived view; views hold no data, so this is always safe."""
    keys = field_keys(db)
    for name, sql in VIEWS.items():
        db.execute(f"drop view if exists {_q(name)}")
        db.execute(f"create view {_q(name)} as {sql(keys)}")


def field_keys(db: sqlite_utils.Database) -> dict[str, int]:
    """field id -> field_keys.key for every field of every format (keys given on first need,
    in the formats' order, never changed)."""
    ids = list(formats.all_fields())
    with db.atomic():
        db.conn.executemany("insert or ignore into field_keys (field_id) values (?)",
                            [(i,) for i in ids])
    return dict(db.execute("select field_id, key from field_keys").fetchall())
