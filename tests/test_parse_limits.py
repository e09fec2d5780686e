"""Readers' limits on hostile input, through `ogi parse` under a 2 GiB address-space cap:
45 MB of tab-separated cells, a DOCX that under-declares its size, a 4 GiB PDF bomb, HTML
nested deeper than libxml2 reads; and a batch with bad paths parses the good ones."""
from __future__ import annotations

import json
import subprocess
import pytest

from tests.bombs import pdf_bomb, underdeclared_docx
from tests.conftest import CORPUS, ROOT
from tests.portal_fixtures import OGI
from tests.test_parse_bad_input import assert_refused

TITLE = "某县人民政府2024年政府信息公开工作年度报告"


def test_tab_only_text_is_refused_at_max_cells(tmp_path):
    p = tmp_path / "tabs.txt"
    p.write_bytes((TITLE + "\n").encode() + b"1\t2\t3\t4\t5\t6\t7\t8\t9\n" * (5 << 19))  # 45 MB
    assert_refused(p, ["more cells than the limit (max_cells=200000)"])
    q = tmp_path / "one-line.txt"
    q.write_bytes(TITLE.encode() + b"\t" * (45 << 20) + b"x")
    assert_refused(q, ["more cells than the limit"])


def test_a_docx_that_under_declares_its_size_is_refused_by_the_bytes_it_inflates(tmp_path):
    p = tmp_path / "underdeclared.docx"
    p.write_bytes(underdeclared_docx(1 << 30, declared=4096))  # 1 MB, inflates to 1 GiB
    assert p.stat().st_size < 2 * 2 ** 20
    assert_refused(p, ["zip bomb guard: word/document.xml declares 4096 bytes but inflates to more"])


def test_a_pdf_bomb_is_refused_by_the_bytes_it_inflates(tmp_path):
    p = tmp_path / "bomb.pdf"
    p.write_bytes(pdf_bomb(4 << 30))
    assert_refused(p, ["decompression bomb: a compressed stream inflates to more than"])


@pytest.mark.slow
def test_html_nested_too_deep_says_so(tmp_path):
    whole = tmp_path / "deep.html"
    whole.write_text("<html><body>" + "<div>" * 400 + f"<p>{TITLE}</p><p>一、总体情况</p>"
                     + "</div>" * 400 + "</body></html>", "utf-8")
    assert_refused(whole, ["nested more than 255 levels deep"])
    part = tmp_path / "part-deep.html"
    part.write_text(f"<html><body><h1>{TITLE}</h1><p>一、总体情况</p>" + "<div>" * 400
                    + "<p>二、主动公开政府信息情况</p>" + "</div>" * 400 + "</body></html>", "utf-8")
    proc = subprocess.run(OGI + ["parse", str(part)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    result = json.loads(proc.stdout)
    assert any("nested more than 255 levels deep" in w and "not read" in w
               for w in result["warnings"]), result["warnings"]


@pytest.mark.slow
def test_a_batch_with_a_directory_and_a_missing_file_parses_the_good_ones(tmp_path):
    good = CORPUS / "seed" / "boai-2024.txt"
    missing = tmp_path / "missing.pdf"
    proc = subprocess.run(OGI + ["parse", str(good), str(tmp_path), str(missing), str(good)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [d["document"] for d in docs] == [str(good), str(good)]
    err = proc.stderr.strip().splitlines()
    assert err == [f"ogi parse: {tmp_path}: a directory, not a document",
                   f"ogi parse: {missing}: cannot open: No such file or directory"], err
