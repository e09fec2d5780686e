"""Report addresses found in public pages, and who published each: the registry's reach.

``report_addresses.csv`` (beside this module) lists real annual-report addresses found in
stored public web pages (``search_queries.csv`` keeps every query that found them, in order):
the address, the report's title as printed, the body that published it as printed, its level,
the year reported on, and when and by which query it was seen. ``match`` files each address
under a registry entry: the government of a GB/T 2260 division (its code), or one of its
bodies (a department, township or street office: ``<division>-d…``/``-t…``, the same keys as
discovery gives, crawler.registry.discovery.body_code).

How an address is matched to its division, in order of evidence:
  1. the division names the printed body starts with or contains (温州市人力资源和社会保障局 →
     温州市; 临夏回族自治州永靖县 → 永靖县, the deepest of a consistent chain), read left to
     right taking the longest name at each place;
  2. the address's host: the registry's portal domains (czj.lasa.gov.cn → lasa.gov.cn → 拉萨市),
     which also decides between divisions of the same name (朝阳区 of 北京 or 长春);
  3. a body that names no division (溪下乡人民政府) is filed under the host's division.
A body named as the government itself (永嘉县, 永嘉县人民政府) is the division's own entry; any
other body is a body entry under it, its level 乡 for 乡/镇/街道/苏木 and 部门 otherwise. An
address whose division cannot be told is kept with an empty division, never guessed.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import pathlib
import re
import urllib.parse
from importlib import resources

from . import Registry
from .discovery import TOWN_SUFFIXES, body_code

ADDRESSES_FILE = pathlib.Path(__file__).with_name("report_addresses.csv")
QUERIES_FILE = pathlib.Path(__file__).with_name("search_queries.csv")
ADDRESS_FIELDS = ("address", "kind", "title", "body", "level", "year", "division", "entry",
                  "seen", "queries", "source", "matched_by")
QUERY_FIELDS = ("seq", "seen", "group", "query", "results", "reports", "mirrors",
                "new_addresses", "new_governments")

# where the body's name ends in a report title: its year, or the 信息公开 words
_BODY_END = re.compile(r"[（(]?(?:19|20)\d\d\s*年|(?:(?:政府|政务)信息|信息)?公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
                       r"|政府信息公开|政务公开|信息公开")
_LEAD = re.compile(r"^(?:[（(]?(?:文字版|图片版|超链版|全文)[）)]?|(?:19|20)\d\d\s*年度?)+")
_GOV_WORDS = re.compile(r"^(?:人民政府|政府|人民政府本级|本级)?$")
ROMAN = str.maketrans("０１２３４５６７８９（）", "0123456789()")


def _norm(text: str | None) -> str:
    return re.sub(r"[\s\u3000\u00a0]+", "", (text or "").translate(ROMAN))


def body_of(title: str) -> str:
    """The publishing body's name as a report title prints it, up to its year or its
    信息公开 words: 龙游县人民政府办公室2023年政府信息公开工作年度报告 → 龙游县人民政府办公室."""
    t = _LEAD.sub("", _norm(title))
    m = _BODY_END.search(t)
    if m:
        t = t[:m.start()]
    return t.strip("-—_·:：,，、 ")


def year_of(title: str) -> int | None:
    m = re.search(r"((?:19|20)\d\d)\s*年", _norm(title))
    return int(m.group(1)) if m else None


# the peoples named in the names of autonomous divisions
_PEOPLES = ("维吾尔", "土家", "朝鲜", "蒙古", "哈萨克", "柯尔克孜", "达斡尔", "鄂温克", "鄂伦春", "塔吉克",
            "布依", "哈尼", "傈僳", "纳西", "景颇", "仡佬", "拉祜", "毛南", "仫佬", "德昂", "阿昌",
            "普米", "独龙", "撒拉", "东乡", "保安", "裕固", "锡伯", "苗", "侗", "彝", "藏", "羌",
            "回", "壮", "瑶", "傣", "白", "土", "满", "畲", "黎", "水", "佤", "怒", "各")
_ETHNIC = "(?:" + "|".join(_PEOPLES) + ")族(?:(?:" + "|".join(_PEOPLES) + ")族)*"


def short_names(name: str) -> list[str]:
    """The forms titles shorten a division's name to: 武汉市 → 武汉, 延边朝鲜族自治州 → 延边州,
    互助土族自治县 → 互助县, 内蒙古自治区 → 内蒙古, 阿里地区 → 阿里."""
    out = []
    m = re.fullmatch(r"(.{2,}?)" + _ETHNIC + r"自治(州|县|旗)", name)
    if m:
        out += [m.group(1) + m.group(2), m.group(1)]
    m = re.fullmatch(r"(.{2,}?)(?:" + _ETHNIC + r")?自治区", name)
    if m:
        out.append(m.group(1))
    m = re.fullmatch(r"(.{2,})(?:省|市|地区|盟)", name)
    if m:
        out.append(m.group(1))
    return out


SECOND_LEVEL = ("gov.cn", "org.cn", "com.cn", "net.cn", "edu.cn", "ac.cn")


def registrable(host: str) -> str:
    """The portal domain a host belongs to: czj.lasa.gov.cn → lasa.gov.cn, www.x.cn → x.cn; an
    address (61.150.65.235) is its own."""
    host = (host or "").lower().rstrip(".")
    if re.fullmatch(r"[\d.]+|\[[0-9a-f:.]+\]", host):
        return host
    parts = host.split(".")
    n = 3 if any(host.endswith("." + s) for s in SECOND_LEVEL) else 2
    return ".".join(parts[-n:]) if len(parts) >= n else host


@dataclasses.dataclass
class Match:
    division: str = ""     # the GB/T 2260 code of the government the body belongs to
    entry: str = ""        # registry code: the division's own, or a body's under it
    level: str = ""        # 省 市 县 (the government itself), 乡, 部门
    body: str = ""         # the body as printed
    how: str = ""          # which evidence decided


class Divisions:
    """The governments of a registry (entries with a 6-digit code), by name and by domain."""

    def __init__(self, reg: Registry) -> None:
        self.entries = {c: p for c, p in reg.items() if re.fullmatch(r"\d{6}", c)}
        self.by_name: dict[str, list[str]] = {}
        for code, p in self.entries.items():
            for name in {p.name or p.agency, p.agency, *short_names(p.name or p.agency)}:
                if name and len(name) >= 2 and code not in self.by_name.get(name, ()):
                    self.by_name.setdefault(name, []).append(code)
        self.longest = max((len(n) for n in self.by_name), default=0)
        self.by_domain: dict[str, list[str]] = {}
        for code, p in self.entries.items():
            for d in p.domains:
                self.by_domain.setdefault(registrable(d), []).append(code)

    def chain(self, code: str) -> list[str]:
        out, seen = [], set()
        while code and code in self.entries and code not in seen:
            seen.add(code)
            out.append(code)
            code = self.entries[code].parent
        return out

    def names_in(self, text: str) -> list[tuple[int, int, list[str]]]:
        """(start, end, codes) of the division names in *text*, the longest at each place."""
        out, i = [], 0
        while i < len(text):
            for n in range(min(self.longest, len(text) - i), 1, -1):
                codes = self.by_name.get(text[i:i + n])
                if codes:
                    out.append((i, i + n, codes))
                    i += n
                    break
            else:
                i += 1
        return out

    def of_host(self, host: str) -> list[str]:
        return self.by_domain.get(registrable(host), [])

    def match(self, title: str, url: str) -> Match:
        body = body_of(title)
        host = urllib.parse.urlsplit(url).hostname or ""
        hosts = self.of_host(host)
        found = self.names_in(body)
        picked, how = "", ""
        if found:
            # the deepest division consistent with the others named and with the host
            candidates = []
            for start, end, codes in found:
                for c in codes:
                    chain = set(self.chain(c))
                    named = sum(1 for _, _, cs in found if chain & set(cs))
                    on_host = any(h in chain or c in self.chain(h) for h in hosts)
                    candidates.append((named, on_host, len(chain), -start, c))
            named, on_host, depth, _, picked = max(candidates)
            ambiguous = [c for n, o, d, _, c in candidates if (n, o, d) == (named, on_host, depth)]
            if len(set(ambiguous)) > 1:
                picked, how = "", "several divisions of that name, none on the address's host"
            elif len(set(hosts)) == 1 and hosts[0] != picked and picked in self.chain(hosts[0]):
                # the title names a province or city, the address is a county's portal:
                # a body of the county (陕西姜谭经济技术开发区 on weibin.gov.cn)
                picked, how = hosts[0], "the host is the portal of a division below the one named"
            else:
                how = "named in the title" + (" and the host is its portal's" if on_host else "")
        if not picked and not found and len(set(hosts)) == 1:
            picked, how = hosts[0], "the address's host is the division's portal"
        if not picked:
            return Match(body=body, how=how or "no division named and the host is no portal's")
        return Match(picked, *self._entry(picked, body, found), body=body, how=how)

    def _entry(self, code: str, body: str, found) -> tuple[str, str]:
        """(registry code, level) of *body* under division *code*."""
        gov = self.entries[code]
        rest = body
        for start, end, codes in sorted(found, key=lambda f: -f[0]):
            if code in codes or any(c in self.chain(code) for c in codes):
                rest = body[end:]
                break
        rest = rest.strip("()（）-—、 ")
        if _GOV_WORDS.match(rest):
            return code, gov.level
        kind = "乡" if rest.endswith(TOWN_SUFFIXES) or re.search(r"(镇|乡|街道|苏木)(人民政府|政府|办事处)?$", rest) \
            else "部门"
        return body_code(code, kind, rest), kind


def read_addresses(path: str | pathlib.Path | None = None) -> list[dict]:
    text = pathlib.Path(path).read_text("utf-8") if path else _shipped(ADDRESSES_FILE.name)
    if text is None:
        return []
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def read_queries(path: str | pathlib.Path | None = None) -> list[dict]:
    text = pathlib.Path(path).read_text("utf-8") if path else _shipped(QUERIES_FILE.name)
    if text is None:
        return []
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _shipped(name: str) -> str | None:
    try:
        return resources.files(__package__).joinpath(name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None


def write_csv(rows: list[dict], fields: tuple[str, ...], path: str | pathlib.Path) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    pathlib.Path(path).write_text(buf.getvalue(), "utf-8")
