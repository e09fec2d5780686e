"""Bad input: each gives a clear one-line reason naming the document, within bounded time and
memory, and `ogi parse` exits 2. Never a crash, a hang or an invented value."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
import pytest

from .conftest import CORPUS, ROOT

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def ogi_parse(*paths, timeout=120):
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c",
         "import resource,sys;resource.setrlimit(resource.RLIMIT_AS,(2*1024**3,2*1024**3));"
         "sys.argv=['ogi','parse',*sys.argv[1:]];from crawler.cli import main;main()", *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    return proc, time.monotonic() - start


def assert_refused(path, reason_words, max_seconds=60):
    proc, elapsed = ogi_parse(path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout[:500], proc.stderr)
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0]
    assert any(w in err[0].lower() for w in reason_words), err[0]
    assert "Traceback" not in proc.stderr
    assert elapsed < max_seconds
    return proc


def test_empty_file(tmp_path):
    p = tmp_path / "report.pdf"
    p.write_bytes(b"")
    assert_refused(p, ["empty"])


def test_random_bytes(tmp_path):
    p = tmp_path / "report.bin"
    p.write_bytes(os.urandom(64 * 1024))
    assert_refused(p, ["binary", "not text", "not a"])


def test_truncated_pdf(tmp_path):
    data = (CORPUS / "real" / "huaian-hongze-2024.pdf").read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(data[: len(data) // 2])
    assert_refused(p, ["truncated", "corrupt", "damaged", "cannot", "broken"])


def test_encrypted_pdf(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    p = tmp_path / "encrypted.pdf"
    c = canvas.Canvas(str(p), pagesize=A4, encrypt="secret")
    c.drawString(72, 720, "2024 annual report")
    c.save()
    assert_refused(p, ["encrypt", "password"])


def test_pdf_without_text_layer_is_reported_as_scanned(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (600, 800), 255)  # a "scanned page": pixels, no characters
    draw = ImageDraw.Draw(img)
    for i in range(40):
        draw.rectangle([20 + i * 14, 100, 26 + i * 14, 700], fill=0)
    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    c.drawImage(ImageReader(img), 40, 40, width=500, height=750)
    c.showPage()
    c.save()
    proc = assert_refused(p, ["scanned", "ocr", "text layer"])
    result = json.loads(proc.stdout)
    assert result["document_kind"] == "scanned"
    assert all(v is None for v in result["values"].values())


def test_docx_zip_bomb(tmp_path):
    p = tmp_path / "bomb.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(1024):  # 1 GiB uncompressed, about 1 MB compressed
                fh.write(chunk)
    p.write_bytes(buf.getvalue())
    assert_refused(p, ["zip bomb", "uncompressed", "compression"])


def test_huge_html_page(tmp_path):
    p = tmp_path / "huge.html"
    row = "<tr>" + "<td>0</td>" * 10 + "</tr>\n"
    with p.open("w", encoding="utf-8") as fh:
        fh.write("<html><body><table>")
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(row * 1000)
        fh.write("</table></body></html>")
    assert_refused(p, ["limit", "too large", "bytes"], max_seconds=30)


def test_non_report_page(tmp_path):
    p = tmp_path / "yaodian.html"
    p.write_text(
        "<html><head><meta charset='utf-8'><title>2024年政务公开工作要点</title></head><body>"
        "<h1>博爱县2024年政务公开工作要点</h1><p>为深入贯彻落实……现将有关事项通知如下。</p></body></html>",
        encoding="utf-8")
    proc = assert_refused(p, ["not a government information disclosure annual report", "not an annual report"])
    result = json.loads(proc.stdout)
    assert result["document_kind"] == "not_annual_report"
    assert not any(v is not None for v in result["values"].values())


def test_one_bad_document_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    proc, _ = ogi_parse(bad, CORPUS / "seed" / "boai-2024.txt")
    assert proc.returncode == 2
    assert len(proc.stdout.strip().splitlines()) == 1
    assert json.loads(proc.stdout)["agency"] == "博爱县人民政府"
