"""A real crawl (`ogi crawl --url … --db …` in a subprocess, on 127.0.0.1) of a county portal
whose report pages carry the furniture real portals print around the report: a navigation bar
right above the title (the layout that filed 8 of 12 reports of a real county under agency names
such as 首页政务公开政务服务清河县人民政府), breadcrumbs, a side bar listing the county's OTHER
reports before the article, the title only in <title>/<meta name="ArticleTitle">, footers.
Every report must land in archive.db under its own agency, year and title.
"""
from __future__ import annotations

import datetime as dt
import html
import random
import pytest

from crawler.demo.server import start, stop
from crawler.demo.site import Site
from tests.synthetic import generate
from tests.synthetic.html import _table

from .conftest import db_rows
from .portal_fixtures import explain, run_crawl

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

COUNTY = "青禾示范县"  # fictional: no page can be mistaken for a real government's
REPORTS = [("人民政府", 2021), ("人民政府", 2022), ("人民政府", 2023), ("人民政府", 2024), ("教育局", 2022),
           ("教育局", 2023), ("民政局", 2023), ("城关镇人民政府", 2023), ("卫生健康局", 2024), ("司法局", 2021),
           ("统计局", 2022), ("信访局", 2024)]
NAV = ["首页", "政务公开", "政务服务", "互动交流", "走进青禾"]
COLUMN = "/xxgk/nb/index.html"


def _nav(style: int) -> str:
    links = "".join(f'<a href="/c{i}/">{w}</a>' for i, w in enumerate(NAV))
    return [f'<div class="nav">{links}</div>',
            f"<div>{links}</div>",  # unclassed, right above the title
            f"<span>{links}</span>",
            "<table><tr>" + "".join(f'<td><a href="/c{i}/">{w}</a></td>' for i, w in enumerate(NAV)) + "</tr></table>",
            f'<div id="menu">{links}</div>',
            f"<nav>{links}</nav>"][style]


class CountyPortal(Site):
    name = "county-furniture"

    def __init__(self) -> None:
        super().__init__()
        self.items = []
        for i, (body, year) in enumerate(REPORTS):
            date = dt.date(year + 1, 1, 10) + dt.timedelta(days=3 * i)
            path = f"/xxgk/nb/{date:%Y%m}/t{date:%Y%m%d}_{80000 + i}.html"
            self.items.append((i, f"{COUNTY}{body}", year, date, path))
        for item in self.items:
            self.add(item[4], self.report_page(*item))
            self.expected_reports[item[4]] = "page"
        lis = "".join(f'<li><a href=".{p[len("/xxgk/nb"):]}" title="{self.title(a, y)}">{self.title(a, y)}</a>'
                      f"<span>{d}</span></li>" for _, a, y, d, p in self.items)
        self.add(COLUMN, f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
                         f'{_nav(0)}<div class="title">政府信息公开年报</div><ul class="list">{lis}</ul></body></html>')

    @staticmethod
    def title(agency: str, year: int) -> str:
        return f"{agency}{year}年政府信息公开工作年度报告"

    def report_page(self, i: int, agency: str, year: int, date: dt.date, path: str) -> str:
        rng = random.Random(i)
        title = self.title(agency, year)
        report = generate(1000 + i, "2021" if year >= 2021 else "2019", "html")
        others = [it for it in self.items if it[0] != i][:5]
        side = ('<div class="box"><h3>相关文章</h3><ul>' + "".join(
            f'<li><a href="{p}">{html.escape(self.title(a, y))}</a><span>{d}</span></li>' for _, a, y, d, p in others)
            + "</ul></div>")
        head = f'<meta charset="utf-8"><title>{html.escape(title)}_{COUNTY}人民政府</title>'
        heading = [f"<h1>{title}</h1>", f"<p><strong>{title}</strong></p>", f'<div class="tit">{title}</div>',
                   f"<h2>{title}</h2>", "", ""][i % 6]
        if i % 6 in (4, 5):  # no heading in the body: the title is in the page's <title> / CMS tags
            head += (f'<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" '
                     f'content="{date} 09:30"><meta name="ContentSource" content="{COUNTY}政务公开办">')
        parts = [f'<div class="header">{COUNTY}人民政府 欢迎访问！</div>']
        if i % 2:
            parts.append('<p>当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a> &gt; '
                         '<a href="/xxgk/nb/">政府信息公开年报</a></p>')
        if i % 6 == 3:
            parts.append(side)  # the other reports listed before the article
        parts.append(_nav(i % 6))  # the navigation bar right above the title
        parts.append(heading)
        parts.append(f'<div class="info">发布时间：{date} 来源：{COUNTY}政务公开办 浏览次数：{rng.randint(10, 999)}</div>')
        for b in report.blocks:
            if b.kind == "heading":
                parts.append(f"<p><strong>{html.escape(b.text)}</strong></p>")
            elif b.kind == "para":
                parts.append(f"<p>{html.escape(b.text.replace(str(report.year), str(year)))}</p>")
            elif b.kind == "table":
                parts.append(_table(b.table, rng))
        parts.append(f'<p style="text-align:right">{agency}</p><p style="text-align:right">{date:%Y年%-m月%-d日}</p>')
        if i % 6 != 3:
            parts.append(side)
        parts.append(f'<div class="footer">主办单位：{COUNTY}人民政府办公室 版权所有 网站标识码：0000000000</div>')
        return f"<!DOCTYPE html><html><head>{head}</head><body>{''.join(parts)}</body></html>"


def test_every_report_of_a_furnished_county_portal_lands_under_its_own_agency(tmp_path):
    site = CountyPortal()
    server, thread = start(site, "127.0.0.1", 0)
    base = "http://127.0.0.1:%d" % server.server_address[1]
    db = tmp_path / "archive.db"
    try:
        proc = run_crawl("--url", base + COLUMN, "--platform", "trs", "--db", str(db), archive=tmp_path / "archive")
    finally:
        stop(server, thread)
    assert proc.returncode == 0, explain(proc)
    rows = db_rows(db, "select agency, year, title, published, url from reports order by url")
    got = sorted((r["agency"], r["year"], r["title"], r["published"]) for r in rows)
    expected = sorted((a, y, CountyPortal.title(a, y), str(d)) for _, a, y, d, _ in site.items)
    assert got == expected
    assert len(rows) == len(REPORTS) == 12
