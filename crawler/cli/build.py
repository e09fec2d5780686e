"""`ogi build`: re-parse every archived capture into archive.db (never the live site)."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--archive", "archive_dir", default="archive", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The WARC archive directory.")
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
@click.option("--full/--incremental", default=True, show_default=True,
              help="--full re-parses every capture; --incremental skips documents already parsed "
                   "by this parser version.")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Parse in N worker processes (0 = one per CPU); loading stays in order.")
@click.option("-v", "--verbose", is_flag=True, help="Show the parsers' log (every warning).")
def command(archive_dir: Path, db_path: Path, full: bool, jobs: int, verbose: bool) -> None:
    """Build or refresh archive.db from the archived captures.

    A document that cannot be parsed is recorded in parse_errors with its reason; it never
    stops the build nor removes what was loaded before. Prints a JSON summary.
    """
    from crawler.db.build import build

    if not archive_dir.is_dir():
        raise click.ClickException(f"{archive_dir}: no such archive directory")
    import os

    import logging

    from crawler.progress import build_progress

    # quiet by default: the parsers' warnings are in the report rows; -v shows them as they come
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    with build_progress() as progress:
        summary = build(archive_dir, db_path, full=full,
                        jobs=jobs if jobs > 0 else (os.cpu_count() or 1), progress=progress)
    click.echo(json.dumps(summary, ensure_ascii=False))
