"""How an archived document is shown to a browser: its kind sniffed from its bytes, the
headers every capture response carries, and an archived HTML page rewritten as an archive shows
it (a banner, links to the archived captures, nothing that runs).

No archived byte may ever run as the archive: a portal we crawl can be compromised, and many
are plain http. So the project, never the stored header, decides the Content-Type, from the
bytes: a document is a PDF only when its bytes are one, HTML is always served as our rewritten
view (scripts, event handlers, refreshes and plugins removed), XML and SVG as plain text, and
anything unknown as a download. Every response carries a CSP sandbox (an opaque origin, no
scripts, whatever the bytes turn out to be) and `nosniff`.
"""
from __future__ import annotations

import io
import re
import urllib.parse
import zipfile
from dataclasses import dataclass

from markupsafe import escape

from parsers.encoding import http_charset, sniff as sniff_encoding

# The sandbox of every capture response. Popups may leave it (a link to the live site opens
# in a new tab); an archived document's own requests may only reach this server's captures.
SANDBOX = ("sandbox allow-popups allow-popups-to-escape-sandbox "
           "allow-top-navigation-by-user-activation")
CSP = {
    # Chromium's PDF viewer still shows a PDF under a sandbox CSP (it refuses a sandboxed frame)
    "pdf": f"{SANDBOX}; default-src 'none'; base-uri 'none'; form-action 'none'",
    "html": (f"{SANDBOX}; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "font-src 'self' data:; base-uri 'none'; form-action 'none'"),
}
CSP_DEFAULT = (f"{SANDBOX}; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
               "base-uri 'none'; form-action 'none'")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",  # our rewritten view, always UTF-8
    "xml": "text/plain; charset=utf-8",  # XHTML, SVG, XML: their source, never rendered
    "png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ole": "application/msword",
    "zip": "application/zip",
    "binary": "application/octet-stream",
}
WORD_KINDS = ("docx", "ole")  # previewed as their LibreOffice PDF rendering
KIND_NAMES = {"pdf": "PDF", "html": "HTML page", "xml": "XML/SVG source", "text": "text",
              "css": "stylesheet", "png": "PNG image", "jpeg": "JPEG image", "gif": "GIF image",
              "webp": "WebP image", "tiff": "TIFF image", "docx": "Word document (DOCX)",
              "ole": "Word/WPS document (DOC/WPS)", "zip": "ZIP archive", "binary": "binary file"}

_TAG = re.compile(r"<\s*(!doctype\s+html|html|head|body|script|iframe|frameset|meta|title|table|div|"
                  r"p|a|img|style|link|br|font|span|center|h[1-6]|form|object|embed)[\s>/]", re.I)
_XMLISH = re.compile(r"<\s*(\?xml|svg|!doctype\s+svg|rss|feed)[\s>]", re.I)
_XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass
class Kind:
    kind: str                  # a key of KIND_NAMES
    encoding: str | None = None  # for text kinds: the encoding the bytes are in

    @property
    def content_type(self) -> str:
        if self.kind in ("text", "css"):
            enc = self.encoding or "utf-8"
            return f"text/{'css' if self.kind == 'css' else 'plain'}; charset={_charset_label(enc)}"
        return CONTENT_TYPES[self.kind]

    @property
    def csp(self) -> str:
        return CSP.get(self.kind, CSP_DEFAULT)

    @property
    def name(self) -> str:
        return KIND_NAMES[self.kind]


def _charset_label(enc: str) -> str:
    return {"gb18030": "GB18030", "big5hkscs": "Big5-HKSCS", "utf-8": "utf-8", "utf-16": "utf-16"}.get(enc, enc)


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # the central directory only
            return z.namelist()[:2000]
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return []


def sniff(data: bytes, stored_type: str | None = None) -> Kind:
    """The kind of an archived document, from its bytes. The stored Content-Type only chooses
    between harmless readings (a stylesheet or plain text; the charset of a text) and never
    makes bytes HTML, PDF or an image."""
    head = data[:1024]
    if data.startswith(b"%PDF") or b"%PDF-" in head:  # as parsers.parse.detect_kind reads it
        return Kind("pdf")
    if data.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        return Kind("docx" if "word/document.xml" in names else "zip")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Kind("ole")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("png")
    if data.startswith(b"\xff\xd8\xff"):
        return Kind("jpeg")
    if data.startswith((b"GIF87a", b"GIF89a")):
        return Kind("gif")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return Kind("webp")
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return Kind("tiff")
    enc, _ = sniff_encoding(data[:1 << 20], http_charset(stored_type))
    if enc is None or (b"\x00" in head and enc != "utf-16"):
        return Kind("binary")
    text = data[:4096].decode(enc, errors="replace").lstrip("\ufeff \t\r\n")
    if _XMLISH.search(text[:1024]) and not re.search(r"<\s*(!doctype\s+html|html)[\s>]", text[:1024], re.I):
        return Kind("xml", enc)
    if _XHTML_NS in text[:2048] and text.lstrip().startswith("<?xml"):
        return Kind("xml", enc)  # XHTML served as XML would run its scripts: shown as source
    if _TAG.search(text[:1024]):
        return Kind("html", enc)
    essence = (stored_type or "").split(";")[0].strip().lower()
    return Kind("css" if essence == "text/css" else "text", enc)


