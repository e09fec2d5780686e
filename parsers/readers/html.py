"""HTML reader: a portal's report page -> `Document` (plain text + tables as `Grid`s).

* Bytes are decoded by `parsers.encoding` (declared or undeclared GBK/GB2312/GB18030/UTF-8;
  a declaration the bytes contradict loses to the bytes, with a warning).
* Every ``<table>`` becomes a grid of its own rows (``tr`` directly under it or under its
  ``thead``/``tbody``/``tfoot``), nested tables included as grids of their own; a cell's text
  leaves out the tables nested in it. ``rowspan``/``colspan`` are expanded: the covered
  positions get a copy of the text with ``copy=True``. Spans are clamped to the table (a
  ``rowspan="9999"`` does not allocate 9999 rows).
* Cell text: the cell's lines (``<br>``, ``<p>``, ``<div>``) joined CJK-aware; ``&nbsp;`` and
  full-width spaces are spaces; a cell holding only them is blank (``""``).
* Text: block elements on lines of their own, table rows as tab-separated lines (so the section
  and title detection see the same text as in a text export); ``script``/``style`` dropped.
  Page furniture (``nav``/``aside``/``footer`` elements and elements whose class or id names a
  menu, breadcrumb, side bar, related-links list, footer …, see `parsers.furniture`) is left out
  of the text unless it holds the report itself.
* `Document.meta`: the page's ``<meta name=…>`` tags (ArticleTitle, PubDate, ContentSource …, by
  lower-case name), its ``<title>``, its headings (h1–h4 and title-classed elements outside the
  furniture; a heading that is only a link's text, as in a list of other reports, is left out) and
  the text lines that are only a link's text: `parsers.meta` reads the title, agency and dates
  from them, never from the furniture.
"""
from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from ..document import Cell, Document, Grid, UnreadableDocument
from ..encoding import decode, http_charset
from ..furniture import FURNITURE_TAGS, is_furniture_name
from .cells import join_lines

MAX_SPAN = 1000  # colspan beyond this is a typo, not a table

_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
    "tfoot", "th", "thead", "title", "tr", "ul",
}
_DROP = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select"}
_TITLE_HINT = re.compile(r"(政府信息公开|政务公开|政府資訊公開|政府信息公開).*(年度报告|年报|年度報告|年報|工作报告|工作報告)")
_LINK_OPEN, _LINK_CLOSE = "\x01", "\x02"  # around a link's text in the walk (never in the output)
_LINK_REST = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}[-/]\d{1,2}"
                        r"|[\s|·•>›»/\\、,，;；:：\-–—_()（）\[\]【】]+")
# Words of the report itself: an element holding them is never furniture.
_REPORT_TEXT = re.compile(r"主动公开政府信息|收到和处理政府信息公开申请|总体情况|信息内容|本年新收|现将.{0,40}报告如下")


def _tag(el) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _walk(el, out: list[str], table_lines, skip=frozenset(), links: bool = False) -> None:
    """Append the text of `el` to `out` as pieces; "\n" marks a block boundary. A table is
    replaced by the lines `table_lines(table)` gives (none inside a cell: nested tables are
    grids of their own). Elements in `skip` (page furniture) are left out; with `links`, a
    link's text is wrapped in _LINK_OPEN/_LINK_CLOSE."""
    tag = _tag(el)
    if tag in _DROP or not isinstance(el.tag, str) or el in skip:
        if el.tail:
            out.append(el.tail)
        return
    if links and tag == "a":
        out.append(_LINK_OPEN)
        if el.text:
            out.append(el.text)
        for child in el:
            _walk(child, out, table_lines, skip)
        out.append(_LINK_CLOSE)
        if el.tail:
            out.append(el.tail)
        return
    if tag == "table":
        out.append("\n")
        out.extend(line + "\n" for line in table_lines(el))
        if el.tail:
            out.append(el.tail)
        return
    block = tag in _BLOCK
    if block:
        out.append("\n")
    if el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out, table_lines, skip, links)
    if block:
        out.append("\n")
    if el.tail:
        out.append(el.tail)


