"""`ogi serve`: Datasette over archive.db with the archive's metadata and plugins."""
from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--archive", "archive_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="The WARC archive: serves the original documents at /-/capture/<sha256>.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--sql-time-limit-ms", default=5000, show_default=True, type=int)
@click.option("--mutable", is_flag=True,
              help="Open read-only but not immutable (use while a build may still write the file; "
                   "otherwise immutable when no journal/WAL is beside it).")
def command(db_path: Path, archive_dir: Path | None, host: str, port: int,
            sql_time_limit_ms: int, mutable: bool) -> None:
    """Serve archive.db with Datasette (read-only, 127.0.0.1 by default)."""
    import uvicorn

    from crawler.web.app import datasette_instance

    if archive_dir is None and Path("archive").is_dir():
        archive_dir = Path("archive")
    ds = datasette_instance(db_path, archive_dir, immutable=False if mutable else None,
                            settings={"sql_time_limit_ms": sql_time_limit_ms})
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Datasette: http://{shown}:{port}/  (database {db_path}; archive {archive_dir or 'none'})",
               err=False)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
