"""metadata.yml is generated from the format data and committed: it must be up to date."""
from __future__ import annotations

from pathlib import Path

import yaml

from crawler.db import dictionary
from parsers import formats

ROOT = Path(__file__).resolve().parents[1]


def test_metadata_yml_is_up_to_date():
    committed = (ROOT / "metadata.yml").read_text(encoding="utf-8")
    assert committed == dictionary.dump(), "run: .venv/bin/python -m crawler.db.dictionary > metadata.yml"


def test_data_dictionary_covers_every_field_in_chinese_and_english():
    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    tables = meta["databases"]["archive"]["tables"]
    for fid, f in formats.all_fields().items():
        desc = tables[f"{f.table}_wide"]["columns"][fid]
        assert f.row_label in desc and f.column_label in desc and f.en in desc and f.unit in desc


def test_required_metadata_parts():
    meta = dictionary.metadata()
    for key in ("title", "description_html", "license", "license_url", "source", "source_url"):
        assert meta[key]
    assert "How to cite" in meta["description_html"] and "Caveats" in meta["description_html"]
    queries = meta["databases"]["archive"]["queries"]
    assert set(queries) >= {"agency_by_year", "withheld_unavailable_shares",
                            "review_litigation_correction_rates", "failing_checks",
                            "carry_mismatch", "missing_reports", "search"}
    facets = meta["databases"]["archive"]["tables"]["reports"]["facets"]
    assert {"province", "level", "year", "format", "check_status"} <= set(facets)
    dash = meta["plugins"]["datasette-dashboards"]["national-trends"]
    assert set(dash["filters"]) == {"province", "level"}


def test_every_table_and_column_is_described_in_chinese_and_english(tmp_path):
    """Against a real migrated archive.db: no table, view or column without a description
    that has both Chinese and English."""
    import re

    import sqlite_utils

    from crawler.db import schema

    db = sqlite_utils.Database(tmp_path / "archive.db")
    schema.migrate(db)
    tables = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["databases"]["archive"]["tables"]
    names = [n for n in db.table_names() if not n.startswith(("search_index_fts", "_"))] + db.view_names()
    assert {"agencies", "portal_crawls", "coverage", "t3_wide"} <= set(names)
    cjk, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{2,}")
    for name in names:
        spec = tables[name]
        assert cjk.search(spec["description"]) and latin.search(spec["description"]), name
        for col in db[name].columns:
            desc = spec["columns"].get(col.name)
            assert desc and cjk.search(desc) and latin.search(desc), (name, col.name, desc)
    # count columns say their unit
    assert "份" in tables["coverage"]["columns"]["found"] and "bytes" in tables["captures"]["columns"]["size"]
