"""Report-level metadata: document kind, title, agency, the year reported on, publication date,
sections.

Real pages carry furniture around the report (navigation, breadcrumbs, banners, related-link lists
naming OTHER reports, footers, mirror-site advertising; see `furniture`). Nothing here is taken
from it:

* title: the page's CMS title tag (ArticleTitle), its headings, the first lines of its text (never
  a furniture line, never the text of a link), its <title>; a title broken over two lines is
  joined, a complete title is never glued to the line above it;
* agency: as the title prints it; else the agency line printed with the title, the page's
  发布机构, the opening (现将XX2023年度政府信息公开工作报告如下), the signature at the end, the
  contact sentence or the page's source line when the prose's 我局 / 本镇 agrees; else null;
* year (the year REPORTED ON): the title; the statistics period; the opening; the years the prose
  of section 一 names with 我局 / 收到 …; the table notes (指2019年事项数); else null. A
  publication date never gives the year;
* published: the page's PubDate tag, a dated line by the title (发布日期 / 发布时间 / 时间 …), the
  signature date.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from . import dates
from .furniture import is_furniture_line, is_spam
from .labels import normalize
from .numbers import clean

_REPORT_WORDS = re.compile(r"政府信息公开.{0,6}(年度报告|年报)|信息公开(工作)?(年度报告|年报)|政务公开.{0,4}年度报告")
_NOT_REPORT = re.compile(r"工作要点|要点落实|通知|更正说明|预算|决算|统计年报|指南|格式模板|格式[（(]试行[）)]|格式的通知")
_YEAR = re.compile(r"(20[0-4]\d|19\d\d)\s*年度?")
_TITLE_SUFFIX = re.compile(
    r"(关于)?\s*(20[0-4]\d|19\d\d)?\s*年?度?\s*(的)?\s*(政府)?(信息公开|政务公开)(工作)?(情况)?(的)?"
    r"(年度报告|年报|报告)\s*([（(][^）)]*[）)])?\s*$")

SECTION_KEYS = {
    "s1": ("总体情况", "工作基本情况", "概述", "基本情况"),
    "s2": ("主动公开政府信息情况", "主动公开政府信息", "主动公开情况"),
    "s3": ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请", "依申请公开"),
    "s4": ("行政复议", "行政诉讼"),
    "s5": ("存在的主要问题", "主要问题及改进", "存在问题"),
    "s6": ("其他需要报告", "其他事项"),
}
_HEADING = re.compile(r"^\s*[一二三四五六七][、.．]\s*(.{2,40})$")

# A report title, matched on clean() text (full-width folded, no spaces): nothing before 信息公开
# that a sentence or a banner holds (punctuation, 《》).
_TITLE = re.compile(r"^[^《》<>,.;:!?|，。；：！？]{0,40}(信息公开|政务公开)[^《》<>,;!?，。；！？]{0,12}"
                    r"(年度报告|年报|情况的报告|报告)(\([^()]{1,8}\))?$")
_TITLE_LABEL = re.compile(r"^\s*(?:标题|题目|文章标题|主题|名称)\s*[:：]\s*")
_TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+|——|\s*[>›»＞]\s*")
# The first heading of the report body: the title zone ends there.
_BODY_START = re.compile(r"^\s*(?:[一二][、.．,，]\s*(?:总体情况|概述|基本情况|工作基本情况|主动公开政府信息情况)"
                         r"|第二十条\s*第)")
_TABLES_START = re.compile(r"^\s*(?:二\s*[、.．,，]?\s*主动公开政府信息情况|第二十条\s*第)")

TITLE_ZONE = 80      # lines: the title is printed before the body, within the page's first lines
PROSE_ZONE = 250     # lines of prose before table 二 (the opening and section 一)
HEAD_CHARS = 40_000  # characters of the text that the title, year and agency are looked for in
TAIL_LINES = 30      # lines at the end where a signature (agency + date) is looked for


@dataclass
class Meta:
    """What a document says about itself; `sources` names where each value was read."""
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    sources: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def _lines(text: str) -> list[str]:
    return [s for s in (l.strip() for l in text.splitlines()) if s]


def _title_ok(cand: str) -> bool:
    c = clean(cand)
    return (len(c) <= 80 and bool(_TITLE.match(c)) and bool(_YEAR.search(c) or "报告" in c)
            and not is_spam(c))


def _title_forms(cand: str) -> list[str]:
    """The candidate as printed, and its segments when a site name or breadcrumb is glued to it
    (XX报告_XX县人民政府, 首页 > 年报 > XX报告, XX报告 - 某某体育)."""
    cand = re.sub(r"\s+", " ", _TITLE_LABEL.sub("", cand)).strip()
    parts = [p.strip() for p in _TITLE_SPLIT.split(cand) if p and p.strip()]
    return [cand] + (parts if len(parts) > 1 else [])


def _first_title(cand: str | None) -> str | None:
    if not cand:
        return None
    for form in _title_forms(cand):
        if _title_ok(form):
            return form
    return None


def _title_zone(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines[:TITLE_ZONE * 2]):
        if _BODY_START.match(line):
            return lines[:min(i, TITLE_ZONE)]
    return lines[:TITLE_ZONE]


def _line_candidates(lines: list[str], link_lines) -> list[tuple[str, int]]:
    """(title, line index) of every title the title zone prints. A title broken over two lines
    is joined; a complete title is never glued to the line above it, except an agency line
    (淮安市洪泽区人民政府 / 2023年政府信息公开工作年度报告 as PDF title pages print it)."""
    out: list[tuple[str, int]] = []
    usable = [not (l in link_lines or is_furniture_line(l)) for l in lines]
    for i, line in enumerate(lines):
        if not usable[i]:
            continue
        own = _first_title(line)
        prev = lines[i - 1] if i and usable[i - 1] else ""
        if own:
            if prev and agency_from_title(own) is None and plausible_agency(prev, strict=True) \
                    and len(clean(prev)) <= 30:
                out.append((prev + own, i))
            out.append((own, i))
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) and usable[i + 1] else ""
        # the next line continues this one: it is no title by itself, or one without a year
        # whose year ends this line (XX局 2020 / 年政府信息公开工作年度报告)
        if nxt and (not _first_title(nxt) or (_year_of(nxt) is None and _year_of(line + nxt))) \
                and not re.search(r"[。；;!！?？]$", line):
            joined = _first_title(line + nxt)
            if joined:
                out.append((joined, i))
    return out


def describe_title(lines: list[str], page: dict) -> tuple[str | None, str | None, int | None]:
    """(title, where it was read, its line index in `lines` or None)."""
    tags = page.get("tags") or {}
    cands: list[tuple[str, str, int | None]] = []
    for name in ("articletitle", "dc.title", "og:title", "title"):
        t = _first_title(tags.get(name))
        if t:
            cands.append((t, f"<meta name={name}>", None))
    for h in page.get("headings") or ():
        t = _first_title(h)
        if t:
            cands.append((t, "heading", None))
    for t, i in _line_candidates(_title_zone(lines), page.get("link_lines") or ()):
        cands.append((t, "text", i))
    t = _first_title(page.get("page_title"))
    if t:
        cands.append((t, "<title>", None))
    if not cands:
        return None, None, None
    first = cands[0]
    if agency_from_title(first[0]) is None:
        y = _year_of(first[0])
        for cand in cands[1:]:
            near = cand[2] is None or first[2] is None or cand[2] - first[2] <= 6
            if near and _year_of(cand[0]) == y and agency_from_title(cand[0]):
                return cand
    return first


def _year_of(title: str | None) -> int | None:
    m = _YEAR.search(clean(title or ""))
    return int(m.group(1)) if m else None


def format_from_text(text: str) -> str | None:
    """The format version named by table labels in running text (for documents without grids)."""
    t = clean(text)
    from . import formats

    for version in formats.VERSIONS:
        sig = formats.get(version).t2_signature
        if sum(1 for w in sig if w in t) >= 2:
            return version
    return None


# An agency's name: CJK only (with parentheses), none of the words page furniture or a report's
# own title holds, and (when read from anything but the title) ending like an agency.
_AGENCY_JUNK = re.compile(r"首页|位置|欢迎|您好|登录|注册|网站|门户|栏目|专栏|信息公开|年报|报告|无障碍|图片|打印|"
                          r"字号|访问|浏览|点击|发布|来源|日期|时间|作者|索引|文号|分类|附件|下载|关于|根据|如下")
_AGENCY_SUFFIX = re.compile(r"(?:人民政府|政府|办公室|办公厅|委员会|管委会|委|办|局|厅|署|院|所|中心|站|队|会|部|处|镇|乡"
                            r"|街道|街|办事处|社区|公司|集团|室|馆|区|县|市|旗|州|盟|场|校|学|社)(?:[(（][^)）]{1,12}[)）])?$")
_GENERIC = {"政府", "人民政府", "本机关", "本单位", "我局", "本局", "我单位", "机关", "单位", "部门", "本级", "县", "市", "区"}


def plausible_agency(name: str | None, strict: bool = False) -> bool:
    n = clean(name or "")
    if not (2 <= len(n) <= 40) or n in _GENERIC:
        return False
    if re.search(r"[^\u4e00-\u9fff〇()·]", n) or _AGENCY_JUNK.search(n) or is_spam(n):
        return False
    return not strict or bool(_AGENCY_SUFFIX.search(n))


def agency_from_title(title: str | None) -> str | None:
    """The agency a title names (博爱县人民政府2024年政府信息公开工作年度报告 -> 博爱县人民政府);
    None when it names none or what precedes the report words is not an agency's name."""
    if not title:
        return None
    t = clean(title)
    t = re.sub(r"[（(](图片版|超链版|文字版|全文|修订版|更正版)[）)]", "", t)
    t = _TITLE_SUFFIX.sub("", t)
    t = _YEAR.sub("", t)
    t = re.sub(r"^(关于)", "", t).strip(" -—_·")
    return t if plausible_agency(t) else None


