"""`ogi release`: a versioned Frictionless Data Package of an archive, validated with the
frictionless library, byte-identical for the same archive.

The archive is the seed report as its HTML page and Word attachment (one report), an earlier
payload of its page (a version with one changed cell) and the report of another agency."""
from __future__ import annotations

import copy
import csv
import hashlib
import json

import pytest
from click.testing import CliRunner

from tests.test_report_documents import DOCX_URL, HTML_URL, build_db, cap, forms  # noqa: F401


@pytest.fixture()
def archive_items(forms):  # noqa: F811
    html, docx = forms
    first = copy.deepcopy(html)
    first["sha256"] = "a" * 64
    first["values"]["t3.new.total"] = 53
    first["raw"]["t3.new.total"] = "53"
    other = copy.deepcopy(html)
    other["sha256"] = "c" * 64
    other["sections"] = {}
    return [(html, cap(HTML_URL, html["sha256"], "2025-04-01T00:00:00Z")),
            (docx, cap(DOCX_URL, docx["sha256"], "2025-04-01T00:00:02Z")),
            (first, cap(HTML_URL, first["sha256"], "2025-01-21T00:00:00Z"), first["sha256"]),
            (other, cap("http://127.0.0.2/r.html", other["sha256"], "2025-05-01T00:00:00Z",
                        agency="示例县人民政府", region_code="410823"))]


def files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_release_validates_and_is_reproducible(tmp_path, archive_items):
    from frictionless import validate

    from crawler.db import release

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    db_a = build_db(tmp_path / "a", archive_items)
    db_b = build_db(tmp_path / "b", archive_items)  # the same archive built again
    summary = release.release(db_a, tmp_path / "r1")
    release.release(db_a, tmp_path / "r2")
    release.release(db_b, tmp_path / "r3")
    one, two, three = files(tmp_path / "r1"), files(tmp_path / "r2"), files(tmp_path / "r3")
    assert one == two == three  # byte for byte: nothing depends on the clock
    out = tmp_path / "r1"
    report = validate(out / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    assert report.stats["tasks"] == 16  # 8 resources, as CSV and as Parquet

    pkg = json.loads(one["datapackage.json"])
    assert pkg["version"] == summary["version"] == "2025.05.01"  # the snapshot date
    assert {r["name"] for r in pkg["resources"]} >= {"reports", "values", "checks", "agencies",
                                                      "reports-parquet", "values-parquet"}
    reports = pkg["resources"][0]
    assert reports["name"] == "reports" and reports["schema"]["primaryKey"] == ["id"]
    assert all(f["description"] for f in reports["schema"]["fields"])  # the data dictionary
    # every report once; every document listed; the version's changed cell
    rows = {n: list(csv.DictReader(open(out / "data" / f"{n}.csv", encoding="utf-8")))
            for n in ("reports", "documents", "values", "version_diffs", "fields")}
    assert len(rows["reports"]) == 2 and len(rows["documents"]) == 4
    assert len(rows["values"]) == 400 and len(rows["fields"]) > 200
    assert [(d["field_id"], d["document_value"], d["canonical_value"]) for d in rows["version_diffs"]] == [
        ("t3.new.total", "53", "35")]
    new = [v for v in rows["values"] if v["field_id"] == "t3.new.total"]
    assert sorted(v["value"] for v in new) == ["35", "35"]
    # Parquet holds the same rows
    import pyarrow.parquet as pq

    table = pq.read_table(out / "data" / "values.parquet").to_pylist()
    assert [(r["report_id"], r["field_id"]) for r in table] == [
        (v["report_id"], v["field_id"]) for v in rows["values"]]
    # the format spec, the citation, the checksums
    assert one["formats.yml"].startswith(b"#") or b"fields" in one["formats.yml"]
    cff = one["CITATION.cff"].decode()
    assert 'version: "2025.05.01"' in cff and 'date-released: "2025-05-01"' in cff
    assert "type: dataset" in cff and "license: CC-BY-4.0" in cff
    sums = dict(reversed(line.split("  ", 1)) for line in one["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(one) - {"SHA256SUMS"}
    assert all(hashlib.sha256(one[p]).hexdigest() == h for p, h in sums.items())


def test_ogi_release_writes_once_and_takes_a_version(tmp_path, archive_items):
    from crawler.cli import main

    db = build_db(tmp_path, archive_items)
    runner = CliRunner()
    r = runner.invoke(main, ["release", "--db", str(db), "--out", str(tmp_path / "rel"),
                             "--version", "1.0.0"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.splitlines()[-1])["version"] == "1.0.0"
    assert 'version: "1.0.0"' in (tmp_path / "rel" / "CITATION.cff").read_text()
    again = runner.invoke(main, ["release", "--db", str(db), "--out", str(tmp_path / "rel")])
    assert again.exit_code != 0 and "not an empty directory" in again.output
    missing = runner.invoke(main, ["release", "--db", str(tmp_path / "none.db"), "--out",
                                   str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no such archive" in missing.output
