"""The archive's full-text search: segmenting Chinese for SQLite's default FTS5 tokenizer, the
row ids of search_index, and keeping its FTS index up to date (indexing, taking out, rebuilding,
the segmenter's version).

SQLite 3.40's `unicode61` tokenizer treats a run of Han characters as one token, and the
`trigram` tokenizer never matches fewer than three characters. So the archive indexes a
*segmented copy* of every text: each run of Han characters becomes its overlapping character
bigrams followed by its last character (政府信息公开 → 政府 府信 信息 息公 公开 开); everything
else is left to unicode61. A query is segmented the same way:

* a run of two or more Han characters becomes its bigrams, which the text must all hold
  ("复议" → "复议"; "政府信息公开" → "政府" "府信" "信息" "息公" "公开"); the index keeps which texts hold a token, not
  where (FTS5 detail=none: a third of the size, docs/benchmarks.md), so the run itself is then
  checked in the text (``cjk_contains(text, q)``, contains_query): the canned `search` query
  and the search box of search_index (crawler.web.plugin) both do, so a phrase finds exactly
  the texts that hold it;
* a single Han character becomes a prefix query (议*), which matches a bigram starting with it
  or the single character closing a run;
* other words are quoted as Datasette's own `escape_fts` does, each one required.

`fts_query` replaces Datasette's `escape_fts` SQL function (see crawler.web.plugin), so the
table search box, datasette-search-all and the canned `search` query all go through it.
"""
from __future__ import annotations

import hashlib
import operator
import re
from typing import Iterable

import sqlite_utils

from . import texts

# The version of index_text's output. The index is kept up to date as reports are loaded and
# deleted (crawler.db.load through index_texts), and an FTS5 delete must repeat the tokens that were indexed: bump
# this whenever index_text changes, and the next build re-indexes everything (refresh_search).
VERSION = "1"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_HAN}]+|[^{_HAN}\\s]+")
_IS_HAN = re.compile(f"[{_HAN}]")
# characters FTS5 would read as query syntax inside a bareword
_WORD = re.compile(r"[\w]+", re.UNICODE)
# a run of Han characters, or a word of other characters: a maximal run of word characters
# that are not Han (= _WORD's words inside _RUN's non-Han runs)
_PIECE = re.compile(f"([{_HAN}]+)|([^\\W{_HAN}]+)")


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None) -> str:
    """The segmented copy of `text` that goes into the FTS index.

    Written for speed (the loader segments every text it writes): one regex pass gives each run
    of Han characters or each word of other characters (the words of _WORD inside the runs of
    _RUN), and a run's bigrams are built by map() rather than index by index; the output is
    the definition in this module's docstring, character for character (tests/test_db_search.py)."""
    if not text:
        return ""
    out: list[str] = []
    extend, append = out.extend, out.append
    for han, word in _PIECE.findall(text):
        if han:
            extend(map(operator.add, han, han[1:]))
            append(han[-1])
        else:
            append(word)
    return " ".join(out)


def _query_terms(query: str | None):
    """(Han runs of two or more characters, FTS tokens) of each term a reader typed."""
    for term in (query or "").split():
        runs: list[str] = []
        tokens: list[str] = []
        prefix_only: str | None = None
        for m in _RUN.finditer(term):
            piece = m.group(0)
            if _IS_HAN.match(piece):
                if len(piece) == 1:
                    prefix_only = piece
                    continue
                runs.append(piece)
                tokens.extend(dict.fromkeys(_bigrams(piece)))
            else:
                tokens.extend(_WORD.findall(piece))
        yield runs, tokens, prefix_only