# ----------------------------------------------------------------------------- the year

_STAT_PERIOD = re.compile(r"统计(?:期限|时限|时间|区间|周期|范围)[^。；;]{0,8}?((?:19|20)\d\d)\s*年?\s*1\s*月\s*1\s*日"
                          r"|((?:19|20)\d\d)\s*年?\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-|~)\s*(?:19|20)\d\d\s*年\s*12\s*月\s*31\s*日")
_QUOTED = re.compile(r"《[^》]{0,120}》|<[^>]{0,120}>")
_OPENING_YEAR = re.compile(r"((?:19|20)\d\d)\s*年度?[^。；;，,]{0,24}?(?:政府信息公开|政务公开)(?:工作)?(?:情况)?的?(?:年度)?(?:报告|年报)")
_SELF = r"(?:我|本)(?:单位|机关|局|委|办|镇|乡|街道|街|区|县|市|院|厅|部|中心|所|站|会|公司|署|处)"
_PROSE_YEAR = re.compile(r"((?:19|20)\d\d)\s*年度?\s*[,，]?\s*(?:" + _SELF +
                         r"|全年|共|累计|新收|收到|受理|未收到|主动公开|办理|依申请)")
_NOTE_YEAR = re.compile(r"指\s*((?:19|20)\d\d)\s*年\s*(?:增加|办件|处理|新)|((?:19|20)\d\d)\s*年\s*本行政区域")
_NOTE_YEAR_NEXT = re.compile(r"指\s*((?:19|20)\d\d)\s*年\s*事项数")


