"""`ogi release`: a citable, versioned data release of an archive (Frictionless Data Package)."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the release into (created; must be empty).")
@click.option("--version", "version", default=None,
              help="Release version (default: the archive's snapshot date, e.g. 2026.12.05).")
def command(db_path: Path, out_dir: Path, version: str | None) -> None:
    """Write a versioned Frictionless Data Package of the archive: reports, documents, values,
    checks, agencies, flags, version diffs and the data dictionary as CSV and Parquet, the
    format spec, CITATION.cff and SHA256SUMS. The same archive gives byte-identical files."""
    from crawler.db import release

    try:
        summary = release.release(db_path, out_dir, version)
    except release.ReleaseError as exc:
        raise click.ClickException(str(exc))
    rows = summary["rows"]
    click.echo(f"release {summary['version']} (snapshot {summary['snapshot_date']}): "
               f"{rows['reports']} reports, {rows['values']} values, {rows['checks']} checks "
               f"in {out_dir}/ ({summary['files']} files); cite it with {out_dir}/CITATION.cff",
               err=True)
    click.echo(json.dumps(summary, ensure_ascii=False))
