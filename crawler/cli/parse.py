"""`ogi parse PATH...`: one JSON object per document, one per line, on stdout.

Exit 0 when every document was read (even if checks fail); exit 2 with a one-line reason on
stderr for each document that cannot be read. A document that was read but holds no report
tables (a scan / 图片版 needing OCR, a page that is not an annual report, a blank template) is still printed,
with its `document_kind`, and also counts as unreadable for the exit status.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from parsers.document import UnreadableDocument
from parsers.parse import Limits, parse_path


UNREADABLE_KINDS = {
    "scanned": "scanned or image-only document (no text layer): tables need OCR, nothing extracted",
    "not_annual_report": "not a government information disclosure annual report (政府信息公开工作年度报告)",
    "template": "a blank template of the report format (模板), not a filled report: no values",
}


@click.command()
@click.argument("paths", nargs=-1, required=True)  # each checked below: one bad path never stops the batch
@click.option("--max-bytes", type=int, default=Limits.max_bytes, show_default=True,
              help="Refuse documents larger than this.")
@click.option("--max-pages", type=int, default=Limits.max_pages, show_default=True,
              help="Refuse PDFs with more pages than this.")
@click.option("--pretty", is_flag=True, help="Indent the JSON (one document per block).")
def command(paths: tuple[str, ...], max_bytes: int, max_pages: int, pretty: bool) -> None:
    """Parse report documents (HTML, PDF, DOCX/DOC, text) into the national format's fields."""
    limits = Limits(max_bytes=max_bytes, max_pages=max_pages)
    failed = False
    for path in paths:
        if Path(path).is_dir():
            click.echo(f"ogi parse: {path}: a directory, not a document", err=True)
            failed = True
            continue
        try:
            result = parse_path(path, limits=limits)
        except UnreadableDocument as exc:
            click.echo(f"ogi parse: {path}: {exc}", err=True)
            failed = True
            continue
        except Exception as exc:  # a reader bug must still name the document
            click.echo(f"ogi parse: {path}: internal error: {type(exc).__name__}: {exc}", err=True)
            failed = True
            continue
        click.echo(json.dumps(result, ensure_ascii=False, indent=2 if pretty else None))
        sys.stdout.flush()
        reason = UNREADABLE_KINDS.get(result.get("document_kind"))
        if (result.get("ocr") or {}).get("values_read"):
            reason = None  # a scan read by OCR: its values are there (flag ocr)
        if reason:
            click.echo(f"ogi parse: {path}: {reason}", err=True)
            failed = True
    if failed:
        sys.exit(2)
