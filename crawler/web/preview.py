"""A Word/WPS original previewed as its PDF rendering: LibreOffice headless converts it once, the
PDF is cached by the original's sha256, and the conversion is bounded in time.

LibreOffice starts `soffice` (oosplash), which starts `soffice.bin`; killing the first leaves
the second running. So each conversion runs in its own session (its own process group) with
its own profile, and on timeout the whole group is killed. One conversion runs at a time (a
hostile document costs one LibreOffice, never one per visitor); visitors asking for the same
document wait for the same conversion.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

TIMEOUT = 60.0  # seconds for one conversion
MAX_INPUT = 50 * 1024 * 1024  # the parsers' document size limit


class PreviewError(Exception):
    """The document could not be rendered; the message says why, for the visitor."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def cache_dir() -> Path:
    """$OGI_PREVIEW_CACHE, else a private directory under the system's temporary directory.
    Renderings are derived files, kept apart from the archive (whose files are only ever
    added by crawls) and deleted freely; a rendering depends only on the original's bytes,
    so archives on one machine share them."""
    d = Path(os.environ.get("OGI_PREVIEW_CACHE") or Path(tempfile.gettempdir()) / f"ogi-previews-{os.getuid()}")
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    return d


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process's whole group (soffice and the soffice.bin it started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def convert(data: bytes, suffix: str, out_pdf: Path, *, timeout: float = TIMEOUT,
            exe: str | None = None) -> Path:
    """Render `data` (a .docx/.doc/.wps document) to `out_pdf` with LibreOffice; raises
    PreviewError naming the reason."""
    exe = exe or soffice()
    if exe is None:
        raise PreviewError("LibreOffice (soffice) is not installed here: no PDF rendering "
                           "(Debian: apt-get install libreoffice-writer-nogui)")
    if len(data) > MAX_INPUT:
        raise PreviewError(f"the document is larger than {MAX_INPUT // (1024 * 1024)} MB: not rendered")
    with tempfile.TemporaryDirectory(prefix="ogi-preview-") as tmp:
        src = Path(tmp) / ("document" + suffix)
        src.write_bytes(data)
        cmd = [exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(Path(tmp) / "out"), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "HOME": tmp})
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise PreviewError(f"LibreOffice did not render the document within {timeout:.0f} s") from None
        finally:
            # a converted document can leave soffice.bin behind; nothing of this group may stay
            kill_group(proc)
        pdf = Path(tmp) / "out" / "document.pdf"
        if not pdf.exists() or pdf.stat().st_size == 0:
            why = (out or b"").decode("utf-8", "replace").strip().splitlines()
            raise PreviewError("LibreOffice could not render the document"
                               + (f": {why[-1][:200]}" if why else ""))
        tmp_out = out_pdf.with_suffix(f".tmp-{os.getpid()}")
        shutil.copyfile(pdf, tmp_out)
        os.replace(tmp_out, out_pdf)
    return out_pdf


class Previews:
    """The cache and the one-at-a-time conversions of a server."""

    def __init__(self, directory: Path, timeout: float = TIMEOUT) -> None:
        self.directory = Path(directory)
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._failed: dict[str, tuple[float, str]] = {}  # sha -> (when, why): not retried at once

    def path(self, sha: str) -> Path:
        return self.directory / f"{sha}.pdf"

    async def pdf(self, sha: str, data_fn, suffix: str) -> Path:
        """The cached PDF rendering of the document `sha` (its bytes from `data_fn()`)."""
        out = self.path(sha)
        if out.exists():
            return out
        failed = self._failed.get(sha)
        if failed and time.monotonic() - failed[0] < 600:
            raise PreviewError(failed[1])
        async with self._lock:
            if out.exists():
                return out
            data = await asyncio.to_thread(data_fn)
            try:
                return await asyncio.to_thread(convert, data, suffix, out, timeout=self.timeout)
            except PreviewError as exc:
                self._failed[sha] = (time.monotonic(), str(exc))
                raise
