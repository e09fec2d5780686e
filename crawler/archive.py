"""The raw capture store: WARC files written by the crawler, read by ``ogi build``.

Layout of an archive directory (``--archive DIR``, default ``./archive``)::

    warc/<run_id>-<spider>-<n>.warc.gz   one or more WARC/1.1 files per run; created with
                                         O_EXCL, appended to while the run lasts, never
                                         rewritten or deleted afterwards
    runs/<run_id>.json                   one summary per crawl run (see ``write_run_summary``)
    jobs/<spider key>/                   Scrapy JOBDIR of an interrupted run (resume state)
    lock                                 held (flock) by the crawl writing to this archive

Every fetch that is kept is written as a ``request`` record followed by either

* a ``response`` record (a payload never stored before), or
* a ``revisit`` record (WARC-Profile ``identical-payload-digest``, or ``server-not-modified``
  after a 304 answer to a conditional request) pointing at the record holding the payload:
  a payload is never stored twice.

Standard headers are used where they exist (WARC-Target-URI, WARC-Date, WARC-Payload-Digest as
``sha256:<base32>``, WARC-Concurrent-To from request to response, WARC-Refers-To,
WARC-Refers-To-Target-URI, WARC-Refers-To-Date). The crawler's own metadata sits in extra
headers of the response/revisit record (UTF-8 values, as WARC/1.1 allows):

==========================  ==================================================================
WARC-Ogi-Sha256             hex sha256 of the HTTP payload (the body, after transfer and
                            content decoding), also on revisits (= the original's)
WARC-Ogi-Size               payload size in bytes
WARC-Ogi-Role               ``report`` (an annual report: a page whose body is the report, or
                            an attachment of a report), ``list`` (a column/list page or list
                            API answer), ``other`` (navigation pages, report wrapper pages)
WARC-Ogi-Title              the report title as linked / printed
WARC-Ogi-Agency             agency name (registry), WARC-Ogi-Region-Code (6-digit GB/T 2260),
                            WARC-Ogi-Portal (registry code)
WARC-Ogi-Referer            the page that linked this document
WARC-Ogi-Final-Url          the URL after redirects (WARC-Target-URI is the same URL; the
                            originally requested URL is WARC-Ogi-Requested-Url)
WARC-Ogi-Encoding           detected text encoding (declared GB2312/GBK read as gb18030);
                            absent for binary payloads
WARC-Ogi-Content-Type       media type of the payload as served
WARC-Ogi-Run-Id             the crawl run that made the record
WARC-Ogi-Worker             the ``ogi worker`` that fetched it (distributed crawls only; its id
                            is also in the WARC file name)
WARC-Ogi-Original-File/-Offset  on revisits: WARC file (relative) and offset of the original
==========================  ==================================================================

The HTTP headers stored are those Scrapy saw; since the body is stored decoded,
Content-Encoding/Transfer-Encoding are dropped and Content-Length is set to the stored size.

Reading API (used by ``ogi build``): :func:`iter_captures` and :func:`iter_runs`.
Every record is verified when read (crawler.warc_records: gzip CRC, declared payload digest):
a record cut off by a killed crawler or damaged on disk is skipped and reported with its byte
range, reading resumes at the next intact record, and a damaged record is never the original
of a revisit, so the next crawl fetches that document again.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import fcntl
import hashlib
import io
import json
import os
import pathlib
import re
import uuid
from typing import Any, Iterator

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from parsers.encoding import http_charset, sniff

from .warc_records import DamagedRecord, iter_records, read_record  # noqa: F401 - re-exported

# rendered_list: a list page as the browser showed it (its DOM after scripts ran), kept so the
# archive shows how documents of a list only a browser sees were found
ROLES = ("report", "list", "other", "rendered_list")
H = "WARC-Ogi-"


# --------------------------------------------------------------------------- helpers

def utcnow_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_run_id() -> str:
    """UTC time to the millisecond first, so that run ids (and WARC names) sort in run order."""
    now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z-" + uuid.uuid4().hex[:6]


def safe_name(text: str, limit: int = 80, default: str = "crawl") -> str:
    """`text` reduced to [A-Za-z0-9_.-] for file names, JOBDIRs, worker ids and Redis keys."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:limit] or default


def sha256_digest_label(hexdigest: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(hexdigest)).decode("ascii")


TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml",
              "application/javascript")


def looks_binary(body: bytes) -> bool:
    head = body[:8]
    return (head.startswith(b"%PDF") or head.startswith(b"PK\x03\x04")
            or head.startswith(b"\xd0\xcf\x11\xe0") or head.startswith(b"\xff\xd8")
            or head.startswith(b"\x89PNG") or head.startswith(b"GIF8")
            or b"\x00" in body[:1024])


def detect_encoding(body: bytes, content_type: str | None) -> str | None:
    """The text encoding of *body*, or None for a binary payload.

    The parsers' sniffing (parsers.encoding.sniff): BOM, the HTTP charset, a <meta charset>,
    then UTF-8, GB18030, Big5. A declared GB2312/GBK is read as GB18030 (its superset), and a
    declaration the bytes do not decode with is ignored.
    """
    ct = (content_type or "").lower()
    if looks_binary(body) or (ct and not ct.startswith(TEXT_TYPES)):
        return None
    declared = http_charset(ct)
    enc, declarations = sniff(body, declared)
    return enc or (declarations[0] if declarations else "utf-8")


# --------------------------------------------------------------------------- reading

@dataclasses.dataclass
class Capture:
    url: str
    final_url: str
    status: int
    fetched_at: str
    sha256: str
    size: int
    content_type: str | None
    encoding: str | None
    warc_file: str
    offset: int
    run_id: str | None
    role: str
    title: str | None
    agency: str | None
    region_code: str | None
    portal: str | None
    referer: str | None
    revisit: bool
    record_id: str = ""
    archive_dir: str = dataclasses.field(default="", repr=False)
    original_file: str | None = dataclasses.field(default=None, repr=False)
    original_offset: int | None = dataclasses.field(default=None, repr=False)
    http_headers: dict = dataclasses.field(default_factory=dict, repr=False)

    def payload(self) -> bytes:
        """The HTTP payload; for a revisit, the payload of the original record."""
        if self.revisit:
            if self.original_file is None or self.original_offset is None:
                raise ValueError(f"revisit {self.url} ({self.warc_file}@{self.offset}) does not "
                                 f"say where its original is")
            return read_payload(pathlib.Path(self.archive_dir), self.original_file,
                                self.original_offset)
        return read_payload(pathlib.Path(self.archive_dir), self.warc_file, self.offset)

    def text(self) -> str:
        return self.payload().decode(self.encoding or "utf-8", errors="replace")


def read_payload(archive_dir: pathlib.Path, warc_file: str, offset: int) -> bytes:
    """The verified payload of the record at `warc_file`@`offset`; raises DamagedRecord (a
    ValueError) when the record is cut off or damaged, ValueError when it is no response."""
    record = read_record(pathlib.Path(archive_dir) / warc_file, offset, warc_file)
    if record.rec_type not in ("response", "resource"):
        raise ValueError(f"{warc_file}@{offset} is a {record.rec_type} record, not a response")
    return record.ogi_payload


def warc_files(archive_dir: pathlib.Path | str) -> list[pathlib.Path]:
    d = pathlib.Path(archive_dir) / "warc"
    if not d.is_dir():
        return []
    # run ids start with a UTC timestamp, so name order is write order
    return sorted(p for p in d.iterdir() if p.name.endswith((".warc.gz", ".warc")))


def _capture_from(archive_dir: pathlib.Path, rel: str, offset: int, record: Any) -> Capture:
    h = record.rec_headers
    get = h.get_header
    http = record.http_headers
    status = int(http.get_statuscode()) if http and http.get_statuscode() else 0
    headers = {k.lower(): v for k, v in (http.headers if http else [])}
    ct = get(H + "Content-Type") or headers.get("content-type")
    sha = get(H + "Sha256")
    if not sha and record.rec_type == "response":
        sha = hashlib.sha256(record.ogi_payload).hexdigest()
    size = get(H + "Size")
    if size is None and record.rec_type == "response":
        size = len(record.ogi_payload)
    oo = get(H + "Original-Offset")
    return Capture(
        url=get(H + "Requested-Url") or get("WARC-Target-URI"),
        final_url=get(H + "Final-Url") or get("WARC-Target-URI"),
        status=status,
        fetched_at=get("WARC-Date"),
        sha256=sha or "",
        size=int(size or 0),
        content_type=ct,
        encoding=get(H + "Encoding") or None,
        warc_file=rel,
        offset=offset,
        run_id=get(H + "Run-Id"),
        role=get(H + "Role") or "other",
        title=get(H + "Title"),
        agency=get(H + "Agency"),
        region_code=get(H + "Region-Code"),
        portal=get(H + "Portal"),
        referer=get(H + "Referer"),
        revisit=record.rec_type == "revisit",
        record_id=get("WARC-Record-ID") or "",
        archive_dir=str(archive_dir),
        original_file=get(H + "Original-File"),
        original_offset=int(oo) if oo is not None else None,
        http_headers=headers,
    )


