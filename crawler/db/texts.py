"""How archive.db stores the text of a report (its title and sections 一 … 六): once, compressed.

A national archive holds ~9M texts, ~5G characters (docs/benchmarks.md): as UTF-8, 12 GB. Each
text is stored once, in ``search_index.body`` (the search index and the ``report_sections``
view read it from there), as

* TEXT, exactly as extracted, when compressing would not make it shorter (short titles), or
* a BLOB: one byte naming the dictionary (``text_dictionaries.version``) followed by the text's
  UTF-8 bytes compressed by zlib's raw DEFLATE with that preset dictionary.

The dictionary is the vocabulary every report shares: the row and column labels, block captions
and section headings of the national formats (parsers/formats/formats.yml) and the fixed phrases
of the official table heads. It is written into the archive when the table is made and never
changed there, so a file stays readable whatever later code does with the formats; a new
dictionary would be a new version beside it. Real reports' texts compress to ~35 % of their
UTF-8 bytes with it, ~48 % without (docs/benchmarks.md).

Readers get plain text through the SQL function ``ogi_text(body)`` (registered by the loader,
`ogi serve`, `ogi export`: ``register(conn)``), which the ``text`` column of ``search_index``
and the ``report_sections`` view use; without it (a bare ``sqlite3`` shell) those columns
answer "unknown function ogi_text()". In Python::

    zlib.decompressobj(-15, zdict=DICT).decompress(body[1:]).decode()   # DICT: text_dictionaries.dict
"""
from __future__ import annotations

import functools
import sqlite3
import zlib

# The standard heading of each section (search_index.heading, report_sections.heading); the
# dictionary below holds them
SECTION_HEADINGS = {
    "s1": "一、总体情况",
    "s2": "二、主动公开政府信息情况",
    "s3": "三、收到和处理政府信息公开申请情况",
    "s4": "四、政府信息公开行政复议、行政诉讼情况",
    "s5": "五、存在的主要问题及改进情况",
    "s6": "六、其他需要报告的事项",
}

VERSION = 1
LEVEL = 9

TABLE = """
CREATE TABLE text_dictionaries (
    version INTEGER PRIMARY KEY,    -- the first byte of a compressed search_index.body
    dict BLOB NOT NULL              -- zlib preset dictionary (raw DEFLATE, level 9)
);
"""

# Phrases printed in the heads of the national tables that the formats' labels do not spell
# out whole (the template's words, as every report prints them).
TABLE_HEAD_PHRASES = (
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "申请人情况", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
    "信息内容", "本年处理决定数量", "本年收费金额（单位：万元）",
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
    "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
)


def build_dictionary() -> bytes:
    """The preset dictionary of version 1 (zlib uses its last 32 KiB; the most common words
    last, where the matches are nearest)."""
    from parsers import formats

    words: list[str] = list(SECTION_HEADINGS.values())
    for version in formats.VERSIONS:
        fmt = formats.get(version)
        for b in fmt.t2_blocks:
            words += [b.caption, *(c.label for c in b.columns), *(r.label for r in b.rows)]
        words += [c.label for c in fmt.t3_columns] + [r.label for r in fmt.t3_rows]
        words += [b.label for b in fmt.t4_blocks] + [c.label for c in fmt.t4_columns]
    words += TABLE_HEAD_PHRASES
    return "\n".join(dict.fromkeys(w for w in words if w)).encode()


def create(conn) -> None:
    """The dictionary table with version 1 (migration)."""
    conn.execute(TABLE)
    conn.execute("insert into text_dictionaries (version, dict) values (?, ?)",
                 [VERSION, build_dictionary()])


class Codec:
    """pack() and unpack() with the dictionaries of one archive."""

    def __init__(self, dictionaries: dict[int, bytes]):
        self.dictionaries = dictionaries
        self.zdict = dictionaries.get(VERSION)
        # inflaters primed with each dictionary, copied for every text (priming costs as much
        # as inflating a short text)
        self._inflaters = {v: zlib.decompressobj(-15, d) for v, d in dictionaries.items()}
        self._inflaters[0] = zlib.decompressobj(-15)
        # SQLite computes a generated column anew at every mention (a query's excerpt names
        # the text four times, and an INSERT computes it once more): the last few texts read
        # are kept, and a text packed here is handed back once without inflating it
        self._cached = functools.lru_cache(maxsize=16)(self._unpack)
        self._packed: dict = {}

    def pack(self, text: str | None):
        if text is None:
            return None
        raw = text.encode()
        c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY,
                             *([self.zdict] if self.zdict else []))
        packed = c.compress(raw) + c.flush()
        if len(packed) + 1 >= len(raw):
            return text
        body = bytes([VERSION if self.zdict else 0]) + packed
        if len(self._packed) >= 50_000:  # packed but never inserted: forget them
            self._packed.clear()
        self._packed[body] = text
        return body

    def unpack(self, body):
        if type(body) is bytes and self._packed:
            text = self._packed.pop(body, None)
            if text is not None:
                return text
        return self._cached(body)

    def _unpack(self, body):
        if body is None or isinstance(body, str):
            return body
        if not body:
            return ""
        inflater = self._inflaters.get(body[0])
        if inflater is None:
            raise ValueError(f"text compressed with dictionary {body[0]}, which this archive lacks")
        d = inflater.copy()
        return (d.decompress(body[1:]) + d.flush()).decode()


def codec(conn) -> Codec:
    """The Codec of the archive `conn` is open on (no dictionary table: no dictionary)."""
    try:
        rows = conn.execute("select version, dict from text_dictionaries").fetchall()
    except sqlite3.Error:
        rows = []
    return Codec({int(v): bytes(d) for v, d in rows})


def register(conn) -> Codec:
    """`ogi_text(body)` on this connection; returns its Codec."""
    c = codec(conn)
    conn.create_function("ogi_text", 1, c.unpack, deterministic=True)
    return c


def codec_of(db) -> Codec:
    """The Codec of a sqlite_utils.Database: the one its connection's ogi_text uses (so a text
    the loader packs is not inflated again when SQLite computes the generated column)."""
    got = getattr(db, "_ogi_codec", None)
    if got is None or got[0] is not db.conn:
        got = db._ogi_codec = (db.conn, register(db.conn))
    return got[1]


def attach(db) -> Codec:
    """ogi_text on a sqlite_utils.Database's connection, as it is now (after its migrations)."""
    db._ogi_codec = (db.conn, register(db.conn))
    return db._ogi_codec[1]
