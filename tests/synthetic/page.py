"""Report pages as portals (and their mirrors) serve them: the report's body (a synthetic report's
tables, `tests.synthetic.html`) inside page furniture, in many combinations.

Furniture: a site banner and navigation bar (首页 政务公开 政务服务 …, as a classed <div>, an
unclassed <ul> of links or a <nav>), a breadcrumb (当前位置：首页 > 政务公开 > 年度报告), a side bar
of related links naming OTHER reports (other years, other agencies of the same county) before or
after the article, a footer (主办单位 / 网站标识码 / ICP备 / a date), mirror-site advertising (a
casino banner, a casino name glued to the <title>), a tool bar (字号 / 打印 / 分享).
Where the title is printed: a heading, a title-classed <div>, <meta name="ArticleTitle">, the
<title> only, or nowhere (the national tables and the opening then make it a report).
Publication date: <meta name="PubDate">, an info line (发布时间： / 发布日期： / 时间：… 来源：…), a
signature at the end (agency + date, also in Chinese numerals), or none.

`page(seed)` returns a `Page`: the bytes, and the title, agency, year and published date a parser
must read (None where the page does not print them).
"""
from __future__ import annotations

import csv
import html
import os
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import generate
from .html import _table

BODIES = ["人民政府", "人民政府办公室", "教育局", "民政局", "财政局", "自然资源局", "市场监督管理局",
          "卫生健康局", "司法局", "统计局", "信访局", "城关镇人民政府", "新华街道办事处", "王庄乡人民政府"]
CASINO = ["明升体育", "亚博体育官网", "威尼斯人娱乐城", "金沙娱乐场"]
CN = "〇一二三四五六七八九"


