"""Exports for researchers: CSV that Excel opens with Chinese intact (UTF-8 with BOM) and that
runs nothing (a text cell starting a formula gets a ``'`` prefix: crawler.csvsafe), JSON lines
(values as stored), and a consistent copy of the whole database file (SQLite backup API)."""
from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import IO, Iterator

FORMATS = ("csv", "jsonl", "db")


def _connect(db_path: Path) -> sqlite3.Connection:
    from .search import register_functions

    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    register_functions(conn)  # the SQL functions the canned queries use (Chinese search)
    return conn


def canned_sql(name: str) -> str:
    """The SQL of a canned query of metadata.yml (crawler.db.dictionary) by name."""
    from .dictionary import CANNED

    if name not in CANNED:
        raise KeyError(f"no canned query named {name!r} (have: {', '.join(sorted(CANNED))})")
    return CANNED[name]["sql"]


# Columns that hold a text as stored (compressed: crawler.db.texts) beside the column that reads
# it: an export gives the text, not the stored bytes
STORED_FORM = {"search_index": {"body"}, "document_texts": {"body"}}


def _q(name: str) -> str:
    return '"{}"'.format(name.replace('"', '""'))


def table_sql(conn: sqlite3.Connection, table: str) -> str:
    names = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    if table not in names:
        raise KeyError(f"no table or view named {table!r} (have: {', '.join(sorted(names))})")
    columns = [r[1] for r in conn.execute(f"pragma table_xinfo({_q(table)})") if r[6] != 1]
    columns = [c for c in columns if c not in STORED_FORM.get(table, ())]
    return "select {} from {}".format(", ".join(map(_q, columns)), _q(table))


def _plain(value):
    """A BLOB as base64 text (CSV and JSON hold no bytes)."""
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    return value


def rows(db_path: Path, sql: str, params: dict | None = None) -> Iterator[tuple[list[str], Iterator[tuple]]]:
    conn = _connect(db_path)
    try:
        cur = conn.execute(sql, params or {})
        yield [d[0] for d in cur.description], cur
    finally:
        conn.close()


def write_csv(db_path: Path, sql: str, out: IO[bytes], params: dict | None = None) -> int:
    """CSV, UTF-8 with a BOM, CRLF line ends (what Excel expects), formula-like text cells
    neutralised (crawler.csvsafe). Returns the number of rows."""
    import io

    from crawler.csvsafe import cell

    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    n = 0
    try:
        for columns, cur in rows(db_path, sql, params):
            w = csv.writer(text, lineterminator="\r\n")
            w.writerow([cell(c) for c in columns])
            for row in cur:
                w.writerow(["" if v is None else cell(_plain(v)) for v in row])
                n += 1
    finally:
        text.flush()
        text.detach()
    return n


def write_jsonl(db_path: Path, sql: str, out: IO[bytes], params: dict | None = None) -> int:
    """One JSON object per row, UTF-8 (Chinese unescaped), NULL as null."""
    n = 0
    for columns, cur in rows(db_path, sql, params):
        for row in cur:
            out.write((json.dumps(dict(zip(columns, map(_plain, row))), ensure_ascii=False)
                       + "\n").encode("utf-8"))
            n += 1
    return n


def copy_database(db_path: Path, dest: Path) -> Path:
    """A consistent copy of the whole database, even while it is being read (backup API)."""
    dest = Path(dest)
    if dest.resolve() == Path(db_path).resolve():
        raise ValueError("the copy must not overwrite the database itself")
    dest.unlink(missing_ok=True)
    src = _connect(db_path)
    try:
        target = sqlite3.connect(str(dest))
        try:
            src.backup(target)
        finally:
            target.close()
    finally:
        src.close()
    return dest