def _no_lines(table) -> list[str]:
    return []


def cell_text(td) -> str:
    pieces: list[str] = []
    if td.text:
        pieces.append(td.text)
    for child in td:
        _walk(child, pieces, _no_lines)
    return join_lines("".join(pieces).split("\n"))


def _own_rows(table) -> list:
    rows = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _tag(c) == "tr")
    return rows


def _span(value, limit: int) -> int:
    try:
        n = int(str(value).strip().rstrip(";"))
    except (TypeError, ValueError):
        return 1
    return max(1, min(n, limit))


def table_grid(table, index: int, budget: list[int]) -> tuple[Grid, list[str]]:
    """One <table> -> a Grid with merged cells expanded, and its rows as tab-separated lines."""
    rows = _own_rows(table)
    taken: dict[tuple[int, int], Cell] = {}
    widths = [0] * len(rows)
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs = _span(td.get("rowspan"), len(rows) - r) if td.get("rowspan") else 1
            cs = _span(td.get("colspan"), MAX_SPAN) if td.get("colspan") else 1
            budget[0] -= rs * cs
            if budget[0] < 0:
                raise UnreadableDocument("tables have more cells than the limit (max_cells)")
            text = cell_text(td)
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = Cell(text, copy=bool(dr or dc))
                widths[r + dr] = max(widths[r + dr], c + cs)
            c += cs
    grid_rows = [[taken.get((r, c)) or Cell("") for c in range(widths[r])] for r in range(len(rows))]
    lines = ["\t".join(cell.text for cell in row) for row in grid_rows]
    return Grid(grid_rows, index=index), lines


def _page_text(body, grid_lines: dict, skip=frozenset()) -> tuple[str, frozenset]:
    """The body's text in reading order, each table's rows as tab-separated lines; and the lines
    that are only a link's text."""
    out: list[str] = []

    def table_lines(table) -> list[str]:
        lines = list(grid_lines.get(table, []))
        for nested in table.iter("table"):  # nested tables: their rows after the outer one's
            if nested is not table and nested in grid_lines:
                lines.extend(grid_lines[nested])
        return lines

    _walk(body, out, table_lines, skip, links=True)
    lines = []
    link_lines = set()
    for line in "".join(out).split("\n"):
        if "\t" in line:
            lines.append(line.strip("\r").replace(_LINK_OPEN, "").replace(_LINK_CLOSE, ""))
            continue
        line = re.sub(r"[ \t\u00a0\u3000\r]+", " ", line).strip()
        if _LINK_OPEN in line:
            outside = re.sub(f"{_LINK_OPEN}[^{_LINK_CLOSE}]*{_LINK_CLOSE}", "", line)
            line = line.replace(_LINK_OPEN, "").replace(_LINK_CLOSE, "").strip()
            if line and not _LINK_REST.sub("", outside):  # links, separators and dates only
                link_lines.add(line)
        if line:
            lines.append(line)
    return "\n".join(lines), frozenset(link_lines)


def _furniture(root) -> set:
    """The elements of page furniture (by tag or class/id name) that do not hold the report."""
    found = set()
    for el in root.xpath("//nav|//aside|//footer|//*[@class]|//*[@id]"):
        tag = _tag(el)
        if not tag or tag in ("html", "body"):
            continue
        if tag in FURNITURE_TAGS or is_furniture_name(f"{el.get('class') or ''} {el.get('id') or ''}"):
            if any(a in found for a in el.iterancestors()):
                continue
            if not _REPORT_TEXT.search(el.text_content() or ""):
                found.add(el)
    return found


_TITLE_CLASS = re.compile(r"title|tit\b|^tit|bt$|^bt|biaoti|headline|heading", re.I)


