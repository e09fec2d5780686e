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
@click.option("--workers", type=int, default=1, show_default=True,
              help="Server processes answering on the port (one a CPU core serves that many "
                   "pages at once; each opens the archive itself).")
@click.option("--cache-mb", type=int, default=128, show_default=True,
              help="Memory for pages already answered (a built archive does not change until it "
                   "is replaced: the same page is made once); 0: none.")
def command(db_path: Path, archive_dir: Path | None, host: str, port: int,
            sql_time_limit_ms: int, mutable: bool, workers: int, cache_mb: int) -> None:
    """Serve archive.db with Datasette (read-only, 127.0.0.1 by default)."""
    import json
    import os

    import uvicorn

    if archive_dir is None and Path("archive").is_dir():
        archive_dir = Path("archive")
    options = {"db": str(db_path.resolve()), "archive": str(archive_dir.resolve()) if archive_dir else None,
               "immutable": False if mutable else None,
               "settings": {"sql_time_limit_ms": sql_time_limit_ms}, "cache_mb": cache_mb}
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Datasette: http://{shown}:{port}/  (database {db_path}; archive {archive_dir or 'none'})",
               err=False)
    if workers > 1:  # each worker process makes its own Datasette from these options
        os.environ[WORKER_OPTIONS] = json.dumps(options)
        uvicorn.run("crawler.cli.serve:worker_app", factory=True, workers=workers, host=host,
                    port=port, log_level="warning", lifespan="on")
        return
    uvicorn.run(_app(options), host=host, port=port, log_level="warning", lifespan="on")


WORKER_OPTIONS = "OGI_SERVE_OPTIONS"


def worker_app():
    """The ASGI app of one `ogi serve --workers N` process (options from its parent)."""
    import json
    import os

    return _app(json.loads(os.environ[WORKER_OPTIONS]))


def _app(options: dict):
    from crawler.web.app import datasette_instance
    from crawler.web.response_cache import Settings

    cache = Settings(total_bytes=options.get("cache_mb", 0) * 2 ** 20)
    return datasette_instance(options["db"], options["archive"], immutable=options["immutable"],
                              settings=options["settings"], response_cache=cache).app()
