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