def _plausible_year(y: int) -> bool:
    return 2000 <= y <= _dt.date.today().year


def _one_year(years: list[int], what: str, warnings: list[str]) -> int | None:
    found = sorted({y for y in years if _plausible_year(y)})
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        warnings.append(f"the {what} names several years ({', '.join(map(str, found))}): year not taken from it")
    return None


def _year(title: str | None, lines: list[str], warnings: list[str]) -> tuple[int | None, str | None]:
    y = _year_of(title)
    if y and _plausible_year(y):
        return y, "title"
    start = next((i for i, l in enumerate(lines[:PROSE_ZONE]) if _TABLES_START.match(l)), None)
    prose = clean("\n".join(lines[:start if start is not None else PROSE_ZONE]))
    for m in _STAT_PERIOD.finditer(prose):
        y = int(m.group(1) or m.group(2))
        if _plausible_year(y):
            return y, "statistics period"
    unquoted = _QUOTED.sub("", prose)
    y = _one_year([int(m.group(1)) for m in _OPENING_YEAR.finditer(unquoted)], "opening", warnings)
    if y:
        return y, "opening"
    y = _one_year([int(m.group(1)) for m in _PROSE_YEAR.finditer(unquoted)], "prose of section 一", warnings)
    if y:
        return y, "prose"
    tables = clean("\n".join(lines[start:start + 300])) if start is not None else ""
    notes = [int(m.group(1) or m.group(2)) for m in _NOTE_YEAR.finditer(tables)]
    notes += [int(m.group(1)) + 1 for m in _NOTE_YEAR_NEXT.finditer(tables)]
    y = _one_year(notes, "table notes", warnings)
    return (y, "table notes") if y else (None, None)


