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
  The page's own title (``<meta name="ArticleTitle">``, a heading, or ``<title>``) is put first
  when it names a report and the body does not start with it, so portal chrome (menus,
  breadcrumbs) before the article does not hide the title.
"""
from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from ..document import Cell, Document, Grid, UnreadableDocument
from ..encoding import decode
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


def _tag(el) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _walk(el, out: list[str], table_lines) -> None:
    """Append the text of `el` to `out` as pieces; "\n" marks a block boundary. A table is
    replaced by the lines `table_lines(table)` gives (none inside a cell: nested tables are
    grids of their own)."""
    tag = _tag(el)
    if tag in _DROP or not isinstance(el.tag, str):
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
        _walk(child, out, table_lines)
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


def _page_text(body, grid_lines: dict) -> str:
    """The body's text in reading order, each table's rows as tab-separated lines."""
    out: list[str] = []

    def table_lines(table) -> list[str]:
        lines = list(grid_lines.get(table, []))
        for nested in table.iter("table"):  # nested tables: their rows after the outer one's
            if nested is not table and nested in grid_lines:
                lines.extend(grid_lines[nested])
        return lines

    _walk(body, out, table_lines)
    lines = []
    for line in "".join(out).split("\n"):
        if "\t" in line:
            lines.append(line.strip("\r"))
        else:
            line = re.sub(r"[ \t\u00a0\u3000\r]+", " ", line).strip()
            if line:
                lines.append(line)
    return "\n".join(lines)


def _page_title(root) -> str | None:
    """The title the page gives the article, when it names a report."""
    cands: list[str] = []
    for m in root.iter("meta"):
        if (m.get("name") or "").lower() in ("articletitle", "title", "og:title") and m.get("content"):
            cands.append(m.get("content"))
    for tag in ("h1", "h2", "h3"):
        for h in root.iter(tag):
            cands.append(cell_text(h))
    for t in root.iter("title"):
        cands.extend(re.split(r"\s*[_|｜]\s*|\s+-\s+", t.text_content() or ""))
    for c in cands:
        c = re.sub(r"\s+", " ", c).strip()
        if c and len(c) <= 80 and _TITLE_HINT.search(c):
            return c
    return None


def read(data: bytes, *, name: str, limits=None) -> Document:
    max_cells = getattr(limits, "max_cells", None) or 200_000
    text, encoding, warnings = decode(data)
    if not text.strip():
        raise UnreadableDocument("empty document: no text")
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(f"HTML cannot be parsed: {exc}") from exc
    budget = [max_cells]
    grids: list[Grid] = []
    grid_lines: dict = {}
    for table in root.iter("table"):
        if any(_tag(a) in _DROP for a in table.iterancestors()):
            continue
        grid, lines = table_grid(table, len(grids), budget)
        if grid.rows:
            grids.append(grid)
            grid_lines[table] = lines
    body = root.find("body")
    page = _page_text(body if body is not None else root, grid_lines)
    title = _page_title(root)
    if title and title not in "\n".join(page.splitlines()[:3]):
        page = title + "\n" + page
    images = _image_only_report(root, page, grids)
    if images:
        warnings.append(f"the report's body is {len(images)} image(s) and no text tables (图片版): needs OCR")
    if not page.strip():
        raise UnreadableDocument("an HTML page without text")
    return Document(kind="html", text=page, grids=grids, warnings=warnings, scanned=bool(images),
                    image_srcs=images)


_TABLE_WORDS = ("信息内容", "本年新收", "予以公开", "本年制发", "结果维持", "本年新制作")


def _image_only_report(root, page: str, grids: list[Grid]) -> list[str]:
    """The body images' addresses (src, in page order) when the page names a report but carries
    neither its tables nor its sections as text (a 图片版 page); [] otherwise."""
    from ..meta import sections

    if grids and any(w in "".join(c.text for g in grids for r in g.rows for c in r) for w in _TABLE_WORDS):
        return []
    if not _TITLE_HINT.search(page) or any(w in page for w in _TABLE_WORDS) or len(sections(page)) >= 2:
        return []
    body = root.find("body")
    images = [i for i in (body if body is not None else root).iter("img")
              if not re.search(r"logo|icon|banner|qr|erweima|share|btn", (i.get("src") or "") + (i.get("class") or ""), re.I)]
    return [(i.get("src") or "").strip() for i in images]