def headers(kind: Kind, *, sha: str, url: str | None, disposition: str = "inline",
            filename: str | None = None) -> dict[str, str]:
    """The headers of every capture response."""
    name = filename or (url or sha).split("?")[0].rstrip("/").rsplit("/", 1)[-1] or sha
    return {
        "Content-Type": kind.content_type,
        "Content-Security-Policy": kind.csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Ogi-Sha256": sha,
        "X-Ogi-Source-Url": (url or "").encode("ascii", "backslashreplace").decode(),
        "Content-Disposition": f"{disposition}; filename*=UTF-8''" + urllib.parse.quote(name, safe=""),
    }


# --------------------------------------------------------------------------- archived HTML

# attributes that load or link something, by element
_LINKS = {"a": "href", "area": "href"}
_LOADS = {"img": "src", "link": "href", "input": "src", "video": "src", "audio": "src",
          "source": "src", "track": "src"}
# never kept: they run code, embed active content or navigate by themselves
_DROP = {"script", "noscript", "object", "embed", "applet", "iframe", "frame", "frameset", "base",
         "portal", "template"}


@dataclass
class Target:
    """What a link of an archived page leads to: an archived capture or the live site."""
    sha256: str | None
    fetched_at: str | None = None


@dataclass
class Rewritten:
    html: str
    archived_links: int
    live_links: int
    dropped_resources: int
    dropped_active: int


def page_links(html_text: str, base_url: str) -> list[str]:
    """Every absolute http(s) URL an archived page links to or loads (to look them up)."""
    import lxml.html

    try:
        doc = _parse(html_text)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = _base(doc, base_url)
    out = []
    for el in doc.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        attr = _LINKS.get(tag) or _LOADS.get(tag)
        if attr and el.get(attr):
            u = _absolute(base, el.get(attr))
            if u:
                out.append(u)
    return out


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)


def _parse(html_text: str):
    import lxml.html

    text = _XML_DECL.sub("", html_text or "")  # lxml refuses str input with an encoding declaration
    return lxml.html.document_fromstring(text if text.strip() else "<p></p>")


def _base(doc, base_url: str) -> str:
    for b in doc.iter("base"):
        if b.get("href"):
            return urllib.parse.urljoin(base_url, b.get("href").strip())
    return base_url


def _absolute(base: str, ref: str) -> str | None:
    ref = (ref or "").strip()
    if not ref or ref.startswith("#"):
        return None
    try:
        u = urllib.parse.urljoin(base, ref)
    except ValueError:
        return None
    if urllib.parse.urlsplit(u).scheme not in ("http", "https"):
        return None
    return urllib.parse.urldefrag(u)[0]


