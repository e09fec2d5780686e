"""How complete is a report column? Its items against what the column says about itself.

Pure functions and a small ledger (no Scrapy requests), shared by every platform's spider:

``list_items(html, base_url)``  the items of a list page: the links of its largest group of
    titled links (the ``<ul>``/``<table>``/``<div>`` holding the list), so the head, the
    navigation and the page bar are not counted;
``stated_counts(text, items_on_page)``  what a page says about the whole list: a record count
    (``recordCount``, ``totalRecord``, "共 N 条" …, exact) or a page count (``createPageHTML``,
    ``countPage``, "共 N 页", the highest number of a page bar) times the page size, which only
    bounds the count: ``(pages - 1) × size + 1 … pages × size``;
:class:`ListLedger`  per column (a start URL or a column found by discovery), the distinct
    items found in static HTML, through a list API and through the browser, the counts the
    column stated, and the shortfall reported in the run summary.
"""
from __future__ import annotations

import re
import urllib.parse

import lxml.html

from .links import classify_title, norm

# exact record counts, as list scripts and page bars write them
RECORD_COUNT = re.compile(
    r"\b(?:data-)?(recordCount|totalRecord|totalRecords|totalCount|recordTotal|totalNum|"
    r"total_count|record_count|totalrecord)[\"']?\s*[:=]\s*[\"']?(\d+)", re.I)
CN_RECORDS = re.compile(r"共\s*(?:有\s*)?[\[【(（]?\s*(\d+)\s*[\]】)）]?\s*(?:条|篇|项|个)(?:记录|信息|数据)?")
CN_PAGES = re.compile(r"共\s*[\[【(（]?\s*(\d+)\s*[\]】)）]?\s*页")
TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,")
COUNT_PAGE = re.compile(r"\b(?:var\s+)?(?:countPage|pageCount|totalPage|totalPages|pageTotal)"
                        r"[\"']?\s*[:=]\s*['\"]?(\d+)", re.I)
PAGER_CLASS = re.compile(r"pag", re.I)
NEXT_LABELS = {"下一页", "下页", "后一页", "上一页", "上页", "前一页", "首页", "尾页", "末页",
               "next", "prev", ">", "<", ">>", "<<", "›", "‹", "»", "«"}
SOURCES = ("static", "api", "browser")


def _anchor_groups(root):
    """Titled links grouped by the element holding the list they stand in."""
    groups: dict[object, list[tuple[str, str]]] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = norm(a.get("title") or a.text_content())
        if title in NEXT_LABELS or title.isdigit() or classify_title(title) in ("nav", "column"):
            continue
        path = urllib.parse.urlsplit(href).path
        if path in ("", "/") or re.search(r"/index\.\w+$", path):
            continue  # the home page, a column's own index: navigation, not an item
        holder = a.getparent()
        for anc in a.iterancestors():
            if anc.tag in ("ul", "ol", "table", "dl", "tbody"):
                holder = anc
                break
        else:
            # no list element: the parent of the link's own row (div > div > a)
            p = a.getparent()
            holder = p.getparent() if p is not None and p.getparent() is not None else p
        groups.setdefault(holder, []).append((href, title))
    return groups


def list_items(html: str | bytes, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL, title) of each item of the page's main list, in page order."""
    if not html:
        return []
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    groups = _anchor_groups(root)
    if not groups:
        return []

    def titled(links):
        return sum(1 for _, t in links if len(t) >= 6)
    best = max(groups.values(), key=titled)
    if titled(best) == 0:
        return []
    out, seen = [], set()
    for href, title in best:
        if len(title) < 4:
            continue
        url = urllib.parse.urljoin(base_url, href).split("#")[0]
        if url not in seen:
            seen.add(url)
            out.append((url, title))
    return out


