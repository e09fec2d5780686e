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