def rewrite(html_text: str, base_url: str, targets: dict[str, Target], capture_path,
            banner_for) -> Rewritten:
    """The archived page as the archive shows it: `banner_for(counts)` first in its body (counts
    of archived and live links, resources left out, active content removed), links to pages
    the archive holds pointing at their captures (`capture_path(sha)`), other links to the live
    URL marked as such, resources the archive lacks left out, nothing that runs."""
    import lxml.html
    from lxml import etree

    doc = _parse(html_text)
    base = _base(doc, base_url)
    archived = live = dropped_res = dropped_active = 0
    for el in list(doc.iter()):
        if not isinstance(el.tag, str):  # comments and processing instructions
            continue
        tag = el.tag.lower()
        if tag in _DROP or (tag == "meta" and (el.get("http-equiv") or "").lower() in ("refresh", "set-cookie", "content-security-policy")):
            dropped_active += 1
            el.drop_tree()
            continue
        for name in list(el.attrib):
            low = name.lower()
            value = el.get(name) or ""
            if low.startswith("on") or low in ("formaction", "srcdoc", "ping", "srcset", "action",
                                               "background", "lowsrc", "dynsrc", "poster"):
                del el.attrib[name]
            elif low in ("href", "src", "data", "xlink:href") and value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                del el.attrib[name]
                dropped_active += 1
        if tag in _LINKS and el.get("href"):
            ref = el.get("href").strip()
            if ref.startswith("#"):
                continue
            u = _absolute(base, ref)
            if u is None:
                if not ref.lower().startswith(("mailto:", "tel:")):
                    del el.attrib["href"]
                continue
            t = targets.get(u)
            el.attrib.pop("target", None)
            if t and t.sha256:
                archived += 1
                el.set("href", capture_path(t.sha256) + _fragment(ref))
                el.set("data-ogi-archived", u)
                el.set("title", f"存档副本 archived copy of {u}" + (f" ({t.fetched_at})" if t.fetched_at else ""))
            else:
                live += 1
                el.set("href", u)
                el.set("target", "_blank")
                el.set("rel", "noopener noreferrer")
                el.set("class", ((el.get("class") or "") + " ogi-live").strip())
                el.set("title", f"未存档：链接到现网 not archived: the live site {u}")
        elif tag in _LOADS and el.get(_LOADS[tag]):
            attr = _LOADS[tag]
            rel = (el.get("rel") or "").lower()
            if tag == "link" and "stylesheet" not in rel and "icon" not in rel:
                el.drop_tree()  # preload, prefetch, manifest, alternate …: nothing to show
                continue
            u = _absolute(base, el.get(attr))
            t = targets.get(u) if u else None
            if t and t.sha256:
                el.set(attr, capture_path(t.sha256))
            else:
                dropped_res += 1
                if tag == "img":
                    el.attrib.pop(attr, None)
                    el.set("data-ogi-missing", u or "")
                    el.set("alt", (el.get("alt") or "") + " [图片未存档 image not archived]")
                else:
                    el.drop_tree()
        elif tag in ("form",):
            el.attrib.pop("action", None)
    body = doc.find("body")
    if body is None:
        body = etree.SubElement(doc, "body")
    head = doc.find("head")
    if head is None:
        head = etree.Element("head")
        doc.insert(0, head)
    for m in list(head.iter("meta")):
        if m.get("charset") is not None or (m.get("http-equiv") or "").lower() == "content-type":
            m.drop_tree()
    head.insert(0, lxml.html.fragment_fromstring('<meta charset="utf-8">'))
    head.append(lxml.html.fragment_fromstring(f"<style>{READING_CSS}</style>"))
    counts = {"archived": archived, "live": live, "missing": dropped_res, "active": dropped_active}
    for i, part in enumerate(lxml.html.fragments_fromstring(banner_for(counts))):
        body.insert(i, part)
    out = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return Rewritten(out, archived, live, dropped_res, dropped_active)


def _fragment(ref: str) -> str:
    frag = urllib.parse.urldefrag(ref)[1]
    return "#" + urllib.parse.quote(frag, safe="=&%") if frag else ""


# A plain reading style under the page's own (which crawls rarely archive): tables ruled, text
# readable; marked links to the live site.
READING_CSS = """
table{border-collapse:collapse} td,th{border:1px solid #999;padding:2px 4px}
a.ogi-live::after{content:" \\2197 现网 live";font:11px sans-serif;color:#9c4221;background:#fffaf0;
border:1px solid #f6ad55;border-radius:3px;padding:0 3px;margin-left:3px}
img[data-ogi-missing]{outline:1px dashed #999}
"""


def banner(*, url: str, fetched_at: str | None, sha: str, kind: Kind, raw_path: str,
           report_links: list[tuple[str, str]], counts: dict | None = None,
           note: str | None = None) -> str:
    """The archive's banner over an archived document (inline styles: the page's own CSS may
    restyle anything else)."""
    box = ("all:initial;display:block;box-sizing:border-box;margin:0 0 12px 0;padding:8px 12px;"
           "background:#fffbea;border-bottom:3px solid #d69e2e;font:13px/1.5 sans-serif;color:#222;"
           "word-break:break-all")
    link = "color:#2b6cb0;text-decoration:underline;font:inherit"
    parts = [f'<div id="ogi-archive-banner" role="note" style="{box}">',
             '<strong style="font:bold 14px sans-serif">存档副本 · Archived copy</strong> — ',
             f'archived from <a style="{link}" href="{escape(url)}" rel="noopener noreferrer" '
             f'target="_blank" id="ogi-archived-from">{escape(url)}</a>',
             f' at <span id="ogi-archived-at">{escape(fetched_at or "unknown time")}</span>',
             f' · sha256 <code id="ogi-archived-sha256" style="font:12px monospace">{escape(sha)}</code>',
             f' · {escape(kind.name)} · <a style="{link}" href="{escape(raw_path)}">the exact archived bytes</a>']
    for label, href in report_links:
        parts.append(f' · <a style="{link}" href="{escape(href)}" target="_top">{escape(label)}</a>')
    if counts is not None:
        parts.append('<br><span id="ogi-archive-counts">'
                     f'{counts["archived"]} link(s) lead to archived captures, '
                     f'{counts["live"]} to the live site (marked ↗ 现网 live), '
                     f'{counts["missing"]} resource(s) (stylesheets, images) were not archived and are not loaded; '
                     f'scripts and other active content removed ({counts["active"]}).</span>')
    if note:
        parts.append(f'<br><span>{escape(note)}</span>')
    parts.append("</div>")
    return "".join(parts)
