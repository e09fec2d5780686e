"""The search index is kept up to date by the loader (crawler.db.load): a text written is
indexed in the same transaction, a report reloaded or deleted leaves the index as it
indexed it, and a build re-indexes everything only when the segmenter changed. After any
of these the index holds exactly what a full re-index of search_index would hold."""
from __future__ import annotations

import copy
import shutil
import sqlite3

import pytest

from crawler.db import build, load, search
from testbed import synthetic_archive as synthetic


def _index(path) -> list[tuple]:
    """Every (term, row, column, offset) the index answers from, after its integrity check."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("insert into search_index_fts(search_index_fts) values ('integrity-check')")
        conn.execute("create virtual table temp.terms using fts5vocab(main, search_index_fts, instance)")
        return conn.execute("select * from temp.terms order by 1, 2, 3, 4").fetchall()
    finally:
        conn.close()


def _rebuilt(path, tmp_path) -> list[tuple]:
    """The index of a copy of the archive, re-derived from search_index from scratch."""
    copy_path = tmp_path / "rebuilt.db"
    shutil.copy(path, copy_path)
    db = build.open_db(copy_path)
    with db.atomic():
        search.rebuild_search(db)
    db.close()
    return _index(copy_path)


def _hits(path, query: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute(
            "select s.report_id from search_index_fts f join search_index s on s.id = f.rowid "
            "where search_index_fts match ? order by 1", [search.fts_query(query)])]
    finally:
        conn.close()


@pytest.fixture()
def archive(tmp_path):
    path = tmp_path / "archive.db"
    synthetic.write(path, 60, seed=3)
    return path


def _reports(n: int) -> list[tuple[dict, dict]]:
    return [(res, cap) for _, res, cap in synthetic.generate(n, seed=3)]


def test_loaded_archive_is_indexed_as_a_rebuild_would(archive, tmp_path):
    got = _index(archive)
    assert len(got) > 10_000
    assert got == _rebuilt(archive, tmp_path)


def test_reload_and_delete_keep_the_index_exact(archive, tmp_path):
    db = build.open_db(archive)
    (res, cap), (gone, _) = _reports(2)
    rid = load.load_parsed(db, res, cap)
    assert rid in _hits(archive, "总体情况")
    # the same report again with new text: the old words leave the index with it
    changed = copy.deepcopy(res)
    changed["sections"] = {"s1": "一、总体情况\n本年度新设立鳄鱼湖信息公开专栏。"}
    assert load.load_parsed(db, changed, cap) == rid
    gone_id = load.load_parsed(db, gone, cap | {"url": cap["url"] + "?2", "final_url": None})
    with db.atomic():
        load.delete_report(db, gone_id)
    build.rebuild_after_load(db)
    db.close()
    assert _hits(archive, "鳄鱼湖") == [rid]
    assert rid not in _hits(archive, "主动公开政府信息情况")  # section s2 is no longer printed
    assert gone_id not in _hits(archive, "总体情况")
    assert _index(archive) == _rebuilt(archive, tmp_path)


def test_a_failed_reload_leaves_the_index_as_it_was(archive):
    db = build.open_db(archive)
    (res, cap), = _reports(1)
    rid = load.load_parsed(db, res, cap)
    before = _index(archive)
    # the reload takes the old texts out of the index before its bad value stops it
    broken = copy.deepcopy(res)
    broken["sections"] = {"s1": "一、总体情况\n新设立鳄鱼湖专栏。"}
    broken["values"] = dict(broken["values"], **{"t3.new.total": object()})
    with pytest.raises(Exception):
        load.load_parsed(db, broken, cap)
    db.close()
    assert _index(archive) == before
    assert _hits(archive, "鳄鱼湖") == []
    assert rid in _hits(archive, "总体情况")


def test_a_changed_segmenter_is_reindexed_by_the_next_build(archive, tmp_path, monkeypatch):
    # an archive indexed by an earlier segmenter: the loader leaves its index alone (a delete
    # must repeat the tokens indexed, which today's segmenter no longer gives) ...
    conn = sqlite3.connect(archive)
    conn.execute("update archive_info set value = 'earlier' where key = ?", [search.SEARCH_VERSION_KEY])
    conn.commit()
    conn.close()
    before = _index(archive)
    db = build.open_db(archive)
    (res, cap), = _reports(1)
    changed = copy.deepcopy(res)
    changed["sections"] = {"s1": "一、总体情况\n本年度新设立鳄鱼湖信息公开专栏。"}
    rid = load.load_parsed(db, changed, cap)
    assert _index(archive) == before
    # ... and the next build re-indexes everything with today's segmenter and records it
    build.rebuild_after_load(db)
    db.close()
    assert _hits(archive, "鳄鱼湖") == [rid]
    assert _index(archive) == _rebuilt(archive, tmp_path)
    conn = sqlite3.connect(archive)
    assert conn.execute("select value from archive_info where key = ?",
                        [search.SEARCH_VERSION_KEY]).fetchone() == (search.VERSION,)
    conn.close()


def test_migration_indexes_texts_loaded_without_an_index(tmp_path):
    """An archive from before migration 0017 may hold texts never indexed (loaded without
    derived data): the migration re-indexes them once."""
    path = tmp_path / "old.db"
    synthetic.write(path, 30, seed=4)
    conn = sqlite3.connect(path)
    conn.execute("insert into search_index_fts(search_index_fts) values ('delete-all')")
    conn.execute("delete from _sqlite_migrations where name = '0017_incremental_search'")
    conn.execute("delete from archive_info where key = ?", [search.SEARCH_VERSION_KEY])
    conn.commit()
    conn.close()
    assert _hits(path, "总体情况") == []
    build.open_db(path).close()  # applies the migration
    assert len(_hits(path, "总体情况")) >= 25
    assert _index(path) == _rebuilt(path, tmp_path)


def test_a_build_that_reloads_much_of_the_archive_reindexes_once(tmp_path, monkeypatch):
    """A build re-parsing at least a quarter of the reports (a fresh archive, --full, a new
    parser version) empties the index first and re-indexes once after loading; a build with
    nothing to redo leaves the index alone."""
    from tests.test_db_archive import write_test_archive

    archive = write_test_archive(tmp_path / "archive")
    path = tmp_path / "archive.db"
    calls = []
    rebuild = search.rebuild_search
    monkeypatch.setattr(search, "rebuild_search", lambda db: calls.append(1) or rebuild(db))
    build.build(archive, path)
    assert calls == [1]
    indexed = _index(path)
    assert _hits(path, "政府信息公开")
    build.build(archive, path, full=False)
    assert calls == [1] and _index(path) == indexed
    build.build(archive, path, full=True)
    assert calls == [1, 1] and _index(path) == indexed
    assert indexed == _rebuilt(path, tmp_path)