# ----------------------------------------------------------------------------- the agency

_ISSUER = re.compile(r"(?:发布机构|发文机关|发文单位|发布单位|公开主体|信息公开主体|发布主体)\s*[:：]\s*([^\s:：]{2,40})")
_SOURCE = re.compile(r"(?:信息来源|来源|来自|发布者|作者|供稿单位)\s*[:：]\s*([^\s:：]{2,40})")
_OPENING_AGENCY = re.compile(r"现将\s*([^，,。；;:：\d]{2,40}?)\s*(?:19|20)\d\d\s*年度?[^。]{0,20}?报告如下")
_CONTACT = re.compile(r"请与\s*([^（(，,。；;:：\d]{2,40}?)\s*(?:联系|[（(]\s*地址|[（(]\s*联系)")
_SELF_SUFFIX = re.compile(r"(?:我|本)(局|委|办|镇|乡|街道|街|院|厅|部|中心|所|站|会|公司|署|处)(?!长|内|级|年|地|部门)")


def _self_suffixes(prose: str) -> set[str]:
    return {m.group(1) for m in _SELF_SUFFIX.finditer(prose)}


def _agrees(name: str, selves: set[str]) -> bool:
    n = clean(name)
    return any(n.endswith(s) for s in selves)


def _signature(tail: list[str]) -> tuple[str | None, str | None]:
    """(agency, date) of the signature at the end: an agency line and a date line."""
    lines = [l for l in tail if not is_furniture_line(l)]
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if dates.is_date_line(line):
            prev = lines[i - 1] if i else ""
            agency = clean(prev) if plausible_agency(prev, strict=True) and len(clean(prev)) <= 30 else None
            return agency, dates.find_date(line)
        m = re.match(r"^(\S{2,30})\s+(.+)$", line)
        if m and dates.is_date_line(m.group(2)) and plausible_agency(m.group(1), strict=True):
            return clean(m.group(1)), dates.find_date(m.group(2))
    return None, None


