"""Each report text stored once and compressed (crawler/db/texts.py, migration 0020):
search_index holds it, report_sections reads it, the index finds exactly what it found,
and an archive of the former layout (every text twice, hashed row ids, an index with
positions) migrates to the same texts and the same search answers."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from crawler.db import build, dictionary, export, search, texts
from testbed import synthetic_archive as synthetic

FORMER_TEXT_TABLES = """
CREATE TABLE report_sections (
    report_id TEXT NOT NULL REFERENCES reports(id), section TEXT NOT NULL, heading TEXT, text TEXT,
    PRIMARY KEY (report_id, section));
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY, report_id TEXT REFERENCES reports(id), part TEXT, heading TEXT,
    text TEXT, agency TEXT, year INTEGER, province TEXT, tokens TEXT);
CREATE INDEX idx_search_index_report ON search_index (report_id);
CREATE VIRTUAL TABLE search_index_fts USING fts5 (tokens, content="search_index", content_rowid="id");
"""


def connect(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    search.register_functions(conn)
    return conn


def to_former_texts(conn: sqlite3.Connection) -> None:
    """Turn an archive's texts into the layout an archive.db had before migration 0020: every
    section in report_sections and again (with the title) in search_index, row ids hashed
    (migration 0014), an index with positions; the sections of the documents that are not
    their report's canonical one in report_sections only; the migration not applied."""
    old = conn.execute("select id, report_id, part, heading, text, agency, year, province "
                       "from search_index").fetchall()
    others = conn.execute("select document_id, part, heading, text from document_texts "
                          "where part != 'title'").fetchall()
    conn.execute("drop view report_sections")
    conn.execute("drop table document_texts")
    conn.execute("drop table search_index_fts")
    conn.execute("drop table search_index")
    conn.execute("drop table text_dictionaries")
    conn.executescript(FORMER_TEXT_TABLES)
    conn.executemany("insert into search_index values (?, ?, ?, ?, ?, ?, ?, ?, null)",
                     [(search.search_rowid(rid, part, year), rid, part, heading, text, agency, year,
                       province) for _, rid, part, heading, text, agency, year, province in old])
    conn.executemany("insert into report_sections values (?, ?, ?, ?)",
                     [(rid, part, heading, text) for _, rid, part, heading, text, *_ in old
                      if part != "title"] + others)
    conn.executemany("insert into search_index_fts (rowid, tokens) values (?, ?)",
                     sorted((search.search_rowid(rid, part, year), search.index_text(text))
                            for _, rid, part, _, text, _, year, _ in old))
    conn.execute("delete from _sqlite_migrations where name = '0020_texts_stored_once'")
    conn.commit()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("texts") / "archive.db"
    synthetic.write(path, 120, seed=5)
    return path


def _texts(path) -> list[tuple]:
    conn = connect(path)
    try:
        return sorted(conn.execute("select report_id, part, heading, text, agency, year, province "
                                   "from search_index").fetchall())
    finally:
        conn.close()


def _sections(path) -> list[tuple]:
    conn = connect(path)
    try:
        return sorted(conn.execute("select report_id, section, heading, text from report_sections"))
    finally:
        conn.close()


def _search(path, q: str) -> list[tuple]:
    conn = connect(path)
    try:
        return conn.execute(dictionary.CANNED["search"]["sql"], {"q": q}).fetchall()
    finally:
        conn.close()


def test_each_text_is_stored_once_and_read_back_exactly(archive):
    conn = connect(archive)
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert "report_sections" not in names  # a view now
    kinds = dict(conn.execute("select typeof(body), count(*) from search_index group by 1").fetchall())
    assert kinds.get("blob", 0) > 0.8 * sum(kinds.values())
    stored, plain = conn.execute("select sum(length(body)), sum(length(cast(text as blob))) "
                                 "from search_index").fetchone()
    assert stored < 0.5 * plain
    # every section of report_sections is the text of search_index, and the title is the report's
    for rid, section, heading, text in conn.execute("select * from report_sections"):
        assert heading == search.SECTION_HEADINGS[section] and text.startswith(heading)
    titles = dict(conn.execute("select report_id, text from search_index where part = 'title'"))
    assert titles == dict(conn.execute("select id, title from reports"))
    conn.close()


def test_the_loader_writes_what_the_parse_gave(tmp_path):
    path = tmp_path / "a.db"
    items = [(res, cap) for _, res, cap in synthetic.generate(15, seed=8)]
    db = build.open_db(path)
    from crawler.db import load

    ids = load.load_many(db, items)
    db.close()
    got = {(r[0], r[1]): r[3] for r in _sections(path)}
    for rid, (res, _) in zip(ids, items):
        for k, text in res["sections"].items():
            assert got.pop((rid, k)) == text
    assert not got


