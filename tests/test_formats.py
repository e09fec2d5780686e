"""The format data is the single source of truth: it must generate exactly the spec's field ids."""
from __future__ import annotations

import csv

import pytest

from parsers import formats

from .conftest import SHARED


@pytest.mark.parametrize("version", formats.VERSIONS)
def test_field_ids_equal_the_spec(version):
    with open(SHARED / "spec" / f"fields-{version}.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    fmt = formats.get(version)
    assert fmt.field_ids == [r["field"] for r in rows]
    for f, r in zip(fmt.fields, rows):
        assert formats.TABLE_NAMES[f.table] == r["table"]
        assert f.column_label.replace(" ", "") in r["column_label"].replace(" ", "") or r["column_label"].startswith(f.column_label[:4])


def test_no_id_is_a_prefix_of_another():
    ids = sorted(formats.all_fields())
    for a in ids:
        assert not any(b.startswith(a + ".") for b in ids), a


def test_shared_ids_mean_the_same_thing():
    f19, f21 = (dict((f.id, f) for f in formats.fields(v)) for v in ("2019", "2021"))
    for fid in set(f19) & set(f21):
        assert f19[fid].row_key == f21[fid].row_key and f19[fid].column_key == f21[fid].column_key
    assert "t2.regulations.issued" not in f19 and "t2.regulations.made" not in f21


@pytest.mark.slow
def test_parsers_import_no_scrapy_and_spiders_no_parsers():
    """The layering the design asks for: parsing runs without Scrapy (from the archive), and the
    spiders find and fetch without parsing tables."""
    import subprocess
    import sys

    from .conftest import CORPUS, ROOT

    code = ("import sys, pkgutil, importlib, parsers, parsers.readers\n"
            "for m in pkgutil.walk_packages(parsers.__path__, 'parsers.'): importlib.import_module(m.name)\n"
            "from parsers.parse import parse_path\n"
            "parse_path(sys.argv[1])\n"
            "bad = sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('scrapy.'))\n"
            "assert not bad, bad\n")
    seed = CORPUS / "seed" / "boai-2024.txt"
    proc = subprocess.run([sys.executable, "-c", code, str(seed)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for path in (ROOT / "spiders").glob("*.py"):
        text = path.read_text("utf-8")
        assert "import parsers" not in text and "from parsers" not in text, path.name
