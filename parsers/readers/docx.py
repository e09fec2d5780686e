"""DOCX reader (python-docx), and DOC/WPS through a LibreOffice headless conversion.

* The ZIP container is checked before anything is decompressed: it must hold
  ``word/document.xml`` (an XLSX or a plain ZIP is named as such), and the declared
  uncompressed size must stay under ``max_uncompressed`` (100 MB) with a sane compression
  ratio. The ZIP's sizes are not trusted: every member is then inflated once, counting (never
  keeping) the bytes it really gives, and a member that inflates to more than it declares, or
  members over ``max_uncompressed`` in all, are refused before python-docx reads anything.
* The body is walked in order: paragraphs become lines of text; tables become grids (and
  tab-separated lines of text). ``w:gridSpan`` and ``w:hMerge`` (horizontal) and ``w:vMerge``
  (vertical) merged cells are expanded with ``copy=True`` copies of the origin's text;
  ``w:gridBefore`` leading gaps are kept as blank cells so columns line up. Tables nested in a
  cell are grids of their own; content controls (``w:sdt``) are read through.
* ``.doc`` and ``.wps`` (OLE2 files) are converted to DOCX with ``soffice --headless``
  (Debian: libreoffice-writer-nogui) in a private temporary profile, with a time limit; when
  LibreOffice is not installed the error names the missing tool.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib

from ..document import Cell, Document, Grid, ResourceExhausted, UnreadableDocument
from .cells import join_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_RATIO = 200  # deflate of real XML rarely exceeds 1:30; bombs are 1:1000


def _check_zip(data: bytes, max_uncompressed: int) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableDocument(f"not a readable DOCX: damaged ZIP container ({exc})") from exc
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        if any(n.startswith("xl/") for n in names):
            raise UnreadableDocument("a spreadsheet (XLSX), not a DOCX document")
        if any(n.startswith("ppt/") for n in names):
            raise UnreadableDocument("a presentation (PPTX), not a DOCX document")
        raise UnreadableDocument("a ZIP archive that is not a DOCX document (no word/document.xml)")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_uncompressed:
        raise UnreadableDocument(f"zip bomb guard: {total} bytes uncompressed, over the "
                                 f"{max_uncompressed}-byte limit")
    if total > 10 * 1024 * 1024 and total / packed > MAX_RATIO:
        raise UnreadableDocument(f"zip bomb guard: compression ratio {total // packed}:1 is not a document's")
    _check_inflated(data, infos, max_uncompressed)


def _check_inflated(data: bytes, infos, max_uncompressed: int) -> None:
    """Inflate every member once, counting the bytes it really gives (never kept), against
    what the ZIP declares: a member that inflates to more than its declared size, or members
    that inflate to more than `max_uncompressed` in all, are refused before any is read."""
    total = 0
    for info in infos:
        left = max_uncompressed - total
        if info.compress_type == zipfile.ZIP_STORED:
            actual = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            actual = _inflated_size(data, info, min(info.file_size, left))
        else:
            raise UnreadableDocument(f"not a DOCX: {info.filename} is compressed with method "
                                     f"{info.compress_type}, which Word never uses")
        if actual > info.file_size:
            raise UnreadableDocument(f"zip bomb guard: {info.filename} declares {info.file_size} "
                                     f"bytes but inflates to more")
        total += actual
        if total > max_uncompressed:
            raise UnreadableDocument(f"zip bomb guard: the members inflate to more than the "
                                     f"{max_uncompressed}-byte limit")


def _inflated_size(data: bytes, info, limit: int) -> int:
    """The bytes member `info` inflates to, counted up to just past `limit`."""
    head = data[info.header_offset:info.header_offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise UnreadableDocument(f"not a readable DOCX: damaged ZIP container (no local header "
                                 f"for {info.filename})")
    start = info.header_offset + 30 + int.from_bytes(head[26:28], "little") \
        + int.from_bytes(head[28:30], "little")
    pending = data[start:start + info.compress_size]
    d = zlib.decompressobj(-15)
    size = 0
    try:
        while pending and not d.eof and size <= limit:
            size += len(d.decompress(pending, 1 << 20))
            pending = d.unconsumed_tail
        if size <= limit:
            size += len(d.flush())
    except zlib.error as exc:
        raise UnreadableDocument(f"not a readable DOCX: damaged ZIP member {info.filename} "
                                 f"({exc})") from None
    return size


def _para_text(p) -> str:
    parts: list[str] = []
    for el in p.iter():
        if el.tag == W + "t" and el.text:
            parts.append(el.text)
        elif el.tag == W + "tab":
            parts.append(" ")
        elif el.tag in (W + "br", W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _cell_children(tc):
    """Block content of a cell, reading through content controls."""
    for child in tc:
        if child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _cell_children(content)
        else:
            yield child


def _val(el, name: str) -> str | None:
    return None if el is None else el.get(W + name)


def _int(v: str | None, default: int = 1) -> int:
    try:
        return max(1, min(int(v), 1000))
    except (TypeError, ValueError):
        return default


class _Walker:
    def __init__(self, max_cells: int) -> None:
        self.lines: list[str] = []
        self.grids: list[Grid] = []
        self.budget = max_cells

    def block(self, el) -> None:
        if el.tag == W + "p":
            for line in _para_text(el).split("\n"):
                self.lines.append(line)
        elif el.tag == W + "tbl":
            self.table(el)
        elif el.tag == W + "sdt":
            content = el.find(W + "sdtContent")
            if content is not None:
                for child in content:
                    self.block(child)
        elif el.tag == W + "customXml":
            for child in el:
                self.block(child)

    def _cell_text(self, tc, nested: list) -> str:
        lines: list[str] = []
        for child in _cell_children(tc):
            if child.tag == W + "p":
                lines.extend(_para_text(child).split("\n"))
            elif child.tag == W + "tbl":
                nested.append(child)
        return join_lines(lines)

    def table(self, tbl) -> None:
        rows: list[list[Cell]] = []
        nested: list = []
        origin: dict[int, str] = {}  # grid column -> text of the vMerge origin above
        trs = [tr for tr in tbl if tr.tag == W + "tr"]
        for tr in trs:
            trpr = tr.find(W + "trPr")
            before = trpr.find(W + "gridBefore") if trpr is not None else None
            col = _int(_val(before, "val"), 0) if before is not None else 0
            row: list[Cell] = [Cell("") for _ in range(col)]
            for tc in (c for c in _cell_children(tr) if c.tag == W + "tc"):
                pr = tc.find(W + "tcPr")
                span = _int(_val(pr.find(W + "gridSpan") if pr is not None else None, "val"))
                vmerge = pr.find(W + "vMerge") if pr is not None else None
                hmerge = pr.find(W + "hMerge") if pr is not None else None
                text = self._cell_text(tc, nested)
                self.budget -= span
                if self.budget < 0:
                    raise UnreadableDocument("tables have more cells than the limit (max_cells)")
                if vmerge is not None and _val(vmerge, "val") != "restart":
                    for k in range(span):
                        row.append(Cell(origin.get(col + k, text), copy=True))
                elif hmerge is not None and _val(hmerge, "val") != "restart" and row:
                    row.extend(Cell(row[-1].text, copy=True) for _ in range(span))
                else:
                    for k in range(span):
                        row.append(Cell(text, copy=k > 0))
                        origin[col + k] = text
                col += span
            rows.append(row)
        if rows:
            self.grids.append(Grid(rows, index=len(self.grids)))
            self.lines.extend("\t".join(c.text for c in r) for r in rows)
        for inner in nested:
            self.table(inner)


def read_docx(data: bytes, *, limits=None) -> Document:
    _check_zip(data, getattr(limits, "max_uncompressed", None) or 100 * 1024 * 1024)
    try:
        import docx  # python-docx

        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # python-docx raises many kinds for damaged parts
        raise UnreadableDocument(f"not a readable DOCX: {type(exc).__name__}: {exc}"[:300]) from exc
    walker = _Walker(getattr(limits, "max_cells", None) or 200_000)
    for child in body:
        walker.block(child)
    text = "\n".join(l.strip() if "\t" not in l else l for l in walker.lines)
    text = "\n".join(l for l in text.split("\n") if l.strip())
    if not text.strip():
        raise UnreadableDocument("empty document: the DOCX has no text")
    return Document(kind="docx", text=text, grids=walker.grids)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def run_group(cmd: list[str], timeout: float, env: dict) -> subprocess.CompletedProcess | None:
    """Run `cmd` in a process group of its own; None when it ran out of time. LibreOffice's
    launcher (oosplash) starts soffice.bin as a child: on a timeout, or if anything of it is
    still running when the launcher returns, the whole group is killed, so a hung conversion
    never outlives its document."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        return None
    except BaseException:  # the worker's own time limit, Ctrl-C: the group goes too
        _kill_group(proc.pid)
        proc.wait()
        raise
    _kill_group(proc.pid)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def convert_to_docx(data: bytes, *, suffix: str = ".doc", timeout: float = 180) -> bytes:
    """DOC/WPS bytes -> DOCX bytes with LibreOffice headless (private profile, time-limited)."""
    exe = soffice()
    if exe is None:
        raise UnreadableDocument("a .doc/.wps file needs LibreOffice to be read, and soffice is not "
                                 "installed (Debian: apt-get install libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as tmp:
        src = os.path.join(tmp, "document" + suffix)
        with open(src, "wb") as fh:
            fh.write(data)
        cmd = [exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", os.path.join(tmp, "out"), src]
        proc = run_group(cmd, timeout, env={**os.environ, "HOME": tmp})
        if proc is None:
            raise ResourceExhausted(f"LibreOffice did not convert the document within "
                                    f"{timeout:g} s (time limit)")
        out = os.path.join(tmp, "out", "document.docx")
        if not os.path.exists(out):
            why = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            raise UnreadableDocument("LibreOffice could not convert the document to DOCX"
                                     + (f": {why[-1]}" if why else ""))
        with open(out, "rb") as fh:
            return fh.read()


def read(data: bytes, *, name: str, limits=None) -> Document:
    if data.startswith(b"PK\x03\x04"):
        return read_docx(data, limits=limits)
    suffix = ".wps" if name.lower().endswith(".wps") else ".doc"
    doc = read_docx(convert_to_docx(data, suffix=suffix), limits=limits)
    doc.kind = "doc"
    doc.warnings.append(f"{suffix[1:].upper()} read through a LibreOffice conversion to DOCX")
    return doc