def page_bar_pages(html: str | bytes) -> int | None:
    """The highest page number shown in a page bar (an element whose class or id says pag…)."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    best = None
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        digit_links = [c for c in el if c.tag == "a" and norm(c.text_content()).isdigit()]
        if not PAGER_CLASS.search((el.get("class") or "") + " " + (el.get("id") or "")) \
                and len(digit_links) < 2:
            continue  # neither called a page bar nor numbered links side by side
        for sub in el.iter("a", "span", "li", "button"):
            t = norm(sub.text_content())
            if t.isdigit() and 0 < int(t) < 10000:
                best = max(best or 0, int(t))
    return best


def stated_counts(text: str, items_on_page: int, html: str | bytes | None = None
                  ) -> list[tuple[int, int, str]]:
    """(at least, at most, basis) for each count the page states about its whole list."""
    out: list[tuple[int, int, str]] = []
    for m in RECORD_COUNT.finditer(text):
        n = int(m.group(2))
        out.append((n, n, f"{m.group(1)} {n}"))
    for m in CN_RECORDS.finditer(text):
        n = int(m.group(1))
        out.append((n, n, f"共 {n} 条"))
    pages, basis = None, ""
    m = TRS_PAGER.search(text)
    if m:
        pages, basis = int(m.group(1)), "createPageHTML"
    elif (m := COUNT_PAGE.search(text)):
        pages, basis = int(m.group(1)), "countPage"
    elif (m := CN_PAGES.search(text)):
        pages, basis = int(m.group(1)), "共 N 页"
    elif html is not None and (bar := page_bar_pages(html)):
        pages, basis = bar, "page bar"
    if pages and items_on_page:
        size = items_on_page
        if pages == 1:
            out.append((size, size, f"{basis}: 1 page of {size}"))
        else:
            out.append(((pages - 1) * size + 1, pages * size,
                        f"{basis}: {pages} pages × {size} per page"))
    return out


class ColumnTally:
    """One column: its items by source, its stated counts, what was tried to complete it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.items: dict[str, dict[str, str]] = {s: {} for s in SOURCES}
        self.exact: list[tuple[int, str]] = []
        self.bounds: list[tuple[int, int, str]] = []
        self.first_page: tuple[str, str, list[str]] | None = None  # (url, text, script srcs)
        self.modules_tried = False
        self.module_texts: list[str] = []
        self.wants_modules = False     # a list API configured in the page, its endpoint not
        self.browser_state = ""        # "" | "queued" | "done" | "failed: …"
        self.browser_pages = 0
        self.browser_blocked: list[dict] = []
        self.browser_requests: list[str] = []  # what the rendered page was let fetch

    def add(self, source: str, items) -> None:
        bucket = self.items[source]
        for url, title in items:
            bucket.setdefault(url, title)

    def state(self, counts) -> None:
        for lo, hi, basis in counts:
            if lo == hi:
                self.exact.append((lo, basis))
            else:
                self.bounds.append((lo, hi, basis))

    def found_urls(self) -> set[str]:
        out: set[str] = set()
        for s in SOURCES:
            out |= set(self.items[s])
        return out

    def expected(self) -> tuple[int | None, int | None, str]:
        """(at least, at most, basis): an exact count wins; page counts only bound it. Where
        the column states different exact counts the largest is taken (a missing item is
        reported rather than hidden)."""
        if self.exact:
            n, basis = max(self.exact)
            return n, n, basis
        if self.bounds:
            lo, hi, basis = max(self.bounds)
            return lo, hi, basis
        return None, None, ""

    def shortfall(self) -> int | None:
        lo, _, _ = self.expected()
        if lo is None:
            return None
        return max(0, lo - len(self.found_urls()))

    def needs_more(self) -> bool:
        """Incomplete against its own count, or a column page that listed nothing at all."""
        short = self.shortfall()
        return bool(short) or (self.wants_modules and not self.modules_tried) or (
            short is None and not self.found_urls() and self.first_page is not None)

    def summary(self) -> dict:
        lo, hi, basis = self.expected()
        static = set(self.items["static"])
        api = set(self.items["api"]) - static
        browser = set(self.items["browser"]) - static - api
        found = len(static) + len(api) + len(browser)
        return {
            "column": self.url,
            "expected": lo,
            "expected_at_most": hi if hi != lo else None,
            "expected_basis": basis or None,
            "found": found,
            "found_static": len(static),
            "found_api": len(api),
            "found_browser": len(browser),
            "shortfall": self.shortfall(),
            "complete": None if lo is None else found >= lo,
            "browser": self.browser_state or None,
            "browser_pages": self.browser_pages,
            "browser_blocked": list(self.browser_blocked),
            "browser_requests": list(self.browser_requests),
        }


class ListLedger:
    """Every column of one spider, by column URL; list URLs map to the column they belong to."""

    def __init__(self) -> None:
        self.columns: dict[str, ColumnTally] = {}
        self.column_of: dict[str, str] = {}

    def column_for(self, url: str, referer: str | None, new_column: bool = False) -> str:
        """The column a list URL belongs to: its referer's, unless it starts one."""
        if url in self.column_of:
            return self.column_of[url]
        col = url if new_column or not referer else self.column_of.get(referer, referer)
        self.column_of[url] = col
        return col

    def tally(self, column: str) -> ColumnTally:
        t = self.columns.get(column)
        if t is None:
            t = self.columns[column] = ColumnTally(column)
        return t

    def summaries(self) -> list[dict]:
        """Columns that listed something or stated a count (navigation pages are left out)."""
        return [t.summary() for t in self.columns.values()
                if t.found_urls() or t.exact or t.bounds or t.first_page is not None]
