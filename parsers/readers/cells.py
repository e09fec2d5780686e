"""Cell text shared by every reader: the lines of one printed cell joined the way they read.

No space is put where either side is CJK/full-width (``本年新收政府信息公开申请\\n数量`` ->
``本年新收政府信息公开申请数量``) or where a number was wrapped; spaces that justification puts
between CJK characters (``结 果``) are removed; ASCII words keep one space.
"""
from __future__ import annotations

import re
from typing import Iterable


# CJK ideographs, CJK symbols/punctuation, kana, Hangul, full-width forms, and the
# typographic quotes/dashes Chinese text uses: no space is needed next to these.
_WIDE = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2015\u2018\u2019\u201c\u201d\u2026"
    "\u00b7\u25cb\u3007"
)
WIDE_RE = re.compile(f"[{_WIDE}]")
_SPACE_BETWEEN_WIDE = re.compile(f"(?<=[{_WIDE}])[ \t\u00a0\u3000]+(?=[{_WIDE}])")
SPACES = re.compile("[ \t\u00a0\u3000]+")


def is_wide(ch: str) -> bool:
    return bool(WIDE_RE.match(ch))


def join_lines(lines: Iterable[str]) -> str:
    """Join the text lines of one cell.

    No space where either side is CJK/full-width or where a number was wrapped
    (digit|digit, or after a hyphen/slash); one space between ASCII words.
    """
    out = ""
    for line in lines:
        line = SPACES.sub(" ", line).strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        a, b = out[-1], line[0]
        if is_wide(a) or is_wide(b) or (a.isdigit() and b.isdigit()) or a in "-/":
            out += line
        else:
            out += " " + line
    return _SPACE_BETWEEN_WIDE.sub("", out)


def clean_cell_text(text: str | None) -> str:
    if not text:
        return ""
    return join_lines(text.splitlines())


