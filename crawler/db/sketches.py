"""Sketches of each document that copy detection buckets on (report_sketches), made by the loader.

Copy detection must run at national scale (1.3M reports) on every build, so no report is ever
compared with every other: each document gets small sketches when it is loaded, and the build
(crawler.db.flags) only compares documents whose sketches fall in the same bucket.

* A table's numbers (t2, t3, t4): a 64-bit digest of every (field id, number) the table prints,
  kept only when the table prints at least TABLE_MIN_NONZERO non-zero numbers outside its
  totals (二 6, 三 10, 四 6) — two small
  agencies that each received three applications and disclosed them print identical tables
  without copying anything. Identical digests = identical tables.
* A section's prose (s1 总体情况, s5 存在的主要问题及改进情况, s6 其他需要报告的事项; s2-s4 are the
  tables' own text): the text normalised to its letters (whitespace, digits and punctuation
  dropped, the heading line dropped), kept from PROSE_MIN_CHARS characters on (shorter sections
  are boilerplate such as 全年收取信息处理费 0 元), with a MinHash of its 5-character shingles (MINHASH_K values): the share of equal MinHash values of
  two sections estimates the Jaccard similarity of their shingle sets (standard error
  sqrt(J(1-J)/K), about 0.07 at J = 0.8).

Everything here is deterministic (no Python hash(): its seed changes per process), so building
twice gives the same archive.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Mapping

import numpy as np

TABLES = ("t2", "t3", "t4")
PROSE = ("s1", "s5", "s6")
# a table is sketched from this many non-zero numbers on: 二 has 10 cells (counts of documents
# and of licensing, penalty and coercion decisions: large, specific numbers), 三 ~170, 四 15
TABLE_MIN_NONZERO = {"t2": 6, "t3": 10, "t4": 6}
PROSE_MIN_CHARS = 200
SHINGLE = 5
MINHASH_K = 32

_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
_NOT_LETTER = re.compile(r"[\W\d_]+")  # what is not a letter: spaces, punctuation, digits


def _seeded(label: str, n: int) -> np.ndarray:
    out = [int.from_bytes(hashlib.sha256(f"ogi-minhash/{label}/{i}".encode()).digest()[:8], "little")
           for i in range(n)]
    return np.array(out, dtype=np.uint64)


_A = _seeded("a", MINHASH_K) | np.uint64(1)   # odd multipliers
_B = _seeded("b", MINHASH_K)
_P = _seeded("p", SHINGLE) | np.uint64(1)


def digest64(text: str) -> int:
    """A signed 64-bit digest (SQLite's INTEGER) of a text."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big", signed=True)


def _number(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else format(f, ".15g")


@functools.lru_cache(maxsize=2048)
def _is_total(field_id: str) -> bool:
    return "total" in field_id.split(".")[1:]


def table_sketches(values: Mapping[str, object]) -> dict[str, tuple[int, int]]:
    """{table: (non-zero numbers that are no total, digest)} of a document's tables above the
    threshold (one
    pass over its values: the loader runs this for every document)."""
    by: dict[str, list] = {t: [] for t in TABLES}
    for fid, v in values.items():
        if v is not None and (items := by.get(fid[:2])) is not None:
            items.append((fid, v))
    out = {}
    for t, items in by.items():
        # totals repeat the cells they sum: a body with 3 applications, all disclosed, prints 3
        # in six cells of table 三; only the cells that are no total tell tables apart
        nonzero = sum(1 for f, v in items if v != 0 and not _is_total(f))
        if nonzero >= TABLE_MIN_NONZERO[t]:
            items.sort()
            out[t] = (nonzero, digest64("\n".join(
                f"{f}={v if type(v) is int else _number(v)}" for f, v in items)))
    return out


def table_sketch(values: Mapping[str, object], table: str) -> tuple[int, int] | None:
    """(non-zero numbers, digest) of one table of a document, or None below the threshold."""
    return table_sketches(values).get(table)


def normalise(text: str | None) -> str:
    """A section's prose reduced to its letters: the heading line, whitespace, digits and
    punctuation dropped (a copier changes the year and the numbers, rarely the sentences)."""
    if not text:
        return ""
    lines = text.split("\n")
    if lines and _HEADING.match(lines[0]):
        lines = lines[1:]
    return _NOT_LETTER.sub("", "".join(lines))


def minhash(norm: str) -> np.ndarray:
    """MINHASH_K uint32 values: for each seeded hash function, the least over the text's
    SHINGLE-character shingles."""
    cp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - SHINGLE + 1
    if n <= 0:
        return np.full(MINHASH_K, np.iinfo(np.uint32).max, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(SHINGLE):  # a polynomial hash of each shingle, wrapping at 2^64
            h = h * _P[j] + cp[j:j + n]
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
        # (a*h + b) mod 2^64, its high 32 bits: K universal hashes of every shingle
        perm = (_A[:, None] * h[None, :] + _B[:, None]) >> np.uint64(32)
    return perm.min(axis=1).astype(np.uint32)


def prose_sketch(text: str | None) -> tuple[int, None, bytes] | None:
    """(normalised characters, None, MinHash bytes) of a section, or None when too short (an
    identical text has an identical MinHash: no digest of its own is stored)."""
    norm = normalise(text)
    if len(norm) < PROSE_MIN_CHARS:
        return None
    return len(norm), None, minhash(norm).tobytes()


def rows(key: int, values: Mapping[str, object], sections: Mapping[str, str]) -> list[tuple]:
    """report_sketches rows of one document: (report_key, part, size, hash, minhash)."""
    out = [(key, t, n, h, None) for t, (n, h) in table_sketches(values).items()]
    for part in PROSE:
        s = prose_sketch((sections or {}).get(part))
        if s is not None:
            out.append((key, part, *s))
    return out


def insert(conn, rows_: list[tuple]) -> None:
    if rows_:
        conn.executemany("insert or replace into report_sketches values (?, ?, ?, ?, ?)", rows_)


def fill_missing(db, batch: int = 2000) -> int:
    """Sketches of every document loaded before sketches existed (migration 0018, which creates
    the empty table): read from its cells and sections. Returns the number of documents read."""
    conn = db.conn
    fids = dict(conn.execute("select key, field_id from field_keys").fetchall())
    done = 0
    for table in ("reports", "documents"):
        if not conn.execute("select 1 from sqlite_master where name = ?", [table]).fetchone():
            continue
        last = None
        while True:
            docs = conn.execute(
                f"select key, id from {table} where key is not null and (? is null or key > ?) "
                f"order by key limit ?", [last, last, batch]).fetchall()
            if not docs:
                break
            out = []
            for key, rid in docs:
                values = {fids.get(f): v for f, v in conn.execute(
                    "select field_key, value from cells where report_key = ?", [key])}
                sections = dict(conn.execute(
                    "select section, text from report_sections where report_id = ?", [rid]))
                out += rows(key, values, sections)
            insert(conn, out)
            done += len(docs)
            last = docs[-1][0]
    return done