def iter_captures(archive_dir: pathlib.Path | str,
                  damage: list | None = None) -> Iterator[Capture]:
    """Every intact capture (response or revisit record) of the archive, in WARC order.

    Cut-off and damaged records are skipped (never a capture) and appended to `damage` as
    crawler.warc_records.Damage (file, byte range, reason); reading goes on after them.
    """
    archive_dir = pathlib.Path(archive_dir)
    for path in warc_files(archive_dir):
        rel = str(path.relative_to(archive_dir))
        for offset, record in iter_records(path, rel, damage):
            if record.rec_type in ("response", "revisit"):
                yield _capture_from(archive_dir, rel, offset, record)


def iter_runs(archive_dir: pathlib.Path | str) -> Iterator[dict]:
    """The run summaries (``runs/*.json``), oldest first."""
    d = pathlib.Path(archive_dir) / "runs"
    if not d.is_dir():
        return
    for p in sorted(d.glob("*.json")):
        try:
            yield json.loads(p.read_text("utf-8"))
        except (OSError, ValueError):
            continue


# --------------------------------------------------------------------------- index

@dataclasses.dataclass
class Known:
    """What the archive already holds for a URL or a payload."""
    url: str
    sha256: str
    record_id: str
    date: str
    warc_file: str  # of the record holding the payload
    offset: int
    etag: str | None = None
    last_modified: str | None = None
    role: str = "other"
    encoding: str | None = None


class ArchiveIndex:
    """In-memory index of an archive: latest capture per URL, original record per payload."""

    def __init__(self) -> None:
        self.by_url: dict[str, Known] = {}
        self.by_sha: dict[str, Known] = {}

    @classmethod
    def load(cls, archive_dir: pathlib.Path | str) -> "ArchiveIndex":
        idx = cls()
        # A revisit may come before its original in file order (the spiders of one run write
        # files of their own, read back in name order): such revisits wait for the end, and
        # then apply unless the URL has a later capture.
        pending: list[Capture] = []
        for cap in iter_captures(archive_dir):
            if cap.revisit and cap.sha256 not in idx.by_sha:
                pending.append(cap)
                continue
            idx.add_capture(cap)
        for cap in pending:
            prev = idx.by_url.get(cap.url)
            if prev is None or (prev.date or "") <= (cap.fetched_at or ""):
                idx.add_capture(cap)
        return idx

    def add_capture(self, cap: Capture) -> None:
        if cap.revisit:
            orig = self.by_sha.get(cap.sha256)
            if orig is None:
                return
            known = dataclasses.replace(orig, url=cap.url)
        else:
            known = Known(cap.url, cap.sha256, cap.record_id, cap.fetched_at, cap.warc_file,
                          cap.offset, role=cap.role, encoding=cap.encoding)
            self.by_sha.setdefault(cap.sha256, known)
        if 200 <= cap.status < 300 or cap.status == 304 or cap.revisit:
            etag = cap.http_headers.get("etag")
            lm = cap.http_headers.get("last-modified")
            prev = self.by_url.get(cap.url)
            if cap.status == 304 and prev is not None:  # keep the validators of the 200
                etag = etag or prev.etag
                lm = lm or prev.last_modified
            known = dataclasses.replace(known, etag=etag, last_modified=lm, role=cap.role,
                                        encoding=cap.encoding)
            self.by_url[cap.url] = known
            if cap.final_url and cap.final_url != cap.url:
                self.by_url.setdefault(cap.final_url, known)

    def payload(self, archive_dir: pathlib.Path | str, url: str) -> bytes | None:
        """The payload last archived for *url* (None if never archived)."""
        k = self.by_url.get(url)
        if k is None:
            return None
        return read_payload(pathlib.Path(archive_dir), k.warc_file, k.offset)

    def conditional_headers(self, url: str) -> dict[str, str]:
        k = self.by_url.get(url)
        if k is None:
            return {}
        h = {}
        if k.etag:
            h["If-None-Match"] = k.etag
        if k.last_modified:
            h["If-Modified-Since"] = k.last_modified
        return h


