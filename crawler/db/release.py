"""A citable data release of an archive: a versioned Frictionless Data Package.

    release(db_path, out_dir, version=None) -> summary dict      (`ogi release`)

writes into out_dir (created; it must be empty):

    datapackage.json      the package: its version, licence, sources and every resource with its
                          schema (each column described in Chinese and English: the data
                          dictionary), byte size and sha256
    data/<name>.csv       reports, documents, values, checks, agencies, flags, version_diffs and
    data/<name>.parquet   fields (the data dictionary of the format's field ids), as CSV (UTF-8,
                          no byte-order mark, comma, an empty field = NULL) and as Parquet
    formats.yml           the national formats as the parser reads them (parsers/formats)
    CITATION.cff          how to cite this release
    README.md             what is inside and how to cite it
    SHA256SUMS            the sha256 of every other file (`sha256sum -c SHA256SUMS`)

Reproducible: the same archive gives byte-identical files. Nothing depends on the clock: the
version defaults to the archive's snapshot date (archive_info.snapshot_date, the date of its
newest capture) and CITATION.cff's date-released is that date; rows are written in primary-key
order; Parquet is written by the pinned pyarrow without timestamps.

Every report counts once (reports holds each report's canonical document; documents lists all
of its documents); the values and checks resources are those of the canonical documents.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

NAME = "ogi-archive"
TITLE = ("ogi-archive: Archive of China's government information disclosure annual reports "
         "(政府信息公开工作年度报告)")

# resource name -> (table or view, columns left out, order)
RESOURCES = {
    "reports": ("reports", ("key",), "id"),
    "documents": ("report_documents", ("document_key",), "report_id, document_id"),
    "values": ("values", (), None),       # per report, in report order (see _values)
    "checks": ("checks", (), None),
    "agencies": ("agencies", (), "id"),
    "flags": ("report_flags", (), "report_id, flag, part"),
    "version_diffs": ("version_diffs", (), "report_id, document_id, field_id"),
    "fields": ("fields", (), "id"),
}
PRIMARY_KEYS = {
    "reports": ["id"], "documents": ["document_id"], "values": ["report_id", "field_id"],
    "checks": ["report_id", "rule_id"], "agencies": ["id"], "flags": ["report_id", "flag", "part"],
    "version_diffs": ["report_id", "document_id", "field_id"], "fields": ["id"],
}
DESCRIPTIONS = {
    "reports": "One row per report (agency × year × scope), its canonical document: every report counted once.",
    "documents": "Every document of every report (canonical, version, alternate) with its address, capture time and sha256.",
    "values": "Every printed cell of tables 二/三/四 of each report: value as printed, raw text, flags, where it was read.",
    "checks": "Every arithmetic check of each report (its own rules, cross-year, text against tables).",
    "agencies": "The agencies: region code (GB/T 2260), province, city, county, level.",
    "flags": "Copy-paste and implausible-value flags (never a change of a value).",
    "version_diffs": "Cells whose number differs between a report's documents (silent revisions).",
    "fields": "The data dictionary: every field id of the national formats with its labels, unit and formats.",
}
INTEGER = {"year", "n_values", "checks_failed", "n_documents", "revised_cells", "page",
           "table_index", "row_index", "col_index", "ok", "decimal", "signed"}
NUMBER = {"value", "expected", "actual", "ocr_confidence", "score", "document_value",
          "canonical_value"}
BATCH = 50_000


class ReleaseError(Exception):
    pass


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type(col: str) -> str:
    return "integer" if col in INTEGER else "number" if col in NUMBER else "string"


def _columns(conn, table: str, skip: Iterable[str]) -> list[str]:
    cols = [r[1] for r in conn.execute(f"pragma table_info({_q(table)})")]
    return [c for c in cols if c not in set(skip)]


def _rows(conn, name: str, cols: list[str]) -> Iterator[tuple]:
    table, _, order = RESOURCES[name]
    select = ", ".join(_q(c) for c in cols)
    if order:
        yield from conn.execute(f"select {select} from {_q(table)} order by {order}")
        return
    # values and checks: report by report in id order, each report's rows by their key (one
    # primary-key range per report; sorting the whole view would sort ~260M rows)
    key = "field_id" if name == "values" else "rule_id"
    for (rid,) in conn.execute("select id from reports order by id").fetchall():
        yield from conn.execute(f"select {select} from {_q(table)} where report_id = ? "
                                f"order by {key}", [rid])


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


def _typed(v, kind: str):
    if v is None:
        return None
    if kind == "integer":
        return int(v)
    if kind == "number":
        return float(v)
    return v.hex() if isinstance(v, bytes) else str(v)


def _write(conn, name: str, cols: list[str], data: Path) -> tuple[int, Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = [_type(c) for c in cols]
    arrow = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string()}
    schema = pa.schema([(c, arrow[k]) for c, k in zip(cols, kinds)])
    csv_path, pq_path = data / f"{name}.csv", data / f"{name}.parquet"
    n = 0
    with open(csv_path, "w", encoding="utf-8", newline="") as fh, \
            pq.ParquetWriter(pq_path, schema, compression="zstd") as writer:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(cols)
        batch: list[tuple] = []

        def flush():
            if batch:
                columns = list(zip(*batch))
                writer.write_table(pa.table(
                    [pa.array([_typed(v, k) for v in col], type=arrow[k])
                     for col, k in zip(columns, kinds)], schema=schema))
                batch.clear()

        for row in _rows(conn, name, cols):
            out.writerow([_cell(v) for v in row])
            batch.append(row)
            n += 1
            if len(batch) >= BATCH:
                flush()
        flush()
    return n, csv_path, pq_path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _info(conn) -> dict:
    return dict(conn.execute("select key, value from archive_info").fetchall())


def citation(version: str, date: str | None, counts: dict) -> str:
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this data release, please cite it as below, with the version."',
        "type: dataset",
        f'title: "{TITLE}, data release {version}"',
        f'version: "{version}"',
    ]
    if date:
        lines.append(f'date-released: "{date}"')
    lines += [
        "authors:",
        '  - name: "ogi-archive contributors"',
        "license: CC-BY-4.0",
        "abstract: >-",
        "  The annual reports on open-government-information work that Chinese administrative",
        "  bodies publish under art. 49-50 of the OGI Regulations, as archived (WARC captures) and",
        f"  parsed by ogi-archive: {counts.get('reports', 0)} reports, each counted once, their",
        "  tables' printed numbers cell by cell with arithmetic checks, every document of each",
        "  report with its address, capture time and sha256, and copy and outlier flags.",
        "keywords:",
        "  - open government information",
        "  - 政府信息公开工作年度报告",
        "  - China",
        "  - web archive",
    ]
    return "\n".join(lines) + "\n"


def readme(version: str, date: str | None, counts: dict) -> str:
    rows = "\n".join(f"| `data/{n}.csv`, `data/{n}.parquet` | {counts.get(n, 0)} | {DESCRIPTIONS[n]} |"
                     for n in RESOURCES)
    return f"""# {TITLE} — data release {version}