def test_codec_round_trip_and_dictionary_kept_in_the_archive(archive):
    conn = connect(archive)
    codec = texts.codec(conn)
    assert codec.dictionaries == {1: texts.build_dictionary()}
    for t in ["", "短", "政府信息公开工作年度报告" * 40, "a\u0000b", "𠀀" * 300, "本年新收政府信息公开申请数量\t3\t0"]:
        packed = codec.pack(t)
        assert codec.unpack(packed) == t
        assert isinstance(packed, str) or len(packed) < len(t.encode())
    # a file readable without this code: raw DEFLATE with the stored dictionary
    import zlib
    body, text = conn.execute("select body, text from search_index where typeof(body) = 'blob' "
                              "limit 1").fetchone()
    (zdict,) = conn.execute("select dict from text_dictionaries where version = ?", [body[0]]).fetchone()
    assert zlib.decompressobj(-15, zdict=zdict).decompress(body[1:]).decode() == text
    conn.close()
    with pytest.raises(ValueError, match="dictionary 7"):
        codec.unpack(bytes([7]) + b"xx")


def test_search_finds_exactly_the_texts_holding_the_phrase(archive):
    conn = connect(archive)
    for q in ("复议", "政府信息公开", "行政复议 诉讼", "公开"):
        got = _search(archive, q)
        assert got, q
        for rid, agency, year, part, heading, excerpt in got:
            (text,) = conn.execute("select text from search_index where report_id = ? and part = ?",
                                   [rid, part]).fetchone()
            assert all(w in text for w in q.split()), (q, rid, part)
        # newest years first; every text holding the words is found (up to 500)
        holding = conn.execute("select count(*) from search_index where " + " and ".join(
            "instr(text, ?) > 0" for _ in q.split()), q.split()).fetchone()[0]
        assert len(got) == min(500, holding), q
        assert [r[2] for r in got] == sorted((r[2] for r in got), reverse=True)
    conn.close()
    assert _search(archive, "复议诉讼申请书") == []


def test_a_phrase_whose_bigrams_are_apart_is_not_found(tmp_path):
    """The index keeps no positions: 公开政务，开政府 holds 公开, 开政 and 政府 but not 公开政府."""
    path = tmp_path / "a.db"
    (res, cap), = [(r, c) for _, r, c in synthetic.generate(1, seed=9)]
    res["sections"] = {"s1": "一、总体情况\n公开政务，开政府。", "s5": "五、存在的主要问题及改进情况\n公开政府。"}
    db = build.open_db(path)
    from crawler.db import load

    rid = load.load_parsed(db, res, cap)
    build.rebuild_after_load(db)
    db.close()
    conn = connect(path)
    raw = conn.execute("select s.part from search_index_fts f join search_index s on s.id = f.rowid "
                       "where search_index_fts match ? order by 1", [search.fts_query("公开政府")]).fetchall()
    assert raw == [("s1",), ("s5",)]  # the index alone: both
    conn.close()
    assert [(r[0], r[3]) for r in _search(path, "公开政府")] == [(rid, "s5")]


def test_exports_give_the_text_not_the_stored_bytes(archive):
    import io
    import json

    conn = connect(archive)
    sql = export.table_sql(conn, "search_index")
    conn.close()
    out = io.BytesIO()
    n = export.write_jsonl(archive, sql, out)
    first = json.loads(out.getvalue().decode().splitlines()[0])
    assert n > 100 and "body" not in first
    assert list(first) == ["id", "report_id", "part", "heading", "text", "agency", "year",
                           "province", "tokens"]
    out = io.BytesIO()
    assert export.write_csv(archive, "select body from search_index limit 3", out) == 3


def test_migration_from_texts_stored_twice(archive, tmp_path):
    former = tmp_path / "former.db"
    shutil.copy(archive, former)
    conn = connect(former)
    to_former_texts(conn)
    conn.close()
    before_texts, before_sections = _texts(former), _sections(former)
    queries = ("复议", "政府信息公开", "诉讼 复议")
    before_hits = {q: sorted(_search(former, q)) for q in queries}
    assert before_texts == _texts(archive) and before_sections == _sections(archive)
    db = build.open_db(former)  # applies migration 0020
    db.close()
    assert _texts(former) == before_texts
    assert _sections(former) == before_sections
    conn = connect(former)
    assert conn.execute("select count(*) from sqlite_master where name = 'idx_search_index_report'"
                        ).fetchone() == (0,)
    ids = conn.execute("select s.id, r.key, r.year, s.part from search_index s "
                       "join reports r on r.id = s.report_id").fetchall()
    assert all(i == search.text_id(year, key, part) for i, key, year, part in ids)
    conn.close()
    for q in queries:
        assert sorted(_search(former, q)) == before_hits[q], q
    # the index the migration built holds what the loader's index holds
    a, b = connect(archive), connect(former)
    vocab = "create virtual table temp.v using fts5vocab(main, search_index_fts, row)"
    a.execute(vocab)
    b.execute(vocab)
    assert a.execute("select * from temp.v order by 1").fetchall() == \
        b.execute("select * from temp.v order by 1").fetchall()
    a.close()
    b.close()
