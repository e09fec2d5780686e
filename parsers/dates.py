"""Dates as report pages print them -> ISO dates (YYYY-MM-DD).

2021-01-20, 2021/1/20, 2021.01.20, 2021年01月30日 15:52, 2021-01-19 14:36:15, and signatures in
Chinese numerals (二〇二一年一月二十日, 二○二一年元月八日). A date that is not a calendar date is None.
"""
from __future__ import annotations

import datetime as _dt
import re

DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_DATE = re.compile(r"([二一][〇○零ＯOo一二三四五六七八九]{3})\s*年\s*([元正一二三四五六七八九十]{1,3})\s*月"
                     r"\s*([一二三四五六七八九十]{1,3})\s*日")


def iso(y: int, m: int, d: int) -> str | None:
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _cn_number(s: str) -> int | None:
    """一 … 三十一 (and 元/正 for the first month)."""
    if s in ("元", "正"):
        return 1
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGIT.get(tens, 0) if tens else 1
        o = _CN_DIGIT.get(ones, 0) if ones else 0
        return t * 10 + o
    return _CN_DIGIT.get(s) if len(s) == 1 else None


def find_date(text: str) -> str | None:
    """The first date printed in `text` (Arabic or Chinese numerals), as YYYY-MM-DD."""
    m = DATE.search(text)
    if m:
        return iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = CN_DATE.search(text)
    if m:
        y = int("".join(str(_CN_DIGIT[c]) for c in m.group(1)))
        mo, d = _cn_number(m.group(2)), _cn_number(m.group(3))
        if mo and d:
            return iso(y, mo, d)
    return None


_DATE_ONLY = re.compile(r"^\s*(?:(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
                        r"|[二一][〇○零ＯOo一二三四五六七八九]{3}\s*年\s*[元正一二三四五六七八九十]{1,3}\s*月"
                        r"\s*[一二三四五六七八九十]{1,3}\s*日)\s*$")


def is_date_line(line: str) -> bool:
    """A line holding only a date (a signature's date line)."""
    return bool(_DATE_ONLY.match(line))