def _agency(title_agency, title_line, zone, prose, tail, tags) -> tuple[str | None, str | None]:
    if title_agency:
        return title_agency, "title"
    if title_line is not None:
        for j in (title_line - 1, title_line + 1):
            if 0 <= j < len(zone) and plausible_agency(zone[j], strict=True) and not is_furniture_line(zone[j]):
                return clean(zone[j]), "line by the title"
    header = "\n".join(zone)
    for cand in [tags.get(k) for k in ("publisher", "发布机构", "dc.publisher")] + \
            [m.group(1) for m in _ISSUER.finditer(header)]:
        if cand and plausible_agency(cand, strict=True):
            return clean(cand), "发布机构"
    unquoted = _QUOTED.sub("", prose)
    m = _OPENING_AGENCY.search(unquoted)
    if m and plausible_agency(m.group(1), strict=True):
        return clean(m.group(1)), "opening"
    signed, _ = _signature(tail)
    if signed:
        return signed, "signature"
    selves = _self_suffixes(unquoted)
    if selves:
        for m in _CONTACT.finditer(unquoted):
            if plausible_agency(m.group(1), strict=True) and _agrees(m.group(1), selves):
                return clean(m.group(1)), "contact sentence"
        for cand in [tags.get("contentsource")] + [m.group(1) for m in _SOURCE.finditer(header)]:
            if cand and plausible_agency(cand, strict=True) and _agrees(cand, selves):
                return clean(cand), "source line"
    return None, None


# ----------------------------------------------------------------------------- publication date

_DATE_TAGS = ("pubdate", "publishdate", "publish_date", "publishtime", "firstpublishedtime", "maketime",
              "article:published_time", "dc.date", "dc.date.issued", "dcterms.issued", "dcterms.created")
_DATE_LABEL = re.compile(r"(?<![统计办理受截止至])(发布日期|发布时间|发文日期|成文日期|公开日期|印发日期|生成日期|发布于"
                         r"|发表时间|更新日期|更新时间|日期|时间)\s*[:：]?\s*")


def _header_date(zone: list[str]) -> str | None:
    best: tuple[int, str] | None = None
    for line in zone:
        for m in _DATE_LABEL.finditer(line):
            d = dates.find_date(line[m.end():m.end() + 24])
            if not d or not dates.DATE.match(line[m.end():m.end() + 24].strip()):
                continue
            rank = 2 if m.group(1).startswith("更新") else (1 if m.group(1) in ("日期", "时间") else 0)
            if best is None or rank < best[0]:
                best = (rank, d)
    return best[1] if best else None


# ----------------------------------------------------------------------------- all of it

def describe(text: str, page: dict | None = None) -> Meta:
    """Title, agency, year reported on and publication date of a document (see the module doc).
    `page`: what the reader found outside the text (HTML: `tags` of <meta name=…>, `page_title`,
    `headings`, `link_lines`)."""
    page = page or {}
    tags = page.get("tags") or {}
    meta = Meta()
    links = page.get("link_lines") or ()
    # a link's text (a list of OTHER reports) is no part of this report's prose
    lines = [l for l in _lines(text[:HEAD_CHARS]) if l not in links]
    zone = _title_zone(lines)
    title, title_src, title_line = describe_title(lines, page)
    meta.title = title
    if title:
        meta.sources["title"] = title_src
    meta.year, src = _year(title, lines, meta.warnings)
    if src:
        meta.sources["year"] = src
    else:
        meta.warnings.append("the year reported on is not printed (no title naming it, no statistics period): year null")
    start = next((i for i, l in enumerate(lines[:PROSE_ZONE]) if _TABLES_START.match(l)), None)
    prose = clean("\n".join(lines[:start if start is not None else PROSE_ZONE]))
    tail = _lines(text[-4000:])[-TAIL_LINES:]
    title_agency = agency_from_title(title)
    if title and title_agency is None and re.sub(r"^(关于)", "", _YEAR.sub("", _TITLE_SUFFIX.sub("", clean(title)))):
        meta.warnings.append(f"the title's words before the report name are not an agency's name: agency not taken from it ({title})")
    meta.agency, src = _agency(title_agency, title_line if title_src == "text" else None, zone, prose, tail, tags)
    if src:
        meta.sources["agency"] = src
    else:
        meta.warnings.append("the agency is not printed (no title, signature or 发布机构 naming it): agency null")
    meta.published, src = _published(tags, zone, tail)
    if src:
        meta.sources["published"] = src
    if meta.published and meta.year and meta.published < f"{meta.year + 1}-01-01":
        meta.warnings.append(f"published {meta.published} (from the {src}) is before the end of the year reported on ({meta.year})")
    return meta


