"""Row counts of every table and view, counted at the end of a build (derived data), so that a
server answers them without counting.

Datasette counts every table of an immutable database before it listens (73 s for a national
archive, docs/benchmarks.md) and every table page's rows; at 260M cells a count is a scan of
gigabytes. ``refresh`` writes ``table_counts`` (one row per table and view) in the build's last
transaction and records there the file change counter that transaction leaves in the database
header (bytes 24-27, incremented by every write transaction in SQLite's rollback-journal mode).
``read`` gives the counts only while the header still holds that number: any later write (a
load without the derived step, ``ogi registry publish``) makes the server count live again, as
does a database in WAL mode, whose header counter does not move.
"""
from __future__ import annotations

import struct
from pathlib import Path

TABLE = """
CREATE TABLE table_counts (
    tbl TEXT PRIMARY KEY,           -- a table or view
    n INTEGER NOT NULL              -- its rows when the build ended
);
"""
STAMP_KEY = "table_counts_stamp"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def change_counter(path: Path | str) -> int | None:
    """The file change counter in a database file's header; None in WAL mode (or for a file
    that is no database)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00") or head[18] == 2:
        return None
    return struct.unpack(">I", head[24:28])[0]


def _db_path(db) -> str | None:
    for _, name, file in db.execute("pragma database_list").fetchall():
        if name == "main":
            return file or None
    return None


def refresh(db, known: dict[str, int] | None = None) -> dict[str, int]:
    """Count every table and view (`known` counts given by an earlier step are taken as they
    are) and stamp them with the change counter this transaction leaves in the header. Runs
    in its own transaction, the last of a build."""
    known = dict(known or {})
    names = [n for (n,) in db.execute("select name from sqlite_master where type in ('table', 'view') "
                                      "order by name")]
    counts = {}
    for name in names:
        if name == "table_counts":
            continue
        n = known.get(name)
        counts[name] = n if n is not None else db.execute(f"select count(*) from {_q(name)}").fetchone()[0]
    counts["table_counts"] = len(counts) + 1  # its own rows: one a table and view
    path = _db_path(db)
    with db.atomic():
        db.execute("delete from table_counts")
        db.conn.executemany("insert into table_counts (tbl, n) values (?, ?)", sorted(counts.items()))
        db.execute("delete from archive_info where key = ?", [STAMP_KEY])
        counter = change_counter(path) if path else None
        if counter is not None and db.execute("pragma journal_mode").fetchone()[0].lower() != "wal":
            # the header once this transaction commits: the counter moves by one
            db.execute("insert into archive_info (key, value) values (?, ?)",
                       [STAMP_KEY, str((counter + 1) & 0xFFFFFFFF)])
        if "archive_info" in counts:  # the stamp is one of its rows
            counts["archive_info"] = db.execute("select count(*) from archive_info").fetchone()[0]
            db.execute("update table_counts set n = ? where tbl = 'archive_info'", [counts["archive_info"]])
    return counts


def read(conn, path: Path | str) -> dict[str, int] | None:
    """The counts of the build that wrote `path`, or None when the file changed since (or has
    none: an archive from before migration 0021, a database in WAL mode)."""
    counter = change_counter(path)
    if counter is None:
        return None
    try:
        row = conn.execute("select value from archive_info where key = ?", [STAMP_KEY]).fetchone()
        if row is None or row[0] != str(counter):
            return None
        return dict(conn.execute("select tbl, n from table_counts").fetchall())
    except Exception:  # noqa: BLE001 - no such table: an archive without counts
        return None