@lru_cache(maxsize=1)
def counties() -> list[tuple[str, str]]:
    """(prefecture, county) names of real county-level divisions (shared/data, GB/T 2260)."""
    shared = Path(os.environ.get("OGI_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    path = shared / "data" / "gbt2260_divisions_2024.csv"
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "county" and r["name"].endswith(("县", "区", "市", "旗"))]
    assert len(rows) > 1000, f"county list too short in {path}"
    return [(r["parent_name"], r["name"]) for r in rows]


@dataclass
class Page:
    data: bytes
    title: str | None
    agency: str | None
    year: int | None
    published: str | None
    describe: str
    content_type: str = "text/html; charset=utf-8"


def cn_date(y: int, m: int, d: int) -> str:
    def num(n: int) -> str:
        if n <= 10:
            return "十" if n == 10 else CN[n]
        return ("" if n < 20 else CN[n // 10]) + "十" + (CN[n % 10] if n % 10 else "")
    return "".join(CN[int(c)] for c in str(y)) + f"年{num(m)}月{num(d)}日"


def page(seed: int) -> Page:
    rng = random.Random(f"page-{seed}")
    version = rng.choice(["2021", "2019"])
    report = generate(seed, version, "html")
    year = report.year
    prefecture, county = rng.choice(counties())
    body = rng.choice(BODIES)
    full = rng.random() < 0.3
    agency = f"{prefecture}{county}{body}" if full else f"{county}{body}"
    title = rng.choice([f"{agency}{year}年政府信息公开工作年度报告", f"{agency}{year}年度政府信息公开工作年度报告",
                        f"{agency}关于{year}年政府信息公开工作的年度报告", f"{year}年{agency}政府信息公开工作年度报告"])
    where = rng.choice(["h1", "div.title", "meta", "<title>", "none", "h1", "p.strong"])
    pub = (year + 1, rng.randint(1, 3), rng.randint(1, 28))
    pub_iso = f"{pub[0]}-{pub[1]:02d}-{pub[2]:02d}"
    date_where = rng.choice(["PubDate", "info", "info-time", "signature", "signature-cn", "none"])
    signed = date_where.startswith("signature") or rng.random() < 0.3
    # other reports of the county for the side bar: other years, other agencies
    others = [f"{county}{b}{y}年政府信息公开工作年度报告" for b, y in
              [(rng.choice(BODIES), year - 1), (rng.choice(BODIES), year), (body, year - 1), (rng.choice(BODIES), year + 1)]
              if f"{county}{b}" != agency]
    furniture = {k: rng.random() < p for k, p in
                 [("nav", 0.8), ("crumb", 0.6), ("sidebar", 0.6), ("footer", 0.8), ("casino", 0.2), ("tools", 0.5),
                  ("sidebar_first", 0.5), ("nav_unclassed", 0.3)]}
    head = ['<meta charset="utf-8">']
    page_title = f"{title}_{county}人民政府门户网站" if where != "none" else f"政府信息公开年报_{county}人民政府"
    if furniture["casino"]:
        page_title += f" - {rng.choice(CASINO)}"
    if where == "none" and rng.random() < 0.5:
        page_title = f"{county}人民政府门户网站"
    head.append(f"<title>{html.escape(page_title)}</title>")
    head.append(f'<meta name="SiteName" content="{county}人民政府">')
    head.append('<meta name="ColumnName" content="政府信息公开年报">')
    if where == "meta" or (where != "none" and rng.random() < 0.4):
        head.append(f'<meta name="ArticleTitle" content="{html.escape(title)}">')
    if date_where == "PubDate":
        head.append(f'<meta name="PubDate" content="{pub_iso} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}">')
    if rng.random() < 0.5:
        head.append(f'<meta name="ContentSource" content="{county}政务公开办">')
    out = []
    if furniture["casino"]:
        out.append(f'<div class="ad-top"><a href="http://casino.example/">{rng.choice(CASINO)}</a></div>')
    out.append(f'<div class="header"><div class="logo"><img src="/images/logo.png"></div>'
               f'<span>{county}人民政府</span> <span>欢迎访问{county}人民政府门户网站！</span></div>')
    if furniture["nav"]:
        words = ["首页", "政务公开", "政务服务", "互动交流", "走进" + county]
        links = "".join(f'<a href="/{i}/">{w}</a>' for i, w in enumerate(words))
        if furniture["nav_unclassed"]:
            out.append("<ul>" + "".join(f'<li><a href="/{i}/">{w}</a></li>' for i, w in enumerate(words)) + "</ul>")
        else:
            out.append(rng.choice([f'<div class="nav">{links}</div>', f"<nav>{links}</nav>", f'<div id="menu">{links}</div>']))
    if furniture["crumb"]:
        out.append(rng.choice([
            '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
            '<a href="/zwgk/nb/">政府信息公开年报</a></div>',
            '<div class="breadcrumb"><a href="/">首页</a> » <a href="/zwgk/">政府信息公开</a> » 年度报告</div>',
            '<p>您当前所在位置：<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; 年度报告</p>']))
    side = ('<div class="sidebar"><h3>相关文章</h3><ul>' + "".join(
        f'<li><a href="/nb/{i}.html">{html.escape(t)}</a><span>{year + (i % 2)}-0{i + 1}-1{i}</span></li>'
        for i, t in enumerate(others)) + "</ul></div>")
    if furniture["sidebar"] and rng.random() < 0.5:  # an unclassed list of links works the same
        side = side.replace('class="sidebar"', 'class="box"')
    if furniture["sidebar"] and furniture["sidebar_first"]:
        out.append(side)
    art = ['<div class="article">']
    if where == "h1":
        art.append(f"<h1>{html.escape(title)}</h1>")
    elif where == "div.title":
        art.append(f'<div class="title">{html.escape(title)}</div>')
    elif where == "p.strong":
        art.append(f'<p style="text-align:center"><strong>{html.escape(title)}</strong></p>')
    info = []
    if date_where == "info":
        info.append(f"发布时间：{pub_iso} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}")
    elif date_where == "info-time":
        info.append(f"时间:{pub_iso} 来源:{rng.choice([county + '政务公开办', agency])}")
    if furniture["tools"]:
        info.append("浏览次数：<span>123</span> 【字体：大 中 小】 打印 分享")
    if info:
        art.append('<div class="info">' + " ".join(f"<span>{i}</span>" for i in info) + "</div>")
    opening = None
    if where == "none":  # no title: the opening or the statistics period says whose and which year
        opening = rng.choice(["agency", "period"])
        art.append("<p>" + (f"现将{agency}{year}年度政府信息公开工作报告如下：" if opening == "agency" else
                            f"本年度报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。") + "</p>")
    for b in report.blocks:
        if b.kind in ("title", "meta"):
            continue
        if b.kind == "heading":
            art.append(f"<p><strong>{html.escape(b.text)}</strong></p>")
        elif b.kind == "para":
            art.append(f'<p style="text-indent:2em">{html.escape(b.text)}</p>')
        else:
            art.append(_table(b.table, rng))
    if furniture["casino"]:
        art.insert(2, f"<p>{rng.choice(CASINO)}，注册送彩金</p>")
    if signed:
        sig_date = cn_date(*pub) if date_where == "signature-cn" else f"{pub[0]}年{pub[1]}月{pub[2]}日"
        art.append(f'<p style="text-align:right">{html.escape(agency)}</p><p style="text-align:right">{sig_date}</p>')
    art.append("</div>")
    out.extend(art)
    if furniture["sidebar"] and not furniture["sidebar_first"]:
        out.append(side)
    if furniture["footer"]:
        out.append(f'<div class="footer"><p>主办单位：{county}人民政府办公室 网站标识码：1301000001</p>'
                   f'<p>冀ICP备12345678号 更新日期：{year + 2}-05-06</p></div>')
    doc = ("<!DOCTYPE html><html><head>" + "".join(head) + "</head><body>" + "\n".join(out) + "</body></html>")
    # what a parser must read
    exp_title = None if where == "none" else title
    exp_agency = agency if (where != "none" or signed or opening == "agency") else None
    exp_published = pub_iso if (date_where in ("PubDate", "info", "info-time") or signed) else None
    describe = (f"seed={seed} version={version} where={where} opening={opening} date={date_where} signed={signed} "
                f"furniture={[k for k, v in furniture.items() if v]}")
    return Page(doc.encode("utf-8"), exp_title, exp_agency, year, exp_published, describe)
