"""Chinese full-text search on the default FTS5 tokenizer: bigram segmentation."""
from __future__ import annotations

import sqlite3

import pytest

from crawler.db.segment import fts_query, index_text

TEXT = "本机关2024年共收到行政复议申请3件，行政诉讼1件。政府信息公开工作稳步推进。"


@pytest.fixture()
def conn():
    c = sqlite3.connect(":memory:")
    c.execute("create virtual table f using fts5(tokens)")
    c.execute("insert into f(rowid, tokens) values (1, ?)", [index_text(TEXT)])
    c.execute("insert into f(rowid, tokens) values (2, ?)", [index_text("主动公开政府信息情况")])
    yield c
    c.close()


@pytest.mark.parametrize("query,rows", [
    ("复议", [1]), ("诉讼", [1]), ("政府信息公开", [1]), ("政府信息", [1, 2]),
    ("行政复议申请", [1]), ("复", [1]), ("2024", [1]), ("复议 诉讼", [1]),
    ("复议申诉", []), ("信息公开政府", []), ("主动公开", [2]),
])
def test_queries(conn, query, rows):
    got = [r[0] for r in conn.execute("select rowid from f where f match ? order by rowid", [fts_query(query)])]
    assert got == rows


def test_query_syntax_is_escaped(conn):
    for q in ['"', "a OR", "复议 NOT", "*", "(", "NEAR(", ""]:
        conn.execute("select rowid from f where f match ?", [fts_query(q)]).fetchall()