# --------------------------------------------------------------------------- writing

@dataclasses.dataclass
class Fetch:
    """One HTTP exchange to archive, as the spider saw it."""
    url: str                      # requested URL
    final_url: str                # after redirects
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    method: str = "GET"
    request_headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    request_body: bytes = b""
    role: str = "other"
    title: str | None = None
    agency: str | None = None
    region_code: str | None = None
    portal: str | None = None
    referer: str | None = None
    fetched_at: str | None = None


_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
            204: "No Content", 206: "Partial Content", 304: "Not Modified"}


class ArchiveWriter:
    """Writes captures of one crawler into its own new WARC file; dedupes by payload sha256.

    ``write(fetch)`` returns ``(outcome, capture)`` with outcome one of ``new`` (URL never
    archived), ``changed`` (URL archived before with another payload), ``unchanged`` (revisit).
    """

    def __init__(self, archive_dir: pathlib.Path | str, run_id: str, label: str = "crawl",
                 index: ArchiveIndex | None = None, worker: str | None = None) -> None:
        self.archive_dir = pathlib.Path(archive_dir)
        self.run_id = run_id
        self.worker = worker
        self.label = safe_name(label, 60)
        self.index = index if index is not None else ArchiveIndex.load(self.archive_dir)
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self.rel: str | None = None

    # a new file on first write, so an empty run leaves no empty WARC behind
    def _open(self) -> None:
        d = self.archive_dir / "warc"
        d.mkdir(parents=True, exist_ok=True)
        n = 0
        while True:
            path = d / f"{self.run_id}-{self.label}-{n}.warc.gz"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                break
            except FileExistsError:
                n += 1
        self._fh = os.fdopen(fd, "wb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self.rel = str(path.relative_to(self.archive_dir))
        fields = {
            "software": "ogi-archive crawler (warcio 1.8)",
            "format": "WARC File Format 1.1",
            "ogi-run-id": self.run_id,
            "description": "raw captures of government information disclosure annual reports",
        }
        if self.worker:
            fields["ogi-worker"] = self.worker
        info = self._writer.create_warcinfo_record(path.name, fields)
        self._writer.write_record(info)
        self._flush()

    def _flush(self) -> None:
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._flush()
            self._fh.close()
            self._fh = None

    def _ogi_headers(self, f: Fetch, sha: str, size: int, encoding: str | None,
                     content_type: str | None) -> dict[str, str]:
        h = {
            H + "Sha256": sha, H + "Size": str(size), H + "Role": f.role,
            H + "Requested-Url": f.url, H + "Final-Url": f.final_url, H + "Run-Id": self.run_id,
        }
        for key, val in ((H + "Title", f.title), (H + "Agency", f.agency),
                         (H + "Region-Code", f.region_code), (H + "Portal", f.portal),
                         (H + "Referer", f.referer), (H + "Encoding", encoding),
                         (H + "Content-Type", content_type), (H + "Worker", self.worker)):
            if val:
                h[key] = re.sub(r"[\r\n]+", " ", str(val))
        return h

    def write(self, f: Fetch) -> tuple[str, Capture]:
        if f.role not in ROLES:
            raise ValueError(f"unknown role {f.role!r} for {f.url}")
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._fh is not None
        prev = self.index.by_url.get(f.url)
        headers = [(k, v) for k, v in f.headers if k.lower() not in _DROP_HEADERS]
        content_type = next((v for k, v in f.headers if k.lower() == "content-type"), None)
        date = f.fetched_at or utcnow_iso()

        if f.status == 304:
            if prev is None:
                raise ValueError(f"{f.url}: 304 Not Modified for a URL the archive never held")
            original = prev
            sha = original.sha256
            profile = "server-not-modified"
        else:
            sha = hashlib.sha256(f.body).hexdigest()
            original = self.index.by_sha.get(sha)
            profile = "identical-payload-digest"
        if original is not None:
            size = self._size_of(original, f)
        else:
            size = len(f.body)
            headers.append(("Content-Length", str(size)))
        encoding = None if f.status == 304 else detect_encoding(f.body, content_type)
        if f.status == 304 and prev is not None:
            encoding = self._encoding_of(prev)
        ogi = self._ogi_headers(f, sha, size, encoding, content_type)
        reason = _REASONS.get(f.status, "Status")
        http = StatusAndHeaders(f"{f.status} {reason}", headers, protocol="HTTP/1.1")

        # request record
        parsed = re.match(r"^[a-z]+://[^/]+(/[^#]*)?", f.final_url)
        path = (parsed.group(1) if parsed and parsed.group(1) else "/")
        req_http = StatusAndHeaders(f"{f.method} {path} HTTP/1.1", list(f.request_headers),
                                    is_http_request=True)
        req = self._writer.create_warc_record(
            f.final_url, "request", payload=io.BytesIO(f.request_body),
            length=len(f.request_body), http_headers=req_http,
            warc_headers_dict={"WARC-Date": date})

        if original is None:
            rec = self._writer.create_warc_record(
                f.final_url, "response", payload=io.BytesIO(f.body), length=len(f.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date,
                                   "WARC-Payload-Digest": sha256_digest_label(sha), **ogi})
        else:
            rec = self._writer.create_revisit_record(
                f.final_url, sha256_digest_label(sha), original.url, original.date,
                http_headers=http, warc_headers_dict={"WARC-Date": date, **ogi})
            if profile == "server-not-modified":
                rec.rec_headers.replace_header(
                    "WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified")
            rec.rec_headers.add_header("WARC-Refers-To", original.record_id)
            rec.rec_headers.add_header(H + "Original-File", original.warc_file)
            rec.rec_headers.add_header(H + "Original-Offset", str(original.offset))
        req.rec_headers.add_header("WARC-Concurrent-To", rec.rec_headers.get_header("WARC-Record-ID"))

        self._writer.write_record(req)
        offset = self._fh.tell()
        self._writer.write_record(rec)
        self._flush()

        cap = Capture(
            url=f.url, final_url=f.final_url, status=f.status, fetched_at=date, sha256=sha,
            size=size, content_type=content_type, encoding=encoding, warc_file=self.rel or "",
            offset=offset, run_id=self.run_id, role=f.role, title=f.title, agency=f.agency,
            region_code=f.region_code, portal=f.portal, referer=f.referer,
            revisit=original is not None,
            record_id=rec.rec_headers.get_header("WARC-Record-ID"),
            archive_dir=str(self.archive_dir),
            original_file=original.warc_file if original else None,
            original_offset=original.offset if original else None,
            http_headers={k.lower(): v for k, v in headers},
        )
        self.index.add_capture(cap)
        if prev is None:
            outcome = "new"
        elif original is not None and prev.sha256 == sha:
            outcome = "unchanged"
        else:
            outcome = "changed"
        return outcome, cap

    def _size_of(self, original: Known, f: Fetch) -> int:
        if f.status != 304:
            return len(f.body)
        try:
            return len(read_payload(self.archive_dir, original.warc_file, original.offset))
        except (OSError, ValueError):
            return 0

    def _encoding_of(self, known: Known) -> str | None:
        try:
            body = read_payload(self.archive_dir, known.warc_file, known.offset)
        except (OSError, ValueError):
            return None
        return detect_encoding(body, None)


# --------------------------------------------------------------------------- lock & runs

class ArchiveLock:
    """An exclusive lock on an archive directory (released by the OS if the crawler dies)."""

    def __init__(self, archive_dir: pathlib.Path | str) -> None:
        self.path = pathlib.Path(archive_dir) / "lock"
        self._fh = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            self._fh = None
            return False
        return True

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


COUNT_KEYS = ("pages", "reports_found", "new", "changed", "unchanged", "failed", "blocked")


def write_run_summary(archive_dir: pathlib.Path | str, summary: dict) -> pathlib.Path:
    """Write ``runs/<run_id>.json`` (atomically: temp file + rename)."""
    d = pathlib.Path(archive_dir) / "runs"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{summary['run_id']}.json"
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk: no half-written file left behind
        raise
    return path


def read_run_summary(archive_dir: pathlib.Path | str, run_id: str) -> dict | None:
    path = pathlib.Path(archive_dir) / "runs" / f"{run_id}.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
