"""Publish a build of archive.db atomically, one build at a time.

A build never writes the file a server reads. It takes the build lock (``<db>.lock``, flock:
released by the OS if the build dies), builds in a private file beside archive.db
(``.<db>.build-<pid>``), and moves the result over archive.db with one ``os.replace``: a reader
sees the old file or the new one, never a file being written. A server that opened the old file
keeps reading it (its inode lives while it is open) until it notices the new one
(crawler.web.limits reopens on a change of inode). A build that fails or is killed leaves
archive.db untouched; a stale private file of a killed build is removed by the next build.

The private file starts empty when the build re-derives everything (``fresh``: `ogi build
--full`, the default): no copy of the old file is made; what no build derives (the portal
registry, the reports of documents that now fail) is carried over from it (crawler.db.carry).
Otherwise (``--incremental``) it starts as a copy of archive.db: a reflink, sharing the old
file's blocks until either is written, where the filesystem can (btrfs, XFS; FICLONE), else a
byte copy (ext4).

A full disk anywhere in a build (the copy, a document's rows, the derived tables, the final
sync) ends it with :class:`DiskFull`: the private file is removed and archive.db stays as it was.
The build never goes on past it, so it can never publish an archive one document short, even
when space comes back midway.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from pathlib import Path


class BuildLocked(Exception):
    """Another build holds the lock on this database (the message says which file)."""


class DiskFull(Exception):
    """The disk filled up while a build wrote its database: nothing was published (the message
    says which file and that the published one is unchanged)."""


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), or an OS write that found no space
    (ENOSPC, EDQUOT)."""
    import errno

    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        return ("disk is full" in text or "disk i/o error" in text
                or getattr(exc, "sqlite_errorcode", None) == 13)  # SQLITE_FULL
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _settle(db_path: Path) -> None:
    """Roll back a hot journal left beside `db_path` by a writer that died, so that a byte copy
    of the file is a consistent database."""
    if any(Path(str(db_path) + s).exists() for s in ("-journal", "-wal")):
        conn = sqlite3.connect(str(db_path))
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        finally:
            conn.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clone(src: Path, dst: Path) -> str:
    """Copy src to dst: a reflink where the filesystem supports it, else bytes. Returns which."""
    try:
        import fcntl as _f

        with open(src, "rb") as a, open(dst, "wb") as b:
            _f.ioctl(b.fileno(), 0x40049409, a.fileno())  # FICLONE
        return "reflink"
    except OSError:
        dst.unlink(missing_ok=True)
        shutil.copyfile(src, dst)
        return "copy"


@contextlib.contextmanager
def atomic_build(db_path: Path | str, fresh: bool = False):
    """Yield the private path to build in; on success it replaces `db_path` atomically.
    `fresh`: the private file starts empty (the caller re-derives everything and carries the
    kept tables over from `db_path`), else as a copy of `db_path`."""
    db_path = Path(db_path).absolute()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(lock_path(db_path), "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildLocked(f"another build is writing {db_path.name} (lock held on "
                              f"{lock_path(db_path)}); try again when it has finished") from None
        for stale in db_path.parent.glob(f".{db_path.name}.build-*"):
            stale.unlink(missing_ok=True)  # left by a killed build (we hold the lock)
        work = db_path.with_name(f".{db_path.name}.build-{os.getpid()}")
        if db_path.exists():
            _settle(db_path)  # (also: a database another program is writing fails here)
            if not fresh:
                _clone(db_path, work)
        try:
            yield work
            with open(work, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(work, db_path)
            _fsync_dir(db_path.parent)
        finally:
            for leftover in (work, Path(str(work) + "-journal"), Path(str(work) + "-wal"),
                             Path(str(work) + "-shm")):
                leftover.unlink(missing_ok=True)
    finally:
        lock.close()
