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
              help="Parse in N worker processes (0 = one per CPU); loading stays in order. "
                   "OCR reads the pages of a scanned report N at a time.")
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
def command(archive_dir: Path, db_path: Path, full: bool, jobs: int, ocr_on: bool,
            ocr_page_timeout: float, ocr_doc_timeout: float, ocr_min_confidence: float,
            tesseract: str | None) -> None:
    """Build or refresh archive.db from the archived captures.

    A document that cannot be parsed is recorded in parse_errors with its reason; it never
    stops the build nor removes what was loaded before. Prints a JSON summary.
    """
    from crawler.db.build import build

    if not archive_dir.is_dir():
        raise click.ClickException(f"{archive_dir}: no such archive directory")
    import os

    from parsers.readers.ocr import OcrOptions

    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    ocr = OcrOptions(enabled=ocr_on, page_timeout=ocr_page_timeout, doc_timeout=ocr_doc_timeout,
                     min_confidence=ocr_min_confidence, jobs=jobs)
    if tesseract:
        ocr.tesseract = tesseract
    summary = build(archive_dir, db_path, full=full, jobs=jobs, ocr=ocr)
    click.echo(json.dumps(summary, ensure_ascii=False))
