"""GB/T 2260 administrative division codes: the province of a code and its level.

Only the 31 provincial-level divisions (plus HK/Macao/Taiwan codes) are built in: a province
is known from the first two digits of any code. City and county names come from the portal
registry when it knows them, never guessed from the code.
"""
from __future__ import annotations

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
MUNICIPALITIES = {"11", "12", "31", "50"}

LEVELS = {"province": "省级", "city": "市级", "county": "县级", "national": "国家级"}


def province_of(code: str | None) -> tuple[str | None, str | None]:
    """(two-digit province code + '0000', province name) or (None, None)."""
    if not code or len(code) < 2 or code[:2] not in PROVINCES:
        return None, None
    return code[:2] + "0000", PROVINCES[code[:2]]


def level_of(code: str | None) -> str | None:
    """省级 / 市级 / 县级 from the shape of a six-digit code (None when unknown).

    Districts of the four municipalities (110101 东城区) are county-level, as in GB/T 2260.
    """
    if not code or len(code) != 6 or not code.isdigit() or code[:2] not in PROVINCES:
        return None
    if code == "000000":
        return LEVELS["national"]
    if code[2:] == "0000":
        return LEVELS["province"]
    if code[4:] == "00":
        return LEVELS["city"]
    return LEVELS["county"]


# ---------------------------------------------------------------- names from facts, never guessed
#
# The city and county of an agency come only from two facts: the registry (crawler/registry/
# portals.yaml: a government's own entry names its city or county) and the agency's own name
# when it is a people's government named after its divisions (福州市晋安区人民政府). The name is
# split into division names by their generic suffixes and accepted only when the split fits the
# shape of the region code (a city code names one city, a county code names a county, after an
# optional city); anything else leaves the name NULL.

import functools  # noqa: E402
import re  # noqa: E402

_GOV = re.compile(r"^(?P<prefix>.+?)(?:人民政府|行政公署)(?P<office>办公室|办公厅)?$")
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
_COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗")
_TOWN_SUFFIXES = ("街道", "苏木", "镇", "乡")
_ALL_SUFFIXES = tuple(sorted(set(_CITY_SUFFIXES + _COUNTY_SUFFIXES + _TOWN_SUFFIXES + ("省", "自治区")),
                             key=len, reverse=True))


def split_divisions(prefix: str) -> list[str] | None:
    """'福州市晋安区' -> ['福州市', '晋安区']: the shortest-first split into names that each end
    in a division suffix, or None when the text does not split that way (平潭综合实验区管理委员会)."""
    if not prefix:
        return []
    for end in range(2, len(prefix) + 1):  # a division name has at least two characters
        head = prefix[:end]
        if head.endswith(_ALL_SUFFIXES) and len(head) > min(len(s) for s in _ALL_SUFFIXES if head.endswith(s)):
            rest = split_divisions(prefix[end:])
            if rest is not None:
                return [head] + rest
    return None


def names_from_agency(name: str | None, code: str | None) -> dict:
    """{'city', 'county', 'town'} named by a people's government's own name, checked against the
    shape of its region code; values are None where the name does not say it."""
    out = {"city": None, "county": None, "town": None}
    level = level_of(code)
    m = _GOV.match(name or "")
    if not m or level is None:
        return out
    parts = split_divisions(m.group("prefix"))
    if not parts:
        return out
    if parts[0] in (PROVINCES[code[:2]], PROVINCES[code[:2]][:-1]) or (
            parts[0].endswith(("省", "自治区")) and parts[0][:2] == PROVINCES[code[:2]][:2]):
        parts = parts[1:]
    elif parts[0].endswith(("省", "自治区")):
        return out  # another province's name: the code and the name disagree
    town = parts[-1] if parts and parts[-1].endswith(_TOWN_SUFFIXES) and not m.group("office") else None
    if town:
        parts = parts[:-1]
    municipality = code[:2] in MUNICIPALITIES
    if level == LEVELS["city"] and not town and len(parts) == 1 and not municipality \
            and parts[0].endswith(_CITY_SUFFIXES):
        out["city"] = parts[0]
    elif level == LEVELS["county"] and parts and len(parts) <= (1 if municipality else 2) \
            and parts[-1].endswith(_COUNTY_SUFFIXES) and (
                len(parts) == 1 or parts[0].endswith(_CITY_SUFFIXES)):
        out["county"] = parts[-1]
        if len(parts) == 2:
            out["city"] = parts[0]
        out["town"] = town
    return out


@functools.lru_cache(maxsize=1)
def registry_entries() -> tuple:
    """The shipped portal registry's entries (crawler.registry.Portal), () when unreadable."""
    try:
        from crawler.registry import load_registry

        return tuple(load_registry().values())
    except Exception:  # the registry is optional for building an archive
        return ()


@functools.lru_cache(maxsize=1)
def _registry_index() -> tuple[dict, dict]:
    """{code: entry} and {agency name: [entries]} of the shipped registry (3,000+ entries since
    the national import: a look-up per loaded report must not scan them)."""
    by_code, by_name = {}, {}
    for p in registry_entries():
        by_code.setdefault(p.code, p)
        by_name.setdefault(p.agency, []).append(p)
    return by_code, by_name


def registry_entry(portal: str | None = None, agency: str | None = None):
    """The registry entry with this portal code, else the only one with this agency name."""
    by_code, by_name = _registry_index()
    if portal and portal in by_code:
        return by_code[portal]
    if agency:
        named = by_name.get(agency, [])
        if len(named) == 1:
            return named[0]
    return None


@functools.lru_cache(maxsize=1)
def registry_facts() -> dict:
    """Division names stated by the shipped portal registry: {region code: {'city'|'county': name}}
    from the entries of people's governments (a city government names its city code, a county
    government its county code). Empty when the registry cannot be read."""
    facts: dict[str, dict] = {}
    for p in registry_entries():
        m = _GOV.match(p.agency or "")
        if not m or m.group("office"):
            continue  # only a government's own entry names its division
        names = names_from_agency(p.agency, p.region_code)
        if names["town"] is None:
            for key in ("city", "county"):
                if names[key]:
                    code = p.region_code[:4] + "00" if key == "city" else p.region_code
                    facts.setdefault(code, {})[key] = names[key]
    return facts


REGISTRY_LEVELS = {"省": LEVELS["province"], "市": LEVELS["city"], "县": LEVELS["county"], "乡": "乡级"}


def describe(name: str | None, code: str | None, registry_level: str | None = None) -> dict:
    """province_code, province, city, county and level of an agency from its region code, the
    registry's facts and its own name; None wherever none of these says it."""
    province_code, province = province_of(code)
    level = level_of(code)
    names = names_from_agency(name, code)
    facts = registry_facts()
    city = county = None
    if code and level in (LEVELS["city"], LEVELS["county"]) and code[:2] not in MUNICIPALITIES:
        city = facts.get(code[:4] + "00", {}).get("city") or names["city"]
    if code and level == LEVELS["county"]:
        county = facts.get(code, {}).get("county") or names["county"]
    if names["town"] or registry_level == "乡":
        level = "乡级"
    elif registry_level in REGISTRY_LEVELS and level is None:
        level = REGISTRY_LEVELS[registry_level]
    return {"province_code": province_code, "province": province, "city": city,
            "county": county, "level": level}
