"""Printed cell text -> value. Keeps the difference between 0, blank, "/", "—" and "无"."""
from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Printed markers that mean "nothing here" to a reader but are not a number: value stays null.
NA_MARKERS = frozenset({"/", "-", "—", "–", "−", "──", "——", "--", "---", "无", "無", "\\", "\u2015", "\u2015\u2015", "—-", "-—", "－", "/ /"})

_NUMBER = re.compile(
    # a change is signed by 增/减 (增加/减少), + or -; a doubled minus (--253) is how some
    # converters print a minus sign
    r"(?P<sign>增加|减少|減少|--|[增减減+\-−]?)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<unit>万元|萬元|元|件|项|項|个|個|宗|次)?"
)
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).replace("\u200b", ""))


_clean_short = functools.lru_cache(maxsize=65536)(_clean)  # cells and labels recur constantly
SHORT = 200  # longer texts (a document's head, a section) are cleaned once: never cached, so a
# build over a large archive does not keep thousands of page-long strings alive in the cache


def clean(text: str | None) -> str:
    """Fold full-width forms (NFKC) and drop every kind of whitespace (incl. U+3000, NBSP)."""
    if not text:
        return ""
    return _clean_short(text) if len(text) <= SHORT else _clean(text)


# A replacement mark left before a number by a broken conversion (`? 0` on mirror copies, where
# an invisible character was): not part of the number; the value is read with a `noise` flag.
_NOISE = re.compile(r"^[?？\ufffd]+(?=[\d.])")


def is_value_token(text: str | None) -> bool:
    """True when a cell holds a value (a number, a blank, or a not-applicable marker)."""
    t = _NOISE.sub("", clean(text))
    return t == "" or t in NA_MARKERS or _NUMBER.fullmatch(t) is not None


def parse_value(text: str | None) -> tuple[int | Decimal | None, list[str], str | None]:
    """Return (value, flags, printed unit). Never invents a 0: blank and markers give None."""
    t = clean(text)
    noise = _NOISE.match(t)
    if noise:
        t = t[noise.end():]
    if t == "":
        return None, ["blank"], None
    if t in NA_MARKERS:
        return None, ["na_marker"], None
    m = _NUMBER.fullmatch(t)
    if not m:
        return None, ["non_numeric"], None
    flags: list[str] = ["noise"] if noise else []
    num = m.group("num").replace(",", "")
    if "," in m.group("num"):
        flags.append("thousands_separator")
    try:
        value: int | Decimal = Decimal(num)
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        return None, ["non_numeric"], None
    if value == value.to_integral_value() and "." not in num:
        value = int(value)
    sign = m.group("sign")
    if sign in ("减", "減", "减少", "減少", "-", "−", "--"):
        value = -value
    if sign:
        flags.append("signed")
    if value == 0:
        flags.append("zero")
    if m.group("unit"):
        flags.append("unit_printed")
    if text and text.strip() != t:
        flags.append("normalised")
    return value, flags, m.group("unit")


def to_json_number(value: int | Decimal | None) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)