def fts_query(query: str | None, counts: "TokenCounts | None" = None) -> str:
    """Turn what a reader typed into an FTS5 query over `index_text` output: every term's
    tokens must occur in the text (the index keeps no positions: the runs of Han characters
    are then checked in the text by contains_query).

    With `counts` (the connection's TokenCounts), the bigrams of its Han runs that PROBE texts
    or more hold are left out when the other tokens alone match fewer than FEW texts: those
    runs are checked in the text all the same, so the texts found are the same, but SQLite no
    longer reads the index's longest lists. A township's name (昌石街道办事处: 街道 道办 办事
    事处 in nearly every text of the national archive) matched in 14 ms with its six bigrams,
    0.3 ms with its two rarer ones. Every candidate is still read: they are fewer than FEW,
    under the 2,000 candidates the canned `search` query reads (crawler.db.dictionary)."""
    terms = list(_query_terms(query))

    def written(leave_out=frozenset()) -> str:
        parts: list[str] = []
        for _, tokens, prefix_only in terms:
            parts.extend('"' + t.replace('"', '""') + '"' for t in tokens if t not in leave_out)
            if prefix_only and not tokens:
                parts.append(f'"{prefix_only}"*')
        return " ".join(parts) if parts else '""'

    whole = written()
    if counts is None:
        return whole
    han = {t for _, tokens, _ in terms for t in tokens if _IS_HAN.match(t)}
    common = frozenset(t for t in han if (counts.texts(f'"{t}"', PROBE) or 0) >= PROBE)
    if not common or common == han:
        return whole
    fewer = written(common)
    n = counts.texts(fewer, FEW)
    return fewer if n is not None and n < FEW else whole


# A bigram held by PROBE texts or more is left out of a query whose other tokens match fewer
# than FEW texts (fts_query). Counting stops at the limit (~2 ms for PROBE on the national archive).
PROBE = 20000
FEW = 400


class TokenCounts:
    """How many texts of search_index a match finds, counted up to a limit and kept for the
    life of the connection (a served file does not change; while a build writes one, a count
    only decides which lists SQLite reads, never which texts are found). None without the
    index."""

    MAX_KEPT = 20000

    def __init__(self, conn) -> None:
        self.conn = conn
        self.kept: dict[tuple[str, int], int | None] = {}

    def texts(self, match: str, limit: int) -> int | None:
        key = (match, limit)
        if key in self.kept:
            return self.kept[key]
        try:
            n = self.conn.execute(
                "select count(*) from (select rowid from search_index_fts "
                "where search_index_fts match ? limit ?)", [match, limit]).fetchone()[0]
        except Exception:  # no index here, or the statement refused: nothing left out
            n = None
        if len(self.kept) < self.MAX_KEPT:
            self.kept[key] = n
        return n


def contains_query(text: str | None, query: str | None) -> bool:
    """Whether `text` holds every run of two or more Han characters of every term of `query`
    as it is written (the phrase check the index without positions leaves to the text): with
    fts_query's match, a search finds exactly the texts holding each Chinese word or phrase."""
    if text is None:
        return False
    return all(run in text for runs, _, _ in _query_terms(query) for run in runs)


# ---------------------------------------------------------------- the FTS index of search_index
SEARCH_VERSION_KEY = "search_segmenter"


def index_texts(db, texts: Iterable[tuple[int, str]], delete: bool = False) -> None:
    """Put (row id, text) pairs into the FTS index, or take them out (FTS5 'delete' must repeat
    the tokens indexed), segmented by index_text, in row id order: FTS5 writes what it holds in
    memory out as a new segment whenever a row id is lower than the last one."""
    sql = ("insert into search_index_fts(search_index_fts, rowid, tokens) values ('delete', ?, ?)"
           if delete else "insert into search_index_fts(rowid, tokens) values (?, ?)")
    db.conn.executemany(sql, sorted(((i, index_text(t)) for i, t in texts),
                                    key=operator.itemgetter(0)))


def search_is_current(db: sqlite_utils.Database) -> bool:
    """Whether the FTS index holds exactly search_index, segmented by today's index_text, so
    the loader keeps it up to date row by row. When it does not (index_text changed), the
    loader leaves it alone and the next build re-indexes everything (refresh_search)."""
    row = db.execute("select value from archive_info where key = ?", [SEARCH_VERSION_KEY]).fetchone()
    return bool(row) and row[0] == VERSION


def search_rowid(report_id: str, part: str, year: int | None = None) -> int:
    """The row ids search_index had from migration 0014 to 0020 (the year in the top bits, a
    hash of report and part below); migration 0014 still gives them. Today's: text_id."""
    y = min(max((year or 1900) - 1900, 0), 255)
    return (y << 52) | int(hashlib.sha1(f"{report_id}\0{part}".encode()).hexdigest()[:13], 16)


# The standard heading of each section (search_index.heading, report_sections.heading): defined
# with the texts' codec, whose dictionary holds them
SECTION_HEADINGS = texts.SECTION_HEADINGS

# A text's part (title, sections 一 … 六) as the low three bits of its row id.
PARTS = ("title", "s1", "s2", "s3", "s4", "s5", "s6")
PART_NUMBER = {p: i for i, p in enumerate(PARTS)}
KEY_BITS = 37            # report keys below 2**37; the year (since 1900) above them
YEAR_SHIFT = KEY_BITS + 3


