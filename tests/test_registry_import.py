"""The national registry from the real seed file (OGI_SHARED/data/cn_gov_portals_by_division.csv):
`ogi registry import` keeps every division once with its code, level, parent and home page, and
`ogi registry stats` counts what the file holds. The shipped registry is that import, and loads
from a zipped egg as scrapyd runs it."""
from __future__ import annotations

import collections
import csv
import json
import subprocess
import sys
import zipfile
import pytest

from crawler.db.regions import province_of
from crawler.registry import load_registry

from tests.conftest import SHARED
from tests.portal_fixtures import ROOT
from tests.test_registry_nation import ogi

SEED = SHARED / "data" / "cn_gov_portals_by_division.csv"
LEVELS = {"province": "省", "prefecture": "市", "county": "县"}


def seed_rows() -> list[dict]:
    assert SEED.is_file(), f"{SEED} not found (set OGI_SHARED)"
    with SEED.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_import_of_the_real_file_keeps_every_division_once(tmp_path):
    rows = seed_rows()
    reg_path = tmp_path / "national.csv"
    proc = ogi("registry", "import", str(SEED), "--registry", str(reg_path))
    assert proc.returncode == 0, proc.stderr
    reg = load_registry(reg_path)
    assert len(reg) == len(rows)  # nothing lost, nothing added
    codes = [r["code"] for r in rows if r["code"]]
    assert len(codes) == len(set(codes)) == 3213
    for r in rows:
        if r["code"]:
            p = reg[r["code"]]
            assert (p.name, p.agency, p.level, p.region_code) == (
                r["name"], r["name"], LEVELS[r["level"]], r["code"])
            assert p.parent == r["parent_code"]
        else:  # units outside GB/T 2260: under their parent, found by name
            [p] = [p for p in reg.values() if p.name == r["name"] and "-" in p.code]
            assert reg[p.parent].name == r["parent_name"] and p.region_code == p.parent
        assert p.home_url == r["portal_url"] and p.status == "unverified"
        assert p.source == SEED.name and p.source_date == "2026-04-26"
        assert bool(p.domains) == bool(r["portal_host"])
    # every parent resolves to an entry of the registry
    assert all(p.parent in reg for p in reg.values() if p.parent)
    assert sum(1 for p in reg.values() if p.home_url) >= 3200
    assert all(p.code and p.level for p in reg.values())

    stats = json.loads(ogi("registry", "stats", "--registry", str(reg_path), "--json").stdout)
    assert stats["entries"] == len(rows)
    assert stats["with_home_page"] == sum(1 for r in rows if r["portal_url"])
    file_levels = collections.Counter(LEVELS.get(r["level"]) for r in rows if r["code"])
    assert {k: v for k, v in stats["by_level"].items()} == {
        "省": file_levels["省"], "市": file_levels["市"] + 2, "县": file_levels["县"] + 4}
    by_prov = collections.Counter(r["province"] for r in rows)
    assert {k: v["entries"] for k, v in stats["by_province"].items()} == dict(by_prov)
    assert stats["by_status"] == {"unverified": len(rows)}

    # a second import keeps what an operator verified
    # (platform, column_urls, known_reports, list_api, xxgk_url, status)
    old = "110101,东城区,东城区,县,110000,110101,https://www.bjdch.gov.cn/,bjdch.gov.cn,,,,,,unverified"
    text = reg_path.read_text("utf-8")
    assert old in text
    reg_path.write_text(text.replace(old, "110101,东城区,东城区,县,110000,110101,https://www.bjdch.gov.cn/,"
                                          "bjdch.gov.cn,trs,https://www.bjdch.gov.cn/zwgk/nb/,,,,verified"),
                        "utf-8")
    assert ogi("registry", "import", str(SEED), "--registry", str(reg_path)).returncode == 0
    p = load_registry(reg_path)["110101"]
    assert (p.status, p.column_urls, p.platform) == ("verified", ["https://www.bjdch.gov.cn/zwgk/nb/"], "trs")


@pytest.mark.slow
def test_the_shipped_registry_is_the_import_and_loads_from_a_zipped_egg(tmp_path):
    rows = seed_rows()
    shipped = load_registry()
    for r in rows:
        if r["code"]:
            assert shipped[r["code"]].home_url == r["portal_url"] or \
                shipped[r["code"]].column_urls  # a hand-written entry (portals.yaml) may add more
    # scrapyd runs the project from a zipped egg: the registry is read through importlib.resources
    egg = tmp_path / "ogi_archive.egg"
    with zipfile.ZipFile(egg, "w") as z:
        for pkg in ("crawler", "spiders", "parsers"):
            for f in (ROOT / pkg).rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts:
                    z.write(f, f.relative_to(ROOT).as_posix())
    code = ("import crawler, crawler.registry as r; assert crawler.__file__.startswith(%r), "
            "crawler.__file__; reg = r.load_registry(); print(len(reg), reg['110101'].home_url)"
            % str(egg))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(egg), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    n, home = proc.stdout.split()
    assert int(n) == len(shipped) >= len(rows) and home == "https://www.bjdch.gov.cn/"
    assert province_of(shipped["110101"].region_code)[1] == "北京市"