Snapshot of {date or 'an undated archive'} (the date of the newest capture). A Frictionless
Data Package (`datapackage.json`: every column described, every file's size and sha256);
`SHA256SUMS` lists the sha256 of every file (`sha256sum -c SHA256SUMS`).

| file | rows | what |
|---|---|---|
{rows}

`formats.yml`: the national formats (2021; 2019 trial) as the parser reads them: every field id
with its row and column label. Numbers are as printed (a failed check is listed in checks, never
corrected); in CSV an empty field is NULL (a blank printed cell has value NULL and flag `blank`;
the Parquet files keep an empty printed text apart from NULL in `raw`).

## How to cite

ogi-archive contributors, *{TITLE}*, data release {version} (snapshot {date or '—'}),
CC BY 4.0. Cite a single report by its agency, year, URL and sha256 (columns of reports and
documents). `CITATION.cff` holds the same for reference managers.
"""


def release(db_path: Path | str, out_dir: Path | str, version: str | None = None) -> dict:
    """Write the data package of the archive at db_path into out_dir (see the module doc)."""
    from parsers import formats

    from . import dictionary

    db_path, out = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise ReleaseError(f"{db_path}: no such archive")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out}: exists and is not an empty directory (a release is written once)")
    conn = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
    try:
        try:
            info = _info(conn)
            conn.execute("select 1 from report_documents limit 1")
        except sqlite3.Error as exc:
            raise ReleaseError(f"{db_path}: not an archive built by this version of ogi ({exc}); "
                               "run ogi build first") from None
        date = info.get("snapshot_date") or None
        version = version or (date.replace("-", ".") if date else "0")
        meta = dictionary.metadata()["databases"][dictionary.DB]["tables"]
        data = out / "data"
        data.mkdir(parents=True, exist_ok=True)
        resources, counts = [], {}
        for name, (table, skip, _) in RESOURCES.items():
            cols = _columns(conn, table, skip)
            n, csv_path, pq_path = _write(conn, name, cols, data)
            counts[name] = n
            described = (meta.get(table) or {}).get("columns") or {}
            schema = {"fields": [{"name": c, "type": _type(c), "description": described.get(c, "")}
                                 for c in cols],
                      "primaryKey": PRIMARY_KEYS[name]}
            for path, fmt, suffix in ((csv_path, "csv", ""), (pq_path, "parquet", "-parquet")):
                res = {"name": name + suffix, "path": f"data/{path.name}",
                       "profile": "tabular-data-resource", "format": fmt,
                       "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
                       "title": f"{name} ({fmt})", "description": DESCRIPTIONS[name],
                       "schema": schema}
                if fmt == "csv":
                    res.update({"encoding": "utf-8", "dialect": {"delimiter": ",", "header": True},
                                "bytes": path.stat().st_size, "hash": "sha256:" + _sha256(path)})
                else:
                    # readers that go through pandas (frictionless among them) see a NULL of an
                    # integer column as NaN; the Parquet file holds a NULL. Its size and sha256
                    # are in SHA256SUMS (frictionless cannot count a Parquet file's bytes).
                    res["schema"] = {**schema, "missingValues": ["", "nan"]}
                resources.append(res)
    finally:
        conn.close()
    shutil.copyfile(formats.FORMATS_FILE, out / "formats.yml")
    package = {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": TITLE,
        "version": version,
        "description": ("Every report counted once (its canonical document: the most complete text "
                        "layer, then the latest capture); its other documents in documents. "
                        "See README.md."),
        "licenses": [{"name": "CC-BY-4.0", "title": dictionary.LICENSE,
                      "path": dictionary.LICENSE_URL}],
        "sources": [{"title": dictionary.SOURCE, "path": dictionary.SOURCE_URL}],
        "contributors": [{"title": "ogi-archive contributors", "role": "author"}],
        "keywords": ["open government information", "政府信息公开工作年度报告", "China"],
        "resources": resources,
        "ogi": {"snapshot_date": date, "first_capture": info.get("first_capture"),
                "last_capture": info.get("last_capture"), "parser_version": info.get("parser_version"),
                "format_versions": info.get("format_versions"), "rows": counts},
    }
    if info.get("last_capture"):
        package["created"] = info["last_capture"]
    (out / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n", "utf-8")
    (out / "CITATION.cff").write_text(citation(version, date, counts), "utf-8")
    (out / "README.md").write_text(readme(version, date, counts), "utf-8")
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    sums = io.StringIO()
    for p in files:
        sums.write(f"{_sha256(p)}  {p.relative_to(out).as_posix()}\n")
    (out / "SHA256SUMS").write_text(sums.getvalue(), "utf-8")
    return {"out": str(out), "version": version, "snapshot_date": date, "rows": counts,
            "files": len(files) + 1}
