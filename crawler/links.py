"""Link classification by title (pure functions, no Scrapy).

``classify_title(text)`` returns
  "report"  an annual report: a year + 信息公开 + 年度报告/年报/工作报告, including （图片版） /
            （超链版） variants and attachment names (…年度报告.pdf);
  "column"  a report column: 年报 / 年度报告 with 信息公开 (or alone) and no year;
  "nav"     a section that leads to the column: 政务公开, 政府信息公开, 信息公开(目录) …;
  None      anything else, including the look-alikes: 工作要点, 通知, 预算/决算, 统计年报,
            指南, 解读/图解, 更正说明, 格式模板, 落实情况 ….
"""
from __future__ import annotations

import re

_WS = re.compile(r"[\s\u3000\u00a0]+")
YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
CN_YEAR = re.compile(r"[二〇一二三四五六七八九零○]{4}年")
REPORT_WORD = re.compile(r"(信息公开|政务公开|公开).{0,8}(年度报告|年报|工作报告)")
# words of look-alike titles; never words that occur in agency names (审计局, 编制办, 统计局 …)
NEGATIVE = ("工作要点", "要点", "通知", "预算", "决算", "预决算", "统计年报", "统计公报", "指南",
            "解读", "图解", "更正", "勘误", "格式", "模板", "模版", "落实情况", "编制工作",
            "编制发布", "实施方案", "工作方案", "意见", "的函", "公示", "征求", "半年", "季度",
            "月报")
COLUMN_WORDS = ("政府信息公开年报", "政府信息公开年度报告", "信息公开年报", "信息公开年度报告",
                "政府信息公开工作年度报告", "政务公开年报", "年度报告", "年报", "年报专栏",
                "部门年报", "乡镇年报", "部门年度报告", "乡镇（街道）年报", "乡镇年度报告",
                "政府年报", "历年年报")
NAV_WORDS = ("政务公开", "政府信息公开", "信息公开", "政府信息公开专栏", "信息公开目录",
             "政府信息公开目录", "政务信息公开", "政务公开专栏", "公开目录", "法定主动公开内容")


def norm(text: str | None) -> str:
    return _WS.sub("", text or "")


def classify_title(text: str | None) -> str | None:
    t = norm(text)
    if not t or len(t) > 120:
        return None
    t_noext = re.sub(r"\.(pdf|docx?|wps|xlsx?|et|ofd|jpe?g|png|gif|html?|shtml)$", "", t, flags=re.I)
    if any(w in t_noext for w in NEGATIVE):
        return None
    has_year = bool(YEAR.search(t_noext) or CN_YEAR.search(t_noext))
    if has_year and REPORT_WORD.search(t_noext):
        return "report"
    if not has_year and (t_noext in COLUMN_WORDS or
                         (re.search(r"(年报|年度报告)$", t_noext) and len(t_noext) <= 16)):
        return "column"
    if not has_year and (t_noext in NAV_WORDS or
                         (len(t_noext) <= 10 and re.search(r"(政务|信息)公开", t_noext))):
        return "nav"
    return None


ATTACHMENT_EXT = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "jpg", "jpeg", "png",
                  "gif", "bmp", "tif", "tiff")
IMAGE_EXT = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff")
_EXT_RE = re.compile(r"\.(" + "|".join(ATTACHMENT_EXT) + r")(?:$|[?#&])", re.I)


def attachment_ext(url_or_name: str | None) -> str | None:
    """The attachment extension a link promises (also in a query such as filename=x.pdf)."""
    if not url_or_name:
        return None
    m = _EXT_RE.search(url_or_name.split("#")[0])
    return m.group(1).lower() if m else None


MAGIC = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"), "xls": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"),
    "wps": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"), "et": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"),
    "ofd": (b"PK\x03\x04",),
    "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",), "png": (b"\x89PNG",), "gif": (b"GIF8",),
    "bmp": (b"BM",), "tif": (b"II*\x00", b"MM\x00*"), "tiff": (b"II*\x00", b"MM\x00*"),
}


def sniff(body: bytes) -> str:
    """A coarse kind from magic bytes: pdf, ole, zip, image, html, text, binary, empty."""
    head = body[:16]
    if not body.strip():
        return "empty"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"\xff\xd8", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")):
        return "image"
    lead = body[:1024].lstrip().lower()
    if lead.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<?xml",
                        b"<div", b"<p", b"<table", b"<title")) or b"<html" in lead:
        return "html"
    if b"\x00" in body[:1024]:
        return "binary"
    return "text"


def matches_promise(ext: str, body: bytes) -> bool:
    return any(body.startswith(m) for m in MAGIC.get(ext, ()))


# WAF / JavaScript challenge pages (加速乐 __jsl_clearance, 云锁, 安全狗, 知道创宇, Cloudflare …)
CHALLENGE_MARKERS = (
    "__jsl_clearance", "_waf_", "waf_", "yunsuo", "wzws", "安全验证", "访问验证", "人机验证",
    "滑动验证", "请开启javascript", "enable javascript", "cdn-cgi/challenge", "challenge-platform",
    "安全狗", "safedog", "访问过于频繁", "请求过于频繁", "your request has been blocked",
    "access denied", "防火墙", "网站防火墙",
)


def challenge_reason(body: bytes, status: int = 200) -> str | None:
    """Why *body* looks like a WAF/challenge page rather than a document (None if it does not)."""
    if len(body) > 60_000:
        return None
    text = body[:60_000].decode("utf-8", "ignore").lower()
    if not text:
        text = body.decode("gb18030", "ignore").lower()
    hits = [m for m in CHALLENGE_MARKERS if m in text]
    js_reload = ("location.reload" in text or "location.href" in text) and "document.cookie" in text
    if hits or (js_reload and len(text) < 8000):
        return "WAF/JavaScript challenge page (HTTP %d%s)" % (
            status, ", " + hits[0] if hits else "")
    return None


REPORT_MARKERS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请",
                  "行政复议", "存在的主要问题", "其他需要报告的事项", "依申请公开",
                  "政府信息公开工作年度报告", "本年新收")


def report_body_score(text: str) -> int:
    t = norm(text)
    return sum(1 for m in REPORT_MARKERS if m in t)