def text_id(year: int | None, report_key: int, part: str) -> int:
    """The row id of a report's text in search_index and its FTS index: the year (since 1900)
    in the top bits, then the report's key (reports.key), then the part (PARTS).

    The index lists a word's rows in row id order, so the newest years are read first and a
    search stops after its page; and the rows of one year follow the reports' keys, so the
    gaps between the row ids of a word's rows are small and the index stores each in a byte
    or two (with hashed ids, as before migration 0020, it was twice the size:
    docs/benchmarks.md). A reloaded report keeps its key, so its texts keep their ids."""
    if not 0 <= report_key < 1 << KEY_BITS:
        raise ValueError(f"report key {report_key} out of range for a text id")
    y = min(max((year or 1900) - 1900, 0), 255)
    return (y << YEAR_SHIFT) | (report_key << 3) | PART_NUMBER[part]


def text_id_range(year: int | None, report_key: int) -> tuple[int, int]:
    """The row ids the texts of one report can have (title to section 六)."""
    lo = text_id(year, report_key, "title")
    return lo, lo + 7


# search_index's columns computed from the row id (generated columns, migration 0020)
PART_SQL = ("case id & 7 " + " ".join(f"when {i} then '{p}'" for i, p in enumerate(PARTS))
            + " end")
HEADING_SQL = ("case id & 7 " + " ".join(f"when {PART_NUMBER[k]} then '{h}'" for k, h in SECTION_HEADINGS.items())
               + " end")
YEAR_SQL = f"case when id >> {YEAR_SHIFT} = 0 then null else (id >> {YEAR_SHIFT}) + 1900 end"


def mark_search_current(db: sqlite_utils.Database) -> None:
    """Record that the FTS index matches search_index under today's index_text."""
    db.execute("insert into archive_info (key, value) values (?, ?) "
               "on conflict (key) do update set value = excluded.value",
               [SEARCH_VERSION_KEY, VERSION])


def drop_search(db: sqlite_utils.Database) -> None:
    """Empty the index and mark it stale: the loader then leaves it alone and the next
    refresh_search re-indexes everything once. A build that reloads much of the archive does
    this first (an FTS5 delete and insert per text cost more than one re-index, and leave the
    index full of deletion markers until merged)."""
    db.execute("insert into search_index_fts(search_index_fts) values ('delete-all')")
    db.execute("delete from archive_info where key = ?", [SEARCH_VERSION_KEY])


def refresh_search(db: sqlite_utils.Database) -> int:
    """The search index after loading: the loader already indexed every text it wrote, so
    this only re-indexes everything when index_text changed (VERSION). At national
    size a full re-index takes most of an hour; a build that reloads a few reports should
    cost a few reports. Returns the number of texts re-indexed."""
    if search_is_current(db):
        return 0
    return rebuild_search(db)


def rebuild_search(db: sqlite_utils.Database) -> int:
    """Re-derive the whole FTS index from search_index, segmented by today's index_text, and
    record that version so the loader keeps it up to date from now on."""
    db.execute("insert into search_index_fts(search_index_fts) values ('delete-all')")
    n, last = 0, None
    while True:  # in slices: the texts of a national archive do not fit in memory at once
        rows = db.execute("select id, text from search_index where ? is null or id > ? "
                          "order by id limit 5000", [last, last]).fetchall()
        if not rows:
            break
        index_texts(db, rows)
        n += len(rows)
        last = rows[-1][0]
    db.execute("insert into search_index_fts(search_index_fts) values ('optimize')")
    mark_search_current(db)
    return n


def register_functions(conn) -> None:
    """The SQL functions the search and the canned queries use: Datasette's `escape_fts`
    replaced by fts_query (with this connection's TokenCounts), `cjk_fts_query` (the same
    function under its own name),
    `cjk_contains(text, q)` (contains_query) and `ogi_text(body)` (crawler.db.texts)."""
    counts = TokenCounts(conn)

    def query(q):
        return fts_query(q, counts)
    conn.create_function("escape_fts", 1, query, deterministic=True)
    conn.create_function("cjk_fts_query", 1, query, deterministic=True)
    conn.create_function("cjk_contains", 2, contains_query, deterministic=True)
    texts.register(conn)