def _page_meta(root, skip: set) -> dict:
    """<meta name=…> tags, the <title>, and the headings outside the furniture."""
    tags: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if name and content and name not in tags:
            tags[name] = content
    page_title = next((re.sub(r"\s+", " ", t.text_content() or "").strip() for t in root.iter("title")), "")
    headings: list[str] = []
    for el in root.xpath("//h1|//h2|//h3|//h4|//div[@class or @id]|//p[@class or @id]|//span[@class or @id]"
                         "|//td[@class or @id]|//strong[@class or @id]"):
        tag = _tag(el)
        if not tag or not (tag in ("h1", "h2", "h3", "h4") or (
                tag in ("div", "p", "span", "td", "strong") and _TITLE_CLASS.search(
                    f"{el.get('class') or ''} {el.get('id') or ''}"))):
            continue
        if el in skip or any(a in skip for a in el.iterancestors()):
            continue
        text = re.sub(r"\s+", " ", cell_text(el)).strip()
        if not text or len(text) > 120:
            continue
        link_text = "".join(a.text_content() or "" for a in el.iter("a")).strip()
        if tag != "h1" and link_text and len(re.sub(r"\s+", "", link_text)) >= len(re.sub(r"\s+", "", text)) - 2:
            continue  # a list of links (other reports), not this page's heading
        headings.append(text)
    return {"tags": tags, "page_title": page_title, "headings": headings}


TOO_DEEP = "HTML nested more than 255 levels deep (too deeply nested to read)"


def _too_deep(parser) -> bool:
    """libxml2 stops at 256 levels of nesting and drops what lies deeper."""
    return any("Excessive depth" in e.message for e in parser.error_log)


def read(data: bytes, *, name: str, limits=None, content_type: str | None = None) -> Document:
    max_cells = getattr(limits, "max_cells", None) or 200_000
    text, encoding, warnings = decode(data, http_charset(content_type))
    if not text.strip():
        raise UnreadableDocument("empty document: no text")
    parser = lxml_html.HTMLParser()
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        if _too_deep(parser):
            raise UnreadableDocument(TOO_DEEP) from exc
        raise UnreadableDocument(f"HTML cannot be parsed: {exc}") from exc
    if _too_deep(parser):
        warnings.append(TOO_DEEP + ": the content below that depth was not read")
    skip = _furniture(root)
    budget = [max_cells]
    grids: list[Grid] = []
    grid_lines: dict = {}
    for table in root.iter("table"):
        if any(_tag(a) in _DROP or a in skip for a in table.iterancestors()):
            continue
        grid, lines = table_grid(table, len(grids), budget)
        if grid.rows:
            grids.append(grid)
            grid_lines[table] = lines
    body = root.find("body")
    page, link_lines = _page_text(body if body is not None else root, grid_lines, skip)
    meta = _page_meta(root, skip)
    meta["link_lines"] = link_lines
    named = " ".join([meta["page_title"], meta["tags"].get("articletitle", ""), *meta["headings"]])
    images = _image_only_report(root, page, grids, named)
    if images:
        warnings.append(f"the report's body is {len(images)} image(s) and no text tables (图片版): needs OCR")
    if not page.strip():
        raise UnreadableDocument(TOO_DEEP if _too_deep(parser) else "an HTML page without text")
    return Document(kind="html", text=page, grids=grids, warnings=warnings, scanned=bool(images),
                    meta=meta, image_srcs=images)


_TABLE_WORDS = ("信息内容", "本年新收", "予以公开", "本年制发", "结果维持", "本年新制作")


def _image_only_report(root, page: str, grids: list[Grid], named: str = "") -> list[str]:
    """The body images' addresses (src, in page order) when the page names a report but carries
    neither its tables nor its sections as text (a 图片版 page); [] otherwise."""
    from ..meta import sections

    if grids and any(w in "".join(c.text for g in grids for r in g.rows for c in r) for w in _TABLE_WORDS):
        return []
    if not (_TITLE_HINT.search(page) or _TITLE_HINT.search(named)) or any(w in page for w in _TABLE_WORDS) \
            or len(sections(page)) >= 2:
        return []
    body = root.find("body")
    images = [i for i in (body if body is not None else root).iter("img")
              if not re.search(r"logo|icon|banner|qr|erweima|share|btn", (i.get("src") or "") + (i.get("class") or ""), re.I)]
    return [(i.get("src") or "").strip() for i in images]
