"""Serve archive.db with Datasette: metadata (crawler.db.dictionary), the archive plugin
(crawler.web.plugin), the facets of unfiltered pages from the build's counts
(crawler.web.facets), read-only, immutable when the file is complete, an SQL time limit, and
crawler.web.limits: per-query size limits, switching to a new snapshot when `ogi build`
replaces the file, no local paths in what is published."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from datasette.app import Datasette

from crawler.db import dictionary

from . import facets, home, limits, plugin, report_page, response_cache

DEFAULT_SETTINGS = {
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 500,
    # A page renders at most 1,000 rows (Datasette's default): a 5,000-row canned-query page took
    # 0.7-1.2 s to render at 100k-1.3M reports (docs/benchmarks.md). Every row of a query:
    # `ogi export --query NAME` or `ogi export --table NAME` (a CSV link with _stream=on stops
    # at crawler.web.limits' stream bounds).
    "max_returned_rows": 1000,
    # Datasette's own CSV bound writes an error line into a 200 file once a download passes it;
    # crawler.web.limits bounds `_stream=on` downloads by time and size and cuts the connection
    # instead, so a cut download fails visibly (every row: `ogi export`).
    "max_csv_mb": 0,
    "allow_download": True,
    # Suggested facets cost one timed query per column per facet type on every table page:
    # ~29 s for t3_wide (196 columns) and 1.5 s for reports at 100k reports (docs/benchmarks.md).
    # The useful facets are configured in metadata.yml; ?_facet= still works.
    "suggest_facets": False,
}


def register_plugin() -> None:
    import datasette.handle_exception
    from datasette.plugins import pm

    # Datasette prints every exception with rich, every local variable included, whenever rich
    # is importable (a dependency of frictionless, which the tests use): ~240 KB of log per
    # refused query, enough to fill a log pipe and stall the server. Its plain handling stays.
    datasette.handle_exception.rich = None

    if not pm.is_registered(plugin):
        pm.register(plugin, name="ogi-archive")
    if not pm.is_registered(limits):
        pm.register(limits, name="ogi-archive-safety")
    if not pm.is_registered(report_page):  # a package: Datasette finds its templates/
        pm.register(report_page, name="ogi-report-page")
    if not pm.is_registered(home):  # a package: its templates (home, About)
        pm.register(home, name="ogi-home")
    if not pm.is_registered(facets):  # unfiltered pages' facets from facet_counts
        pm.register(facets, name="ogi-facet-counts")
    if not pm.is_registered(response_cache):  # a snapshot's pages answered once
        pm.register(response_cache, name="ogi-response-cache")


def snapshot_date(db_path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("select value from archive_info where key = 'snapshot_date'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def is_complete(db_path: Path) -> bool:
    """No journal or WAL beside the file: no build is writing it, so it can be served immutable."""
    p = Path(db_path)
    return not any(Path(str(p) + suffix).exists() for suffix in ("-journal", "-wal"))


def metadata_for(db_path: Path, archive_dir: Path | None) -> dict:
    meta = dictionary.metadata()
    date = snapshot_date(db_path) or "unknown (archive_info missing)"
    meta["description_html"] = meta["description_html"].replace(dictionary.SNAPSHOT_MARK, date)
    meta.setdefault("plugins", {})["ogi-archive"] = {
        "archive_dir": str(Path(archive_dir).resolve()) if archive_dir else None}
    return meta


def datasette_instance(db_path: Path | str, archive_dir: Path | str | None = None, *,
                       immutable: bool | None = None, settings: dict | None = None,
                       query_limits: limits.QueryLimits | None = None,
                       response_cache: response_cache.Settings | None = None) -> Datasette:
    """A configured Datasette over `db_path`, always named `archive` (the metadata's name);
    with `response_cache`, the immutable file's pages are kept in memory once made."""
    db_path = Path(db_path).resolve()
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no such database (run `ogi build` first)")
    register_plugin()
    archive = Path(archive_dir) if archive_dir else None
    ds = Datasette(
        [], metadata=metadata_for(db_path, archive),
        settings={**DEFAULT_SETTINGS, **(settings or {})},
    )
    memoize_metadata(ds)
    ds.ogi_query_limits = query_limits or limits.QueryLimits()
    ds.ogi_response_cache = response_cache
    ds.ogi_local_paths = [p for p in (db_path, db_path.parent,
                                      archive.resolve() if archive else None,
                                      Path(sys.prefix)) if p is not None and str(p) != "/"]

    def open_database(path: Path, first: bool = False) -> limits.SnapshotDatabase:
        fixed = immutable if first or immutable is False else None
        frozen = is_complete(path) if fixed is None else fixed
        database = limits.SnapshotDatabase(ds, path=str(path), is_mutable=not frozen)
        if frozen:
            # Datasette names an immutable file by the sha256 of all its bytes, read on the
            # first page view: 26 s for a 17 GB archive (docs/benchmarks.md). A fingerprint of
            # its size, time and first and last MiB identifies the snapshot as well.
            database.cached_hash = fingerprint(path)
            # and counts every table before it listens (73 s): the build's counts instead
            database.use_counts(*build_counts(path))
        if not first:
            ds._metadata_local = metadata_for(path, archive)  # the new snapshot's date
        return database

    key = limits.file_key(db_path)
    ds.add_database(open_database(db_path, first=True), name=dictionary.DB)
    ds.ogi_snapshot = limits.Snapshot(db_path, dictionary.DB, key, open_database)
    return ds


def memoize_metadata(ds: Datasette) -> None:
    """Datasette merges every metadata source anew on each ``metadata()`` and ``plugin_config()``
    call, and plugins call them for every cell of a page (datasette-render-markdown's
    render_cell: ~2,700 times for a page of reports, a third of its time): the answers are kept
    while the metadata is the same object (a new snapshot sets a new one)."""
    metadata, plugin_config = ds.metadata, ds.plugin_config
    cache: dict = {}
    seen = [None]

    def current() -> dict:
        if seen[0] is not ds._metadata_local:
            cache.clear()
            seen[0] = ds._metadata_local
        return cache

    def cached_metadata(key=None, database=None, table=None, fallback=True):
        c, k = current(), ("m", key, database, table, fallback)
        if k not in c:
            c[k] = metadata(key=key, database=database, table=table, fallback=fallback)
        return c[k]

    def cached_plugin_config(plugin_name, database=None, table=None, fallback=True):
        c, k = current(), ("p", plugin_name, database, table, fallback)
        if k not in c:
            c[k] = plugin_config(plugin_name, database=database, table=table, fallback=fallback)
        return c[k]

    ds.metadata, ds.plugin_config = cached_metadata, cached_plugin_config


def build_counts(db_path: Path) -> tuple[dict | None, list[str]]:
    """The row counts the build left in the file (while it is as the build left it), and the
    names of its tables (Datasette's table counts are of tables only)."""
    from crawler.db import counts

    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None, []
    try:
        tables = [n for (n,) in conn.execute("select name from sqlite_master where type = 'table'")]
        return counts.read(conn, db_path), tables
    finally:
        conn.close()


def fingerprint(db_path: Path) -> str:
    import hashlib

    st = Path(db_path).stat()
    h = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode())
    with open(db_path, "rb") as fh:
        h.update(fh.read(1 << 20))
        if st.st_size > 1 << 20:
            fh.seek(max(1 << 20, st.st_size - (1 << 20)))
            h.update(fh.read(1 << 20))
    return h.hexdigest()