def _published(tags: dict, zone: list[str], tail: list[str]) -> tuple[str | None, str | None]:
    for name in _DATE_TAGS:
        d = dates.find_date(tags.get(name) or "")
        if d:
            return d, f"<meta name={name}>"
    d = _header_date(zone)
    if d:
        return d, "date line"
    _, d = _signature(tail)
    if d:
        return d, "signature"
    return None, None


# ----------------------------------------------------------------------------- what it is

def is_report_title(title: str | None) -> bool:
    return bool(title and _REPORT_WORDS.search(clean(title)) and not _NOT_REPORT.search(clean(title)))


# The national format's table headings (numbered 二/三/四, or 一/二/三 where the narrative comes
# first; 行政机关主动公开政府信息情况 and the older 因政府信息公开工作被申请行政复议、提起行政诉讼情况 too).
# The pre-2019 reports' 因政府信息公开申请行政复议、提起行政诉讼的情况 is not one of them.
_NATIONAL_HEADING = re.compile(
    r"^\s*[一二三四]\s*[、.．,，]?\s*(?:(?:行政机关)?(主动公开政府信息情况)|(收到和处理政府信息公开申请情况)"
    r"|(政府信息公开行政复议\s*[、,，]?\s*行政诉讼情况|因政府信息公开工作被申请行政复议\s*[、,，]?\s*提起行政诉讼的?情况))",
    re.M)


def national_tables(text: str) -> bool:
    """The text carries the national tables: the headings of table 三 or 四 with another of the
    three (二、主动公开政府信息情况 / 三、收到和处理政府信息公开申请情况 / 四、政府信息公开行政复议、
    行政诉讼情况), or any of them with the grid of table 二 (本年制发件数 …, or the 2019 format's
    本年新制作数量 …)."""
    found = set()
    for m in _NATIONAL_HEADING.finditer(text):
        found.update(i for i in (1, 2, 3) if m.group(i))
    return (len(found) >= 2 and bool(found & {2, 3})) or (bool(found) and format_from_text(text) is not None)


_OPENING = re.compile(r"现将[^。]{0,60}?(?:政府信息公开|政务公开)[^。]{0,16}?报告如下"
                      r"|编制[^。]{0,30}?(?:19|20)\d\d\s*年度?[^。]{0,20}?政府信息公开(?:工作)?(?:年度)?报告"
                      r"|本(?:年度)?(?:报告|年报)中?所列(?:数据|统计数据)的?统计(?:期限|时限)")


def report_opening(text: str) -> bool:
    """The report's opening words (现将……年度政府信息公开工作报告如下 and the like)."""
    return bool(_OPENING.search(_QUOTED.sub("", clean(text[:8000]))))


_NOT_REPORT_HEAD = re.compile(r"(?:通知|函|要点|更正说明|说明|指南|预算|决算|统计年报|解读|图解|格式(?:\(试行\))?)$")


def looks_not_report(title: str | None, text: str) -> bool:
    """The title (or, without one, a title-like first line) names something else: 工作要点, 通知,
    更正说明, 预算, 指南, the format itself …"""
    if title:
        t = clean(title)
        return bool(_NOT_REPORT.search(t)) and not _REPORT_WORDS.search(t)
    for line in [l for l in _lines(text[:3000]) if not is_furniture_line(l)][:5]:
        c = clean(line)
        if len(c) <= 80 and _NOT_REPORT_HEAD.search(c) and re.search(r"关于|印发|政府信息公开|政务公开|年度|工作", c):
            return True
    return False


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


_TEMPLATE = re.compile(r"模板|模版|样表|样式")


def is_template(text: str) -> bool:
    """The format's blank template (政府信息公开工作年度报告格式模板): named so in its first lines."""
    return bool(_TEMPLATE.search("\n".join(text.splitlines()[:5])))


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
