"""`ogi export`: tables or a query as Excel-safe CSV (UTF-8 with BOM) or JSON lines; or a copy of
the whole database."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--table", "tables", multiple=True, help="A table or view (repeatable).")
@click.option("--sql", default=None, help="A SELECT query instead of tables.")
@click.option("--query", "query_name", default=None,
              help="A canned query of metadata.yml by name (all rows, unlike a Datasette page).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a :name parameter of --sql/--query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "db"]), default="csv",
              show_default=True, help="db: a consistent copy of the whole database file.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output file (or directory for several tables); '-' or none: stdout.")
def command(db_path: Path, tables: tuple[str, ...], sql: str | None, query_name: str | None,
            params: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Export archive.db tables or a query result.

    CSV is UTF-8 with a byte-order mark so that Excel shows Chinese correctly.
    """
    import sqlite3

    from crawler.db import export

    if fmt == "db":
        if output is None or str(output) == "-":
            raise click.UsageError("--format db needs -o FILE")
        export.copy_database(db_path, output)
        click.echo(f"copied {db_path} -> {output}", err=True)
        return
    if sum(map(bool, (tables, sql, query_name))) != 1:
        raise click.UsageError("give one of --table (one or more), --sql or --query")
    bindings = {}
    for p in params:
        name, sep, value = p.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--param {p!r}: expected NAME=VALUE")
        bindings[name.lstrip(":")] = value
    write = export.write_csv if fmt == "csv" else export.write_jsonl
    jobs: list[tuple[str, str]] = []
    try:
        conn = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
        if tables:
            jobs = [(t, export.table_sql(conn, t)) for t in tables]
        elif query_name:
            jobs = [(query_name, export.canned_sql(query_name))]
        else:
            jobs = [("query", sql)]
        conn.close()
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0]))
    for name, query in jobs:
        if output is None or str(output) == "-":
            target, close = sys.stdout.buffer, False
        elif len(jobs) > 1 or output.is_dir():
            output.mkdir(parents=True, exist_ok=True)
            target, close = open(output / f"{name}.{fmt}", "wb"), True
        else:
            target, close = open(output, "wb"), True
        try:
            n = write(db_path, query, target, bindings)
        except sqlite3.Error as exc:
            raise click.ClickException(f"{name}: {exc}")
        finally:
            if close:
                target.close()
            else:
                target.flush()
        click.echo(f"{name}: {n} rows", err=True)
