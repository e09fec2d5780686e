"""Chinese full-text search on the default FTS5 tokenizer: bigram segmentation."""
from __future__ import annotations

import sqlite3

import pytest

from crawler.db.search import fts_query, index_text

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


def _index_text_by_definition(text):
    """The segmentation as the module docstring defines it, written plainly: each run of Han
    characters -> its bigrams and its last character; other text -> its words (unicode61)."""
    import re
    from crawler.db import search
    out = []
    for piece in re.findall(f"[{search._HAN}]+|[^{search._HAN}\\s]+", text or ""):
        if re.match(f"[{search._HAN}]", piece):
            out += [piece[i:i + 2] for i in range(len(piece) - 1)] + [piece[-1]]
        else:
            out += re.findall(r"\w+", piece)
    return " ".join(out)


def test_index_text_is_the_plain_definition():
    """index_text is written for speed; what it indexes must not drift from the definition
    (an FTS5 delete repeats the tokens indexed, and search.VERSION only changes on purpose)."""
    import random
    from pathlib import Path
    alphabet = (list("政府信息公开年度报告复议abcXYZ012_- .,，。、\n\t（）%％ＡＢ１２ßé²Ⅻ")
                + ["\u3400", "\u4dbf", "\uf900", "\ufaff", "\u0301", "\U00020000", "\u3000",
                   "\u200b", "〇", "々"])
    rnd = random.Random(7)
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(20000)]
    texts += [TEXT, "", None, "单", "a单b"]
    texts += [p.read_text(encoding="utf-8", errors="replace")
              for p in sorted((Path(__file__).resolve().parents[1] / "tests" / "wild_truth").glob("*"))[:5]
              if p.is_file()]
    for t in texts:
        assert index_text(t) == _index_text_by_definition(t), repr(t)
