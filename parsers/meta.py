"""Report-level metadata from the document text: title, agency, year, sections, document kind."""
from __future__ import annotations

import re

from .labels import normalize
from .numbers import clean

_REPORT_WORDS = re.compile(r"政府信息公开.{0,6}(年度报告|年报)|信息公开(工作)?(年度报告|年报)|政务公开.{0,4}年度报告")
_NOT_REPORT = re.compile(r"工作要点|要点落实|通知|更正说明|预算|决算|统计年报|指南|格式模板|格式（试行）|格式的通知")
_YEAR = re.compile(r"(20[0-4]\d|19\d\d)\s*年度?")
_TITLE_SUFFIX = re.compile(
    r"(关于)?\s*(20[0-4]\d|19\d\d)?\s*年?度?\s*(的)?\s*(政府)?(信息公开|政务公开)(工作)?(情况)?(的)?"
    r"(年度报告|年报|报告)\s*([（(][^）)]*[）)])?\s*$")
_DATE = re.compile(r"(?:发布(?:日期|时间)|时间|日期)[:：\s]*((?:19|20)\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})")
_STAT_PERIOD = re.compile(r"统计期限.{0,6}?((?:19|20)\d\d)年1月1日")

SECTION_KEYS = {
    "s1": ("总体情况", "工作基本情况", "概述", "基本情况"),
    "s2": ("主动公开政府信息情况", "主动公开政府信息", "主动公开情况"),
    "s3": ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请", "依申请公开"),
    "s4": ("行政复议", "行政诉讼"),
    "s5": ("存在的主要问题", "主要问题及改进", "存在问题"),
    "s6": ("其他需要报告", "其他事项"),
}
_HEADING = re.compile(r"^\s*[一二三四五六七][、.．]\s*(.{2,40})$")


_TITLE = re.compile(r"^[^《》，。；:：]{0,40}(信息公开|政务公开)[^《》，。；]{0,12}(年度报告|年报|情况的报告|报告)"
                    r"([（(][^（）()]{1,8}[）)])?$")


def find_title(text: str) -> str | None:
    """The report title: a short line (or a line broken in two, as PDF extracts do)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]

    def ok(cand: str) -> bool:
        return len(cand) <= 80 and bool(_TITLE.match(clean(cand))) and bool(_YEAR.search(clean(cand)) or "报告" in cand)

    for i, line in enumerate(lines[:60]):
        body = re.sub(r"^(标题|题目)[:：]\s*", "", line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if ok(body):
            return re.sub(r"\s+", " ", body).strip()
        if _TITLE.match(clean(body)) and ok(nxt):
            continue  # a generic page or column title (政府信息公开年报) before the report's own title
        if nxt and ok(body + nxt):
            return re.sub(r"\s+", " ", body + nxt).strip()
    return None


def format_from_text(text: str) -> str | None:
    """The format version named by table labels in running text (for documents without grids)."""
    t = clean(text)
    from . import formats

    for version in formats.VERSIONS:
        sig = formats.get(version).t2_signature
        if sum(1 for w in sig if w in t) >= 2:
            return version
    return None


def agency_from_title(title: str | None) -> str | None:
    if not title:
        return None
    t = clean(title)
    t = re.sub(r"[（(](图片版|超链版|文字版|全文|修订版|更正版)[）)]", "", t)
    t = _TITLE_SUFFIX.sub("", t)
    t = _YEAR.sub("", t)
    t = re.sub(r"^(关于)", "", t).strip(" -—_·")
    return t or None


def year_from(title: str | None, text: str) -> int | None:
    if title:
        m = _YEAR.search(clean(title))
        if m:
            return int(m.group(1))
    m = _STAT_PERIOD.search(clean(text[:5000]))
    if m:
        return int(m.group(1))
    return None


def published_from(text: str) -> str | None:
    m = _DATE.search(text[:3000])
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def sections(text: str) -> dict[str, str]:
    """Split the prose into sections 一 … 六 by their headings' keywords, not their numerals."""
    lines = text.splitlines()
    starts: list[tuple[int, str]] = []
    next_key = 1
    for i, line in enumerate(lines):
        s = line.strip()
        m = _HEADING.match(s)
        if not m or "\t" in line or "|" in s:
            continue
        head = normalize(m.group(1))
        for k in range(next_key, 7):
            if any(normalize(w) in head for w in SECTION_KEYS[f"s{k}"]):
                starts.append((i, f"s{k}"))
                next_key = k + 1
                break
    out: dict[str, str] = {}
    for j, (i, key) in enumerate(starts):
        end = starts[j + 1][0] if j + 1 < len(starts) else len(lines)
        out[key] = "\n".join(l.rstrip() for l in lines[i:end]).strip()
    return out


def is_report_title(title: str | None) -> bool:
    return bool(title and _REPORT_WORDS.search(clean(title)) and not _NOT_REPORT.search(clean(title)))


_TEMPLATE = re.compile(r"模板|模版|样表|样式")


def is_template(text: str) -> bool:
    """The format's blank template (政府信息公开工作年度报告格式模板): named so in its first lines."""
    return bool(_TEMPLATE.search("\n".join(text.splitlines()[:5])))


def looks_not_report(title: str | None, text: str) -> bool:
    head = clean(title or "") or clean(text[:300])
    return bool(_NOT_REPORT.search(head)) and not _REPORT_WORDS.search(head)


_APPLICATIONS_STATED = re.compile(r"(?:共|累计|全年)?(?:收到|受理|新收)[^。；，,]{0,14}?申请[^。；，,\d]{0,6}?(\d+)\s*件")


def applications_stated(text: str) -> int | None:
    """共收到依申请公开件 12 件 → 12 (a prose figure to compare with table 三, as a warning)."""
    m = _APPLICATIONS_STATED.search(clean(text))
    return int(m.group(1)) if m else None


# A report that says it was compiled from the reports of the jurisdiction's units is an aggregate
# (never to be added to its constituents' reports). Only an explicit statement counts; otherwise
# the scope stays "unknown" (a guessed "self" would be worse than no answer).
_AGGREGATE = re.compile(
    r"汇总[^。；]{0,40}(各|所属|下属|全(?:省|市|县|区|旗))[^。；]{0,30}(单位|部门|县|区|乡|镇|街道|机关)"
    r"|(各|所属|下属)[^。；]{0,30}(单位|部门|县（市、区）|县区|乡镇|街道)[^。；]{0,30}(汇总|综合)[^。；]{0,6}(编制|形成|而成)")


def scope_from(text: str) -> str:
    """"aggregate" when the report says it compiles its units' reports, else "unknown"."""
    head = clean(text[:6000])
    return "aggregate" if _AGGREGATE.search(head) else "unknown"
