"""The synthetic archive generator and every bench/ script RUN at a tiny scale.

Correctness only: generated reports pass or fail the format's rules as intended and land in a
real archive.db; each bench script finishes and prints its figures. No timing is asserted
(speed targets live in bench/ and docs/benchmarks.md).
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import pytest
from pathlib import Path

from testbed import synthetic_archive as synthetic
from parsers import checks as checks_module

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _bench(script: str, *args: str, timeout: int = 600) -> dict:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")]
    assert lines, proc.stdout[-2000:]
    return json.loads(lines[-1][len("BENCH "):])


def test_generated_reports_pass_and_fail_the_rules_as_intended():
    made = list(synthetic.generate(300, seed=3))
    assert len(made) == 300
    outcomes = {"pass": 0, "fail": 0, "undecidable": 0}
    for ag, res, cap in made:
        # the checks in the result are the format's own rules over the values
        assert res["checks"] == checks_module.evaluate(res["format"], res["values"], res["t3_version"])
        oks = [c["ok"] for c in res["checks"]]
        outcomes["fail" if False in oks else "undecidable" if None in oks else "pass"] += 1
        assert set(res["values"]) == set(synthetic.formats.get(res["format"]).field_ids)
        assert res["format"] == ("2019" if res["year"] < 2021 else res["format"])
        assert ag["region_code"][:2] in synthetic.regions.PROVINCES and len(ag["region_code"]) == 6
        assert cap["agency"] == ag["name"] and cap["region_code"] == ag["region_code"]
    assert outcomes["pass"] > 250 and outcomes["fail"] >= 3 and outcomes["undecidable"] >= 2
    values = [v for _, r, _ in made for v in r["values"].values() if v is not None]
    zeros = sum(1 for v in values if v == 0)
    assert zeros / len(values) > 0.5                  # most cells are 0, as in the real corpus
    assert max(values) > 100 * sorted(values)[len(values) * 9 // 10]  # and the tail is heavy
    years = {(ag["name"], r["year"]) for ag, r, _ in made}
    per_agency = {}
    for name, y in years:
        per_agency.setdefault(name, set()).add(y)
    assert any(len(ys) < len(synthetic.YEARS) for ys in per_agency.values()), "some reports missing"


def test_generator_writes_archive_db_through_the_load_path(tmp_path):
    db = tmp_path / "archive.db"
    proc = subprocess.run([sys.executable, "-m", "testbed.synthetic_archive", "--db", str(db),
                           "--reports", "50"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["reports"] == 50
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone()[0] == 50
    assert con.execute('select count(*) from "values"').fetchone()[0] == summary["values"]
    status = dict(con.execute("select check_status, count(*) from reports group by 1").fetchall())
    failed_in_db = con.execute("select count(distinct report_id) from checks "
                               "where kind = 'report' and status = 'fail'").fetchone()[0]
    assert failed_in_db == summary["outcomes"]["fail"] == status.get("fail", 0)
    assert con.execute("select count(*) from agencies where level is null or province is null").fetchone()[0] == 0
    # derived data as after a build: cross-year checks, search index, archive facts
    assert con.execute("select count(*) from checks where kind = 'cross'").fetchone()[0] > 0
    assert con.execute("select value from archive_info where key = 'reports'").fetchone()[0] == "50"
    assert con.execute("select count(*) from search_index_fts where search_index_fts match '年度'").fetchone()[0] > 0


def test_bench_load_runs(tmp_path):
    # the baseline: this commit's own loader, exported from git as an earlier one would be
    fig = _bench("bench_load.py", "--reports", "30", "--dir", str(tmp_path), "--repeat", "2",
                 "--baseline", "HEAD")
    assert fig["values_loaded"] == fig["values"] > 0
    assert fig["ratio_to_floor"] > 0 and len(fig["runs"]["load_s"]) == 2
    assert fig["baseline_load_s"] > 0 and fig["load_vs_baseline"] > 0


def test_bench_prose_runs():
    fig = _bench("bench_prose.py", "--reports", "60")
    assert set(fig["corpus_groups"]) == {"seed", "real", "rotated/docs", "wild"}
    assert fig["synthetic_total"]["n"] == 60 and fig["texts_synthetic"]["stored_ratio"] < 1
    assert len(fig["complete_reports"]) >= 5


def test_bench_parse_runs_on_generated_documents():
    # the baseline: this commit's own parsers, exported from git as an earlier one would be
    fig = _bench("bench_parse.py", "--repeat", "1", "--no-cli", "--generated", "--baseline", "HEAD")
    for kind in ("html", "pdf", "docx", "text"):
        row = fig[kind]
        assert row["documents"] >= 1 and row["parse_ms_per_doc"] > 0, row
        assert all(f.endswith("annual_report/2021") for f in row["files"]), row["files"]
        assert row["baseline_ms_per_doc"] > 0 and row["vs_baseline"] > 0, row


def test_bench_crawl_runs():
    fig = _bench("bench_crawl.py", "--bodies", "6", "--bench-seconds", "2")
    assert fig["spider"]["reports_found"] > 0 and fig["spider"]["requests_served"] > 0
    assert fig["scrapy_bench"]["pages"] > 0


def test_parallel_build_gives_the_same_archive(tmp_path):
    """`ogi build --jobs 2` parses in worker processes; the database equals a serial build's."""
    from tests.test_db_archive import _dump, write_test_archive

    archive = write_test_archive(tmp_path / "archive")
    ogi = str(Path(sys.executable).with_name("ogi"))
    out = {}
    for jobs in ("1", "2"):
        db = tmp_path / f"jobs{jobs}.db"
        proc = subprocess.run([ogi, "build", "--archive", str(archive), "--db", str(db), "--jobs", jobs],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out[jobs] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["1"] == out["2"] and out["2"]["parsed"] >= 4 and out["2"]["failed"] >= 1
    assert _dump(tmp_path / "jobs1.db") == _dump(tmp_path / "jobs2.db")


def test_bench_serve_runs(tmp_path):
    fig = _bench("bench_serve.py", "--reports", "40", "--dir", str(tmp_path), "--clients", "2",
                 "--rounds", "1", "--workers", "2", "--think", "0.01")
    assert fig["reports"] == 40 and fig["value_rows"] > 0 and fig["size_on_disk_mb"] >= 0
    pages = fig["pages"]
    assert {"home", "reports (facets)", "t2_wide", "t3_wide", "query search (a common phrase)",
            "query search (a rare word)", "values", "values of an agency", "values of a year",
            "values of a field", "checks", "checks of an agency", "checks of a year",
            "checks of a rule"} <= set(pages)
    assert all(p["status"] == 200 and p["requests"] == 2 and p["cold_ms"] > 0
               for p in pages.values()), pages
    assert fig["serve_startup_s"] > 0 and fig["concurrent_requests"] == 2 * len(pages)
    assert fig["serve_peak_rss_mb"] > 0 and fig["build_peak_rss_mb"] > 0
    # a page of one agency, report or field is measured on several of them, drawn from the archive
    assert fig["addresses"]["values of an agency"] > 1 and fig["addresses"]["report page"] > 1
    assert fig["addresses"]["values"] == 1

    # the machine line and the Markdown of both, as docs/benchmarks.md is written from them
    machine = _bench("bench_machine.py")
    assert machine["commit"] and machine["versions"]["sqlite"] and machine["disk_free_gb"] > 0
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(machine) + "\n" + json.dumps(fig) + "\n", encoding="utf-8")
    md = subprocess.run([sys.executable, str(ROOT / "bench" / "summary.py"), str(results)],
                        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert md.returncode == 0, md.stderr
    assert f"date (UTC), commit | {machine['date_utc']}, {machine['commit']}" in md.stdout
    assert "serve 40 reports, 2 readers, pauses of 0.01 s, 2 worker(s): worst page p95" in md.stdout
    assert "| values of an agency | " in md.stdout and "| … `ogi serve` listening |" in md.stdout


def test_bench_build_runs():
    fig = _bench("bench_build.py", "--copies", "1", "--generated")
    assert fig["documents"] == 4
    assert fig["jobs_1"]["parsed"] == fig["jobs_2"]["parsed"] == 4


def test_bench_national_builds_with_two_processes_and_states_every_part(tmp_path):
    out = _bench("bench_national.py", "--reports", "300", "--dir", str(tmp_path), "--jobs", "2")
    assert out["reports"] == 300 and out["cells"] > 300 * 150
    assert out["build_peak_rss_gb"] > 0 and out["disk_peak_mb"] > 0
    assert out["structured_gb"] >= 0 and out["fts_index_gb"] >= 0
    assert out["largest"]["cells"] > 0
    # texts drawn from the real reports of the corpus (OGI_SHARED), at their length
    assert out["generator"]["prose"].startswith("corpus: ")
    assert 2500 < out["generator"]["section_chars_per_report"] < 5500
    assert out["text_chars_per_report_sampled"] > 0


def test_drawing_reports_in_a_second_process_gives_the_same_reports():
    one = [(a["name"], r["year"], r["sha256"]) for a, r, _ in synthetic.generate(200, seed=4)]
    two = [(a["name"], r["year"], r["sha256"]) for a, r, _ in synthetic.generate(200, seed=4, jobs=2)]
    assert one == two and len(one) == 200


def test_national_agency_count_is_reached():
    """Past 99 cities a province the generator adds townships and departments (it looped
    forever before, short of the ~200k bodies of a national archive)."""
    ags = synthetic.agencies(200_000)
    assert len(ags) == 200_000 and len({(a["region_code"], a["name"]) for a in ags}) == 200_000
    assert {a["level"] for a in ags} >= {"省级", "市级", "县级", "乡级"}


def test_bench_documents_runs(tmp_path):
    fig = _bench("bench_documents.py", "--reports", "200", "--dir", str(tmp_path),
                 "--forms", "0.05", "--versions", "0.05")
    # every extra form or version joins its report: the report count stays that of the archive
    assert fig["reports"] == 200 and fig["other_documents"] == 20
    assert fig["documents_moved"]["multi_document_groups"] == 20
    assert fig["version_diff_rows"] == 10  # each constructed version differs in one cell
    assert fig["sizes_mb"]["report_sketches"] > 0


def test_bench_hostile_runs_its_cases_and_prints_their_figures():
    fig = _bench("bench_hostile.py", "--only", "parse-png-bomb", "--only", "build-disk-full")
    for case in ("parse-png-bomb", "build-disk-full"):
        row = fig[case]
        assert {"peak_mem_mb", "wall_s", "bound_s", "leftover_processes", "ok"} <= set(row)
        assert row["ok"] is True, row
    assert fig["build-disk-full"]["exit"] == 3 and fig["build-disk-full"]["published"] is False
    assert fig["all_ok"] is True
