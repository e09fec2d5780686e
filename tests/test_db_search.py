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


def _texts():
    """Texts as reports write them: boilerplate every text holds, names few texts hold."""
    import random
    rnd = random.Random(3)
    towns = ["福永乡", "城沙县", "西嘉乡", "海丰街道", "福田镇", "永安乡"]
    body = ["政府信息公开工作", "依申请公开", "行政复议", "人民政府", "年度报告", "主动公开政府信息"]
    out = []
    for i in range(60):
        words = rnd.sample(body, 4) + ([towns[i % len(towns)] + "人民政府"] if i % 4 == 0 else [])
        rnd.shuffle(words)
        out.append("，".join(words) + "。")
    return out


def test_common_bigrams_are_left_out_and_the_same_texts_are_found(monkeypatch):
    """A query with a rare bigram reads only the short lists (TokenCounts), and finds exactly
    the texts the whole query and the phrase check find."""
    import random
    from crawler.db import search
    monkeypatch.setattr(search, "PROBE", 12)
    monkeypatch.setattr(search, "FEW", 6)
    c = sqlite3.connect(":memory:")
    search.register_functions(c)
    c.execute("create table t (id integer primary key, text text)")
    c.execute("create virtual table search_index_fts using fts5(tokens, detail=none)")
    texts = _texts()
    for i, text in enumerate(texts, 1):
        c.execute("insert into t values (?, ?)", [i, text])
        c.execute("insert into search_index_fts(rowid, tokens) values (?, ?)", [i, index_text(text)])
    rnd = random.Random(5)
    queries = ["福永乡人民政府", "城沙县 行政复议", "政府信息公开", "海丰街道人民政府 公开", "永安", "福"]
    queries += [t[s:s + rnd.randint(2, 7)] for t in rnd.sample(texts, 30) for s in [rnd.randrange(len(t) - 2)]]
    sql = ("select id from t where cjk_contains(text, :q) and id in "
           "(select rowid from search_index_fts where search_index_fts match {m}) order by id")
    pruned = 0
    for q in queries:
        whole = [r[0] for r in c.execute(sql.format(m=":m"), {"q": q, "m": fts_query(q)})]
        got = [r[0] for r in c.execute(sql.format(m="escape_fts(:q)"), {"q": q})]
        assert got == whole, q
        if all(len(w) >= 2 and all(search._IS_HAN.match(ch) for ch in w) for w in q.split()):
            # Chinese words only: exactly the texts holding each (the phrase check's truth)
            assert got == [i for i, t in enumerate(texts, 1) if search.contains_query(t, q)], q
        if c.execute("select escape_fts(?)", [q]).fetchone()[0] != fts_query(q):
            pruned += 1
    assert pruned >= 3, "no query was pruned: the test proves nothing"
    # the township's name: only its rare bigrams; boilerplate alone: every bigram kept
    town = c.execute("select escape_fts('福永乡人民政府')").fetchone()[0]
    assert '"福永"' in town and '"人民"' not in town and '"政府"' not in town, town
    assert c.execute("select escape_fts('政府信息公开')").fetchone()[0] == fts_query("政府信息公开")


def test_without_the_index_nothing_is_left_out(monkeypatch):
    from crawler.db import search
    c = sqlite3.connect(":memory:")
    search.register_functions(c)
    assert c.execute("select escape_fts('福永乡人民政府')").fetchone()[0] == fts_query("福永乡人民政府")
