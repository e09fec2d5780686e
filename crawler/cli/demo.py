"""`ogi demo`: the main job end to end on the built-in offline default.

Starts the demo portal (shipped in crawler/demo/sites/demo: report columns of four agencies
holding their published reports, 2019 and 2021 formats, HTML, PDF and DOCX, and of a constructed
body whose report copies another) on 127.0.0.1, runs the real Scrapy spiders over the demo
portal's registry into WARC captures twice (between the crawls the portal corrects one report in
place and publishes the copy), builds archive.db from the captures and serves it with Datasette. `--no-serve` stops after building, for scripts.
The terminal gets a few plain lines, live progress and the summaries; `-v` shows Scrapy's log.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import click


@click.command()
@click.option("--db", "db_path", default="archive.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--archive", "archive_dir", default="archive", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-serve", is_flag=True, help="Exit after building the archive.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log on the terminal.")
def command(db_path: str, archive_dir: str, no_serve: bool, host: str, port: int,
            verbose: bool) -> None:
    """Crawl the local demo portal, build archive.db and serve it with Datasette."""
    from crawler.demo import demo_first_state, demo_later_state, demo_registry, serve as serve_portal

    archive = Path(archive_dir).resolve()
    db = Path(db_path).resolve()
    with serve_portal() as base_url, tempfile.TemporaryDirectory(prefix="ogi-demo-") as tmp:
        registry = Path(tmp) / "demo-registry.yaml"
        registry.write_text(demo_registry(base_url), "utf-8")
        click.echo(f"demo portal: {base_url}/  (report columns of 5 agencies on 127.0.0.1)")
        crawl = [sys.executable, "-m", "crawler.cli", "crawl", "--all", "--registry", str(registry),
                 "--archive", str(archive), "--db", str(db), "--allow-private"]
        if verbose:
            crawl.append("-v")
        # Two crawls, as a portal is crawled over time: between them the demo portal corrects a
        # number of one report in place and publishes a report copied from another
        # (sites/demo/_SOURCES.md), so the archive shows a silent revision and a copy.
        demo_first_state(base_url.site)
        click.echo("crawling: ogi crawl --all --registry <the demo portal's registry> "
                   f"--archive {archive} --db {db} --allow-private", )
        sys.stdout.flush()
        rc = subprocess.call(crawl)
        if rc == 0:
            demo_later_state(base_url.site)
            click.echo("crawling again: the demo portal has since corrected one report in place "
                       "and published a copied one")
            sys.stdout.flush()
            rc = subprocess.call(crawl)
    if rc != 0:
        click.echo(f"ogi demo: the crawl exited {rc}; see its summary above", err=True)
        sys.exit(rc)
    click.echo(f"archive: {archive}  database: {db}")
    if no_serve:
        return
    serve = [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--archive", str(archive),
             "--host", host, "--port", str(port)]
    sys.stdout.flush()
    sys.exit(subprocess.call(serve))
