"""Site model of the portal simulator: a set of documents, list endpoints and switchable faults.

A site answers requests with :class:`~crawler.demo.server.Resp`. Faults are attached to paths
as :class:`Fault` entries; a transient fault fires ``times`` times then the path answers
normally, a permanent one (``times=None``) always fires.
"""
from __future__ import annotations

import dataclasses
import hashlib
import mimetypes
import pathlib
import threading
from typing import Callable

from .server import Req, Resp

FAULTS = (
    "500", "503", "timeout", "reset", "truncate", "429",            # transient: retried, succeed
    "redirect-loop", "challenge", "html-for-pdf", "oversize", "robots", "private-link",  # permanent
    "redirect-private", "challenge-521",
    "gb2312",                                                       # a mis-declared encoding
)

CHALLENGE_PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81</title>
<script>var _0x1a=["cookie","__jsl_clearance="];function challenge(){document.cookie=_0x1a[1]+
(Date.now()/1000|0)+"|0|abc";setTimeout(function(){location.reload()},1200)}challenge();</script>
</head><body><noscript>Please enable JavaScript to continue.</noscript></body></html>"""

PRIVATE_HOST = "10.255.0.1"


@dataclasses.dataclass
class Fault:
    kind: str
    times: int | None = 1          # None = permanent
    retry_after: int = 1
    stall: float = 3.0

    def fire(self) -> bool:
        if self.times is None:
            return True
        if self.times > 0:
            self.times -= 1
            return True
        return False


@dataclasses.dataclass
class Doc:
    body: bytes
    content_type: str
    etag: str = ""
    last_modified: str = "Mon, 20 Jan 2025 01:30:00 GMT"

    def __post_init__(self) -> None:
        if not self.etag:
            self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class Site:
    """Base class: a dict of documents by path plus hooks for dynamic endpoints."""

    name = "site"

    def __init__(self, faults=(), documents_dir=None, stall: float = 3.0,
                 validators: str = "etag+lm", hold: float = 0.0) -> None:
        if validators not in VALIDATORS:
            raise ValueError(f"validators must be one of {', '.join(VALIDATORS)}")
        # what documents carry for conditional requests: ETag and Last-Modified, only
        # Last-Modified (many static servers), or nothing (dynamic pages: digests decide)
        self.validators = validators
        self.faults_on = set(expand_faults(faults))
        self.documents_dir = pathlib.Path(documents_dir) if documents_dir else None
        self.stall = stall
        self.docs: dict[str, Doc] = {}
        self.fault_points: dict[str, list[Fault]] = {}
        self.log: list[tuple] = []
        self.lock = threading.Lock()
        # politeness as the portal sees it: when each request was being answered (``hold``
        # seconds added to every answer make overlaps measurable), and the user agents
        self.hold = hold
        self.spans: list[tuple[float, float]] = []
        self.user_agents: set[str] = set()
        self.robots = "User-agent: *\nDisallow: /search/\n"
        # what a crawler should end up with: {path: role} of report documents, and the paths
        # that must show up in the run summary's failures
        self.expected_reports: dict[str, str] = {}
        self.expected_failures: dict[str, str] = {}

    # -- building
    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
            encoding: str = "utf-8") -> None:
        if isinstance(body, str):
            body = body.encode(encoding)
        self.docs[path] = Doc(body, content_type)

    def add_fault(self, path: str, kind: str, times: int | None = 1, **kw) -> None:
        self.fault_points.setdefault(path, []).append(Fault(kind, times, stall=self.stall, **kw))

    def change(self, path: str, new_body: bytes | str | None = None) -> None:
        """Edit a document in place (a portal correcting a report)."""
        doc = self.docs[path]
        if new_body is None:
            marker = "<p>（更正：本报告于发布后修订。）</p>".encode(
                "gb18030" if b"charset=gb" in doc.body[:400].lower() else "utf-8")
            body = doc.body.replace(b"</body>", marker + b"</body>") if b"</body>" in doc.body \
                else doc.body + b"\n"
        else:
            body = new_body.encode() if isinstance(new_body, str) else new_body
        self.docs[path] = Doc(body, doc.content_type,
                              last_modified="Tue, 01 Apr 2025 02:00:00 GMT")

    def served_bytes(self, path: str) -> bytes:
        """The bytes the site serves at *path* (a query allowed), faults aside."""
        if path in self.docs:
            return self.docs[path].body
        import urllib.parse
        parts = urllib.parse.urlsplit(path)
        req = Req("GET", parts.path, dict(urllib.parse.parse_qsl(parts.query)), b"", {}, path)
        resp = self.handle(req, faults=False)
        if resp.status != 200:
            raise KeyError(path)
        return resp.body

    def max_concurrent(self, slack: float = 0.01) -> int:
        """The most requests answered at once (see :func:`max_concurrent`)."""
        return max_concurrent(self.spans, slack)

    # -- answering
    def handle(self, req: Req, faults: bool = True) -> Resp:
        fault = None
        if faults:
            with self.lock:
                for f in self.fault_points.get(req.path, []):
                    if f.fire():
                        fault = f
                        break
        if fault is not None:
            return self.fault_response(req, fault)
        if req.path == "/robots.txt":
            return Resp(200, self.robots.encode(), [("Content-Type", "text/plain")])
        dyn = self.dynamic(req)
        if dyn is not None:
            return dyn
        path = req.path
        doc = self.docs.get(path)
        if doc is None and path.endswith("/"):
            doc = self.docs.get(path + "index.html")
        if doc is None:
            return Resp(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                        [("Content-Type", "text/html")])
        validators = []
        if "etag" in self.validators:
            validators.append(("ETag", doc.etag))
        if "lm" in self.validators:
            validators.append(("Last-Modified", doc.last_modified))
        headers = [("Content-Type", doc.content_type)] + validators
        inm = req.headers.get("if-none-match")
        ims = req.headers.get("if-modified-since")
        if "etag" in self.validators and inm:
            if inm == doc.etag:
                return Resp(304, b"", validators)
        elif "lm" in self.validators and ims and not_modified_since(doc.last_modified, ims):
            return Resp(304, b"", validators)
        return Resp(200, doc.body, headers)

    def dynamic(self, req: Req) -> Resp | None:
        return None

    def fault_response(self, req: Req, f: Fault) -> Resp:
        html = [("Content-Type", "text/html; charset=utf-8")]
        k = f.kind
        if k == "500":
            return Resp(500, b"<html><body>500 Internal Server Error</body></html>", html)
        if k == "503":
            return Resp(503, b"<html><body>503 Service Unavailable</body></html>",
                        html + [("Retry-After", str(f.retry_after))])
        if k == "429":
            return Resp(429, b"<html><body>429 Too Many Requests</body></html>",
                        html + [("Retry-After", str(f.retry_after))])
        if k == "timeout":
            r = self.handle_plain(req)
            r.action, r.stall = "stall", f.stall
            return r
        if k == "reset":
            return Resp(200, b"", [], action="reset")
        if k == "truncate":
            r = self.handle_plain(req)
            r.action = "truncate"
            return r
        if k == "redirect-loop":
            other = req.path[:-1] + ("b" if req.path.endswith("a") else "a")
            return Resp(302, b"", [("Location", other), ("Content-Length", "0")])
        if k == "redirect-private":
            return Resp(302, b"", [("Location", f"http://{PRIVATE_HOST}/xxgk/zfxxgknb/report.html"),
                                   ("Content-Length", "0")])
        if k == "challenge":
            return Resp(200, CHALLENGE_PAGE, html)
        if k == "challenge-521":  # 加速乐-style: the challenge page with status 521
            return Resp(521, CHALLENGE_PAGE, html)
        if k == "html-for-pdf":
            return Resp(200, "<html><head><meta charset='utf-8'><title>提示</title></head><body>"
                             "<p>文件不存在或已被删除。</p></body></html>".encode(), html)
        raise ValueError(f"unknown fault {k}")

    def handle_plain(self, req: Req) -> Resp:
        return self.handle(req, faults=False)


VALIDATORS = ("etag+lm", "lm", "none")


def max_concurrent(spans, slack: float = 0.01) -> int:
    """The most requests answered at once, from (start, end) spans of one or several sites on
    one host. An answer counts as over *slack* seconds before its end: the client has the last
    byte a moment before the server thread notices."""
    events = sorted([(s, 1) for s, e in spans] + [(max(s, e - slack), -1) for s, e in spans],
                    key=lambda x: (x[0], x[1]))
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


def not_modified_since(last_modified: str, since: str) -> bool:
    import email.utils
    try:
        return email.utils.parsedate_to_datetime(last_modified) <= \
            email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def expand_faults(faults) -> list[str]:
    if isinstance(faults, str):
        faults = [f for f in faults.split(",") if f]
    out: list[str] = []
    for f in faults or ():
        if f == "all":
            out.extend(FAULTS)
        elif f in FAULTS:
            out.append(f)
        else:
            raise ValueError(f"unknown fault {f!r}; known: all, {', '.join(FAULTS)}")
    return out


class StaticSite(Site):
    """A directory tree served as is (the shipped demo)."""

    def __init__(self, root: pathlib.Path, name: str, faults=(), documents_dir=None,
                 report_paths: dict[str, str] | None = None, **kw) -> None:
        super().__init__(faults, documents_dir, **kw)
        self.name = name
        self.root = pathlib.Path(root)
        for p in sorted(self.root.rglob("*")):
            # names starting with "_" are not served (_SOURCES.md, _registry.yaml, _constructed/)
            if p.is_file() and not any(x.startswith("_") for x in p.relative_to(self.root).parts):
                rel = "/" + str(p.relative_to(self.root)).replace("\\", "/")
                ctype = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype.endswith("javascript"):
                    ctype += "; charset=utf-8"
                if rel == "/robots.txt":
                    self.robots = p.read_text("utf-8")
                    continue
                self.add(rel, p.read_bytes(), ctype)
        self.expected_reports = dict(report_paths or {})


SiteFactory = Callable[..., Site]
