"""The neutral document model every reader produces and the mapper consumes.

A reader (HTML, PDF, DOCX, text) turns bytes into a `Document`: the plain text of the
document (for title, agency, year and section detection) and its tables as `Grid`s, with
merged cells expanded. Nothing here knows about the report format.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class UnreadableDocument(Exception):
    """The document cannot be read at all (the reason is the message, one line)."""


class ResourceExhausted(UnreadableDocument):
    """Not read because a resource limit was reached (a converter's time limit, memory, a
    pixel budget): the bytes may well be readable with more, so the build retries it
    (``ogi build --incremental``), unlike other unreadable documents."""

    retryable = True


@dataclass
class Cell:
    """One grid position.

    `copy` is True when the position is covered by a merged cell (rowspan/colspan,
    gridSpan/vMerge, a PDF cell spanning ruling lines) whose text was copied here from the
    cell's top-left origin. The mapper uses the flag to avoid counting one printed number
    twice while still seeing a spanning label in every row it covers.
    """

    text: str
    copy: bool = False
    page: int | None = None  # 1-based page (PDF), when known
    # OCR only (parsers.readers.ocr): the recognition confidence (0-100) of the cell's text, and
    # `unread` when a number was not read with enough confidence (text "", value left null).
    confidence: float | None = None
    unread: bool = False
    # OCR only: read, but doubtful (its agreeing readings barely confident): the parse keeps it
    # only where an arithmetic rule over it can be decided
    doubtful: str | None = None
    # OCR only, an unread or a doubtful cell: the digits its readings made out (9, 6, 0 for a 0
    # under a speck; 1 ×2 and 11 for a doubtful 1). Never a value by themselves: the parse keeps
    # one only where the arithmetic rules over the cell require exactly it (parsers.parse, flag
    # rule_chosen; rule_confirmed for a doubtful cell's reading)
    candidates: tuple[str, ...] = ()


@dataclass
class Grid:
    """A table as rows of cells, merged cells expanded."""

    rows: list[list[Cell]]
    index: int = 0  # position of the table in the document (0-based)
    page: int | None = None  # 1-based page of the first row, when known
    # False when the rows' columns need not line up (text renderings that drop the positions a
    # merged cell covers): a cell's column index then says nothing about its column in another row
    aligned: bool = True
    # True when the document's text stops inside this grid's last row (an excerpt cut mid-table):
    # that row may have lost cells at its end
    open_end: bool = False

    def texts(self) -> list[list[str]]:
        return [[c.text for c in r] for r in self.rows]


@dataclass
class Document:
    kind: str  # "html" | "pdf" | "docx" | "text"
    text: str  # the document's plain text, tables included, in reading order
    grids: list[Grid] = field(default_factory=list)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    # True when the document has no usable text layer (a scan or 图片版); never guessed.
    scanned: bool = False
    # What the reader found outside the text (HTML: ``tags`` of <meta name=…> by lower-case name,
    # ``page_title``, ``headings``, ``link_lines``: lines that are a link's text); see parsers.meta.
    meta: dict = field(default_factory=dict)
    # set when the tables and text were read by OCR: engine, pages, timings, cell counts, method
    ocr: dict | None = None
    # the addresses (src) of a 图片版 page's body images, in page order (HTML reader)
    image_srcs: list[str] = field(default_factory=list)
