"""DOCX reader (python-docx: gridSpan / vMerge) and DOC through LibreOffice: the seed report is
rebuilt as a real Word document with the same merged cells as the portal's HTML tables, and must
parse to the truth; then converted to .doc by LibreOffice and parsed again."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import docx
import pytest

from parsers.document import UnreadableDocument
from parsers.parse import parse_bytes
from parsers.readers import docx as docx_reader
from parsers.readers import html as html_reader

from .conftest import CORPUS, ROOT, TRUTH, load_truth
from .test_reader_html import SEED_PAGE, assert_truth


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth(TRUTH / "boai-2024.json")["values"]


def _spans(grid):
    """(row, col, last_row, last_col, text) for every origin cell of an expanded grid."""
    rows = grid.rows
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell.copy:
                continue
            c2 = c
            while c2 + 1 < len(row) and row[c2 + 1].copy and row[c2 + 1].text == cell.text:
                c2 += 1
            r2 = r
            while (r2 + 1 < len(rows) and c < len(rows[r2 + 1]) and rows[r2 + 1][c].copy
                   and rows[r2 + 1][c].text == cell.text):
                r2 += 1
            yield r, c, r2, c2, cell.text


def seed_as_docx() -> bytes:
    """The seed report as Word would hold it: paragraphs, and tables whose merged cells are real
    gridSpan/vMerge merges (made with python-docx's merge, as in the HTML page)."""
    page = html_reader.read(SEED_PAGE.read_bytes(), name="seed.html")
    d = docx.Document()
    grids = {g.index: g for g in page.grids}
    table_lines = {"\t".join(c.text for c in row) for g in page.grids for row in g.rows}
    done = set()
    for line in page.text.splitlines():
        if line not in table_lines:
            d.add_paragraph(line)
            continue
        g = next(g for g in page.grids if any("\t".join(c.text for c in row) == line for row in g.rows))
        if g.index in done:
            continue
        done.add(g.index)
        width = max(len(r) for r in g.rows)
        t = d.add_table(rows=len(g.rows), cols=width)
        for r, c, r2, c2, text in _spans(grids[g.index]):
            t.cell(r, c).text = text
            if (r2, c2) != (r, c):
                t.cell(r, c).merge(t.cell(r2, c2))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_grid_span_and_vmerge_expanded():
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).text = "本年新收"
    t.cell(0, 0).merge(t.cell(2, 0))
    t.cell(0, 1).text = "法人"
    t.cell(0, 1).merge(t.cell(0, 2))
    for r in (1, 2):
        t.cell(r, 1).text, t.cell(r, 2).text = f"{r}", f"{r * 10}"
    buf = io.BytesIO()
    d.save(buf)
    (g,) = docx_reader.read(buf.getvalue(), name="t.docx").grids
    assert g.texts() == [["本年新收", "法人", "法人"], ["本年新收", "1", "10"], ["本年新收", "2", "20"]]
    assert [[c.copy for c in r] for r in g.rows] == [[False, False, True], [True, False, False], [True, False, False]]


def test_nested_table_read_as_its_own_grid():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=1)
    outer.cell(0, 0).text = "外"
    inner = outer.cell(0, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "规章", "2"
    buf = io.BytesIO()
    d.save(buf)
    texts = [g.texts() for g in docx_reader.read(buf.getvalue(), name="t.docx").grids]
    assert [["外"]] in texts and [["规章", "2"]] in texts


def test_seed_as_docx_parses_to_the_truth(truth):
    data = seed_as_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "w:gridSpan" in xml and "w:vMerge" in xml  # the merges are real
    result = parse_bytes(data, name="boai-2024.docx")
    assert result["kind"] == "docx"
    assert_truth(result, truth)


def test_blank_template_reads_every_cell_as_blank():
    path = CORPUS / "real" / "template-2021format-blank.docx"
    result = parse_bytes(path.read_bytes(), name=str(path))
    assert result["format"] == "2021"
    assert result["document_kind"] == "template"
    assert all(v is None for v in result["values"].values())
    assert set(result["raw"]) == set(result["values"]) and set(result["raw"].values()) == {""}


@pytest.mark.slow
def test_doc_through_libreoffice_parses_to_the_truth(tmp_path, truth):
    assert shutil.which("soffice"), "LibreOffice (soffice) must be installed: scripts/setup.sh installs it"
    src = tmp_path / "boai.docx"
    src.write_bytes(seed_as_docx())
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    doc_bytes = (tmp_path / "boai.doc").read_bytes()
    assert doc_bytes.startswith(b"\xd0\xcf\x11\xe0")  # a real OLE2 .doc
    result = parse_bytes(doc_bytes, name="boai.doc")
    assert result["kind"] == "doc"
    assert_truth(result, truth)


@pytest.mark.slow
def test_doc_without_libreoffice_names_the_missing_tool(tmp_path):
    p = tmp_path / "report.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(p)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 2
    assert str(p) in proc.stderr and "LibreOffice" in proc.stderr and "soffice" in proc.stderr


def test_a_spreadsheet_is_named_as_such():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnreadableDocument, match="spreadsheet"):
        parse_bytes(buf.getvalue(), name="report.xlsx")


def test_damaged_docx_is_refused_with_a_reason():
    data = seed_as_docx()
    with pytest.raises(UnreadableDocument, match="DOCX"):
        parse_bytes(data[: len(data) // 2], name="cut.docx")


@pytest.mark.slow
def test_ogi_parse_cli_on_a_docx(tmp_path, truth):
    p = tmp_path / "boai.docx"
    p.write_bytes(seed_as_docx())
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(p)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert_truth(json.loads(proc.stdout), truth)
