"""A Word original previewed as its PDF rendering (crawler.web.preview): real LibreOffice on
the demo portal's Word report, the rendering cached by sha256, and a conversion that hangs
killed with every process it started (soffice starts soffice.bin, which outlives a kill of
the first)."""
from __future__ import annotations

import asyncio
import hashlib
import shutil
import time
from pathlib import Path

import pytest

from crawler.web import preview

# subprocesses (LibreOffice): not in the fast loop
pytestmark = pytest.mark.slow

DOCX = Path(__file__).resolve().parents[1] / "crawler/demo/sites/demo/zwgk/zfxxgk/zfxxgknb/202501/P020250120_boai2024.docx"


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaped is dead: its state is Z)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_a_word_document_rendered_once_and_cached(tmp_path):
    assert shutil.which("soffice"), "LibreOffice (soffice) must be installed: scripts/setup.sh installs it"
    data = DOCX.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    previews = preview.Previews(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    pdf = asyncio.run(previews.pdf(sha, lambda: data, ".docx"))
    assert pdf == tmp_path / "cache" / f"{sha}.pdf"
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF-") and len(body) > 10_000

    def never():
        raise AssertionError("the cached rendering was converted again")

    assert asyncio.run(previews.pdf(sha, never, ".docx")).read_bytes() == body


def test_a_hanging_conversion_is_killed_with_every_process_it_started(tmp_path):
    # a stand-in for soffice: it starts a child (as soffice starts soffice.bin) and hangs
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pids}\nsleep 300\n")
    fake.chmod(0o755)
    start = time.monotonic()
    with pytest.raises(preview.PreviewError, match="did not render the document within 2 s"):
        preview.convert(b"PK\x03\x04 not really", ".docx", tmp_path / "out.pdf", timeout=2, exe=str(fake))
    assert time.monotonic() - start < 30
    parent, child = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 10
    while (alive(parent) or alive(child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(parent) and not alive(child)
    assert not (tmp_path / "out.pdf").exists()


def test_a_document_that_cannot_be_rendered_says_why(tmp_path):
    # what soffice does with a file it cannot load: a message, no PDF
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded'\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(preview.PreviewError,
                       match="LibreOffice could not render the document: Error: source file could not be loaded"):
        preview.convert(b"\xd0\xcf\x11\xe0", ".doc", tmp_path / "out.pdf", timeout=20, exe=str(fake))
    assert not (tmp_path / "out.pdf").exists()
