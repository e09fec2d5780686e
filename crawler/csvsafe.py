"""CSV cells that a spreadsheet cannot run: every CSV the project writes goes through here.

Excel, LibreOffice and Google Sheets evaluate a cell that begins with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a leading tab or carriage
return can hide such a start. A text cell beginning with one of those characters is written with
a leading apostrophe (``'=HYPERLINK(...)``), which spreadsheets show as text and which the
reader can strip. A plain number (``-3``, ``+1.5``, what the 2019 format's 本年增/减 column
prints) and a cell of dashes only (a printed blank: ``-``) are left alone: data, not formulas. Numbers from SQLite (int, float) are never
touched. The neutralised text is what the archive holds with one apostrophe in front: nothing
is dropped.
"""
from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_INERT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-+")


def _formula_like(value: str) -> bool:
    # also a text already starting with ' before a trigger, so that unquote gives it back whole
    rest = value.lstrip("'")
    return rest.startswith(TRIGGERS) and not _INERT.fullmatch(rest)


def cell(value):
    """The value as it may go into a CSV cell: text starting a formula gets a ``'`` prefix."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def row(values):
    return [cell(v) for v in values]


def mapping(values: dict) -> dict:
    return {k: cell(v) for k, v in values.items()}


def unquote(value):
    """What `cell` neutralised, as it was: the tools that read back a CSV they wrote
    (the registry) get the original text."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


class StreamNeutraliser:
    """`cell` applied to a CSV byte stream as it passes (Datasette's CSV pages and `_stream=on`
    downloads, written by Datasette's own csv.writer): each field that starts like a formula
    is held until it ends and written with a ``'`` in front; everything else passes at once.
    Fields may be quoted (``""`` inside) and span chunks; the text is UTF-8."""

    _DELIM = re.compile(r"[,\r\n]")
    _HOLD = frozenset("=+-@\t'")

    def __init__(self) -> None:
        import codecs

        self._dec = codecs.getincrementaldecoder("utf-8")("replace")
        self._start = True     # at the start of a field
        self._opened = False   # the field's opening quote was just read
        self._quoted = False   # inside a quoted field
        self._qq = False       # a quote inside a quoted field: its end, or the first of ""
        self._held: list[str] | None = None
        self._out: list[str] = []

    def _put(self, s: str) -> None:
        (self._held if self._held is not None else self._out).append(s)

    def _end_field(self) -> None:
        if self._held is not None:
            content = "".join(self._held)
            self._held = None
            self._out.append(("'" if _formula_like(content) else "") + content)

    def feed(self, data: bytes, final: bool = False) -> bytes:
        text = self._dec.decode(data, final)
        i, n = 0, len(text)
        while i < n:
            if self._start:
                ch = text[i]
                if ch == '"' and not self._opened and not self._quoted:
                    self._quoted = self._opened = True
                    self._out.append('"')
                    i += 1
                    continue
                self._start = False
                if ch in self._HOLD or (self._quoted and ch == "\r"):
                    self._held = []
            if self._qq:
                self._qq = False
                if text[i] == '"':
                    self._put('""')
                    i += 1
                    continue
                self._end_field()
                self._out.append('"')
                self._quoted = False
            if self._quoted:
                j = text.find('"', i)
                if j < 0:
                    self._put(text[i:])
                    break
                self._put(text[i:j])
                self._qq = True
                i = j + 1
                continue
            m = self._DELIM.search(text, i)
            if not m:
                self._put(text[i:])
                break
            j = m.start()
            self._put(text[i:j])
            self._end_field()
            self._out.append(text[j])
            self._start, self._opened = True, False
            i = j + 1
        if final:
            if self._qq:
                self._end_field()
                self._out.append('"')
                self._qq = self._quoted = False
            self._end_field()
        out, self._out = "".join(self._out), []
        return out.encode("utf-8")
