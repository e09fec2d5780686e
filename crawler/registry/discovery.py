"""What a page says about a government's bodies and columns (pure functions over link texts and
URLs; ``ogi registry discover`` uses them from spiders/survey.py).

  directory_kind(text)  "部门" for a directory of departments (部门信息公开, 县直部门 …), "乡" for
                        one of townships and street offices (乡镇（街道）, 镇街 …), else None
  body_kind(name)       "乡" for a township or street office (…镇, …乡, …街道, …苏木), "部门" for a
                        department-like body (…局, …委员会, …办公室 …), else None
  column_owner(text)    what a sub-column of a shared 年报 column is named after: ("self", "")
                        for the government's own, ("group", kind) for a group of bodies
                        (部门年报), ("body", name) for one body, or None (years, look-alikes)
  under(url, base)      *url* on *base*'s host and inside its directory
"""
from __future__ import annotations

import hashlib
import re
import urllib.parse

from crawler.links import NEGATIVE, YEAR, classify_title, norm

TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡", "苏木", "民族乡", "办事处")
DEPT_SUFFIXES = ("局", "委员会", "委", "办公室", "办", "院", "中心", "所", "站", "队", "署", "会",
                 "厅", "处", "管委会", "管理委员会", "部", "馆", "社", "公司")
DIR_DEPT = re.compile(r"^(县直|市直|区直|旗直|政府)?(工作)?部门(信息公开|公开|年报|目录|信息公开目录|"
                      r"政府信息公开)?$")
DIR_TOWN = re.compile(r"^(乡镇|镇街|镇（街道）|乡镇（街道）|乡镇\(街道\)|乡镇街道|街道|镇|乡镇街|苏木乡镇)"
                      r"(信息公开|公开|年报|目录|信息公开目录|政府信息公开)?$")
COLUMN_WORDS = re.compile(r"(政府信息公开工作年度报告|政府信息公开年度报告|政府信息公开年报|信息公开年度报告|"
                          r"信息公开年报|政务公开年报|年度报告|年报|专栏)$")
SELF_NAMES = re.compile(r"^(本级|政府|人民政府|本级政府|(县|区|市|旗|州|盟|省)(人民)?政府|政府本级)$")
GROUP_WORDS = {"部门": "部门", "县直部门": "部门", "市直部门": "部门", "区直部门": "部门",
               "政府部门": "部门", "工作部门": "部门", "乡镇": "乡", "镇街": "乡", "街道": "乡",
               "乡镇（街道）": "乡", "乡镇街道": "乡", "镇（街道）": "乡", "乡镇(街道)": "乡"}


def directory_kind(text: str | None) -> str | None:
    t = norm(text)
    if not t or len(t) > 14 or YEAR.search(t):
        return None
    if DIR_DEPT.match(t):
        return "部门"
    if DIR_TOWN.match(t):
        return "乡"
    return None


def body_kind(name: str | None) -> str | None:
    t = norm(name)
    if not (2 <= len(t) <= 30) or YEAR.search(t) or any(w in t for w in NEGATIVE):
        return None
    if classify_title(t) is not None or directory_kind(t):
        return None
    if t.endswith(TOWN_SUFFIXES):
        return "乡"
    if t.endswith(DEPT_SUFFIXES):
        return "部门"
    return None


def column_owner(text: str | None, division: str = "") -> tuple[str, str] | None:
    t = norm(text)
    if not t or len(t) > 30 or YEAR.search(t) or any(w in t for w in NEGATIVE):
        return None
    if classify_title(t) == "report":
        return None
    name = COLUMN_WORDS.sub("", t) if len(COLUMN_WORDS.sub("", t)) >= 1 else t
    if not name or name in ("政府信息公开", "信息公开", "历年", "政务公开"):
        return None
    if name in GROUP_WORDS:
        return ("group", GROUP_WORDS[name])
    short = re.sub(r"(省|市|县|区|旗|自治州|自治县|地区|盟)$", "", division) if division else ""
    if SELF_NAMES.match(name) or (division and name in (division, division + "人民政府",
                                                          division + "政府")) \
            or (short and name in (short + "政府", short + "人民政府")):
        return ("self", "")
    kind = body_kind(name) or (body_kind(re.sub(r"人民政府$", "", name)) if name.endswith("人民政府")
                               else None)
    if kind:
        return ("body", name)
    return None


def url_dir(url: str) -> tuple[str, str]:
    p = urllib.parse.urlsplit(url)
    path = p.path or "/"
    return (p.hostname or "").lower(), path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def under(url: str, base: str) -> bool:
    h, d = url_dir(url)
    bh, bd = url_dir(base)
    return h == bh and d.startswith(bd)


def child_of(url: str, base: str) -> bool:
    """*url*'s directory is strictly inside *base*'s (a sub-column of a column)."""
    h, d = url_dir(url)
    bh, bd = url_dir(base)
    return h == bh and d.startswith(bd) and d != bd


def body_code(parent: str, kind: str, name: str) -> str:
    """A stable registry code for a body found under *parent*: <parent>-d…/-t… + name digest."""
    return f"{parent}-{'t' if kind == '乡' else 'd'}{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def title_matches(title: str | None, name: str) -> bool:
    """Does a home page's <title> name the division (东城区 in 北京市东城区人民政府网站)?"""
    t = norm(title)
    n = norm(name)
    if not t or not n:
        return False
    if n in t:
        return True
    short = re.sub(r"(维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|特别行政区|"
                   r"地区|林区|新区|省|市|县|区|旗|盟)$", "", n)
    return len(short) >= 2 and short in t
