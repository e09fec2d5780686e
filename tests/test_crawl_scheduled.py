"""Scheduled runs outside `ogi crawl` (docs/scheduling.md): the project egg scrapyd-deploy
builds (settings entry point, registry read from inside the zipped egg), and a standalone
`scrapy crawl` — what scrapyd runs — with a JOBDIR per spider and portal from OGI_JOBDIR_ROOT
and a finalized run summary."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import zipfile
import pytest

from crawler.archive import iter_captures
from testbed import serve

from tests.portal_fixtures import ROOT, last_run, write_registry

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

PY = sys.executable
SCRAPY = str(pathlib.Path(sys.executable).with_name("scrapy"))


def test_project_egg_has_settings_entry_point_and_reads_its_registry_from_the_zip(tmp_path):
    # build the egg the way scrapyd-deploy does (python setup.py bdist_egg), in a copy
    src = tmp_path / "src"
    src.mkdir()
    for name in ("crawler", "spiders", "parsers"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.py", "README.md", "scrapy.cfg"):
        shutil.copy(ROOT / name, src / name)
    proc = subprocess.run([PY, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path / "dist")],
                          cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    egg = next((tmp_path / "dist").glob("*.egg"))
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    # scrapyd's runner looks the settings module up under the "scrapy" entry-point group
    assert "[scrapy]" in entry_points and "settings = crawler.settings" in entry_points
    assert {"crawler/registry/portals.yaml", "parsers/formats/formats.yml",
            "spiders/trs.py"} <= names
    # the code runs from inside the zip (no unpacked files): the shipped registry still loads
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import crawler.registry as r; "
            "assert '.egg' in r.__file__, r.__file__; reg = r.load_registry(); "
            "print(len(reg), reg['350128'].agency)")
    out = subprocess.run([PY, "-c", code, str(egg)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, PYTHONPATH=""))
    assert out.returncode == 0, out.stderr[-3000:]
    n, agency = out.stdout.split()
    assert int(n) >= 10 and agency == "平潭综合实验区管理委员会"


def test_standalone_scrapy_crawl_with_jobdir_root_as_scrapyd_runs_it(tmp_path):
    archive, jobs = tmp_path / "archive", tmp_path / "jobs"
    with serve("trs") as base:
        reg = write_registry(tmp_path / "portals.yaml",
                             {"code": "990001", "agency": "示范县人民政府", "level": "县",
                              "column_urls": [base.url(base.site.column_path)]})
        cmd = [SCRAPY, "crawl", "trs", "-a", "portal=990001", "-a", f"registry={reg}",
               "-s", "OGI_ALLOW_PRIVATE=True", "-s", f"OGI_ARCHIVE_DIR={archive}",
               "-s", f"OGI_JOBDIR_ROOT={jobs}", "-s", "DOWNLOAD_DELAY=0",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
        env = dict(os.environ, OGI_CONTACT="tests@localhost")
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180,
                              env=env)
        assert proc.returncode == 0, proc.stderr[-4000:]
        expected = set(base.site.expected_reports)
        agents = set(base.site.user_agents)
    # the JOBDIR came from OGI_JOBDIR_ROOT: the request queue lived on disk, per portal
    assert f"'JOBDIR': '{jobs / 'trs-990001'}'" in proc.stderr
    assert "'scheduler/enqueued/disk'" in proc.stderr
    assert not (jobs / "trs-990001").exists()  # a finished crawl leaves no resume state
    run = last_run(archive)
    assert run["exit_code"] == 0 and run["per_spider"][0]["portal"] == "990001"
    assert run["counts"]["reports_found"] == run["counts"]["new"] == len(expected)
    reports = [c for c in iter_captures(archive) if c.role == "report"]
    assert {c.url[len(base):] for c in reports} == expected
    assert {c.region_code for c in reports} == {"990001"}
    # an honest user agent with the operator's contact
    agents.discard("")
    assert agents and all("ogi-archive" in a and "contact: tests@localhost" in a
                          for a in agents), agents
