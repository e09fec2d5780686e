"""`ogi build`: re-parse every archived capture into archive.db (never the live site)."""
from __future__ import annotations

import json
import sys
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
              help="Parse in N worker processes (0 = one per CPU); loading stays in order. "
                   "OCR reads the pages of a scanned report N at a time.")
@click.option("--max-memory", type=int, default=2048, show_default=True, metavar="MIB",
              help="Memory (address space) of a parser process; a document needing more fails "
                   "alone and is retried by the next --incremental build.")
@click.option("--max-seconds", type=int, default=300, show_default=True,
              help="Time limit for parsing one document (same handling).")
@click.option("--ocr/--no-ocr", "ocr_on", default=True, show_default=True,
              help="Read scanned reports (图片版) by OCR with Tesseract.")
@click.option("--ocr-page-timeout", type=float, default=120.0, show_default=True,
              help="OCR time limit per page, in seconds (a page over it is not read).")
@click.option("--ocr-doc-timeout", type=float, default=900.0, show_default=True,
              help="OCR time limit per document, in seconds (later pages are not read).")
@click.option("--ocr-min-confidence", type=float, default=60.0, show_default=True,
              help="A number OCR reads below this confidence (0-100) is left null with a warning.")
@click.option("--tesseract", default=None, metavar="CMD",
              help="The Tesseract command (default: $OGI_TESSERACT or tesseract on PATH).")
@click.option("-v", "--verbose", is_flag=True, help="Show the parsers' log (every warning).")
def command(archive_dir: Path, db_path: Path, full: bool, jobs: int, max_memory: int,
            max_seconds: int, ocr_on: bool, ocr_page_timeout: float, ocr_doc_timeout: float,
            ocr_min_confidence: float, tesseract: str | None, verbose: bool) -> None:
    """Build or refresh archive.db from the archived captures.

    A document that cannot be parsed is recorded in parse_errors with its reason; it never
    stops the build nor removes what was loaded before. The new archive.db replaces the old
    one atomically when the build ends (a running `ogi serve` switches to it). Prints a JSON
    summary.

    \b
    Exit codes:
      0  built
      1  built, but damaged or cut-off WARC records were skipped (listed on stderr and in
         the summary's "damaged"; every intact record was loaded)
      2  configuration error: no archive directory, another build of the same database
      3  the disk filled up: the build stopped and published nothing (archive.db unchanged)
    """
    import os
    import sqlite3

    from crawler.db.build import build
    from crawler.db.publish import BuildLocked, DiskFull

    if not archive_dir.is_dir():
        fail(f"{archive_dir}: no such archive directory")
    import logging

    from crawler.progress import build_progress
    from parsers.readers.ocr import OcrOptions

    # quiet by default: the parsers' warnings are in the report rows; -v shows them as they come
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    ocr = OcrOptions(enabled=ocr_on, page_timeout=ocr_page_timeout, doc_timeout=ocr_doc_timeout,
                     min_confidence=ocr_min_confidence, jobs=jobs)
    if tesseract:
        ocr.tesseract = tesseract
    try:
        with build_progress() as progress:
            summary = build(archive_dir, db_path, full=full, jobs=jobs,
                            max_memory=max_memory * 2 ** 20, max_seconds=max_seconds,
                            progress=progress, ocr=ocr)
    except BuildLocked as exc:
        fail(str(exc))
    except DiskFull as exc:
        click.echo(f"ogi build: {exc}", err=True)
        sys.exit(3)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        fail(f"{db_path}: the database is locked by another program ({exc}); try again when "
             f"it has finished")
    click.echo(json.dumps(summary, ensure_ascii=False))
    sys.exit(report_damage(summary))


def fail(message: str) -> None:
    click.echo(f"ogi build: {message}", err=True)
    sys.exit(2)


def report_damage(summary: dict) -> int:
    """Name each damaged WARC byte range on stderr; 1 when there is any, else 0."""
    for d in summary.get("damaged") or []:
        click.echo(f"ogi build: damaged WARC data skipped: {d['file']} bytes "
                   f"{d['start']}-{d['end']}: {d['reason']}", err=True)
    return 1 if summary.get("damaged") else 0
