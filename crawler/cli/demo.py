"""`ogi demo`: the main job end to end on the built-in offline default.

Starts the demo portal (a county portal's 政府信息公开年报 column, shipped in crawler/portal) on
127.0.0.1, runs the real Scrapy spider against it into WARC captures, builds archive.db from the
captures and serves it with Datasette. `--no-serve` stops after building, for scripts.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click


@click.command()
@click.option("--db", "db_path", default="archive.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--archive", "archive_dir", default="archive", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-serve", is_flag=True, help="Exit after building the archive.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette port.")
def command(db_path: str, archive_dir: str, no_serve: bool, host: str, port: int) -> None:
    """Crawl the local demo portal, build archive.db and serve it with Datasette."""
    from crawler.portal import serve as serve_portal

    archive = Path(archive_dir).resolve()
    db = Path(db_path).resolve()
    with serve_portal("demo") as base_url:
        click.echo(f"demo portal: {base_url}/  (a county portal on 127.0.0.1)")
        crawl = [sys.executable, "-m", "crawler.cli", "crawl", "--url", f"{base_url}/",
                 "--archive", str(archive), "--db", str(db), "--allow-private"]
        click.echo("crawling: " + " ".join(crawl[2:]))
        rc = subprocess.call(crawl)
    if rc != 0:
        click.echo(f"ogi demo: the crawl exited {rc}; see its summary above", err=True)
        sys.exit(rc)
    click.echo(f"archive: {archive}  database: {db}")
    if no_serve:
        return
    serve = [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--archive", str(archive),
             "--host", host, "--port", str(port)]
    sys.exit(subprocess.call(serve))
