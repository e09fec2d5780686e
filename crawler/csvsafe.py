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
