"""A county portal for the registry's reach (the ``reach`` site): what a registry built from
report addresses points a crawl at.

  * Hanweb's annual-report module ``/module/xxgk/xxgkAnnualReport.jsp?area=…&fbtime=YYYY``: the
    county's report of 2021, 2022 and 2023; any other year answers a page without a report
    (as the real module does);
  * a department's report at a TRS address whose column is not the 年报 column
    (``/zwgk/bmgk/jyj/202401/t20240115_1.html``), with a breadcrumb that names its 年报 column
    (``/zwgk/bmgk/jyj/nb/``);
  * the county's shared list of its departments' reports ``/zfxxgk/zfxxgknb/bmnb/index.html``:
    the 教育局's report (a known report of the 教育局's registry entry) and the 民政局's;
  * the lists the address rules of other platforms derive, each holding reports of a second
    county: VSB's dynamic list ``/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1308`` (two pages,
    paged by 下页 as VSB does, ``?a2t=2&a2p=2&a2c=1&…``) of ``/info/1308/N.htm``; a channel CMS's
    ``/channels/10878.html`` of ``/contents/10878/N.html``; Hunan's ``/c26133/index.html`` of
    ``/c26133/YYYYMMDD/iN.html``; a Shandong node site's ``/n16/n38/index.html`` of
    ``/n16/n38/c69/content.html``.
"""
from __future__ import annotations

from crawler.demo.server import Req, Resp
from crawler.demo.site import Site

from .beds import page, report_body

COUNTY = "测试县"
AREA = "990100ZF"
YEARS = (2021, 2022, 2023)
VIEWER = "/module/xxgk/xxgkAnnualReport.jsp"
DEPT_REPORT = "/zwgk/bmgk/jyj/202401/t20240115_1.html"
DEPT_COLUMN = "/zwgk/bmgk/jyj/nb/"
SHARED_COLUMN = "/zfxxgk/zfxxgknb/bmnb/index.html"
SHARED_DEPT_REPORT = "/zfxxgk/zfxxgknb/bmnb/202401/t20240110_2.html"
OTHER_DEPT_REPORT = "/zfxxgk/zfxxgknb/bmnb/202401/t20240112_3.html"
# the columns of two more counties as the address rules derive them: each list holds the
# report whose address the registry knows and one more that only a read of the list finds
VSB_LIST = "/list.jsp"
VSB_TREE = "1308"
VSB_COUNTY = "测试三县"
VSB_REPORTS = {1: "/info/1308/19381.htm", 2: "/info/1308/19001.htm"}   # list page → its report
SECOND = "测试二县"
DERIVED = {  # kind → (the known report's address, its list, the list's other report)
    "channels": ("/contents/10878/297546.html", "/channels/10878.html", "/contents/10878/297001.html"),
    "hunan": ("/c26133/20240117/i2154426.html", "/c26133/index.html", "/c26133/20230120/i2054001.html"),
    "nodes": ("/n16/n38/c69/content.html", "/n16/n38/index.html", "/n16/n38/c58/content.html"),
}


def derived_title(kind: str, other: bool) -> str:
    return f"{SECOND}人民政府{2016 + 2 * list(DERIVED).index(kind) + other}年政府信息公开工作年度报告"


def vsb_title(n: int) -> str:
    return f"{VSB_COUNTY}人民政府{2024 - n}年政府信息公开工作年度报告"


def vsb_page(n: int) -> str:
    return f"{VSB_LIST}?a2t=2&a2p={n}&a2c=1&urltype=tree.TreeTempUrl&wbtreeid={VSB_TREE}"


def viewer_path(year: int) -> str:
    return f"{VIEWER}?area={AREA}&fbtime={year}"


class ReachSite(Site):
    name = "reach"

    def __init__(self, faults=(), documents_dir=None, **kw) -> None:
        super().__init__(faults, documents_dir, **kw)
        crumb = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; '
                 f'<a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/bmgk/jyj/">{COUNTY}教育局</a> '
                 f'&gt; <a href="{DEPT_COLUMN}">政府信息公开年报</a></div>')
        title = f"{COUNTY}教育局2023年政府信息公开工作年度报告"
        self.add(DEPT_REPORT, page(title, crumb + report_body(title, 1)))
        self.add(DEPT_COLUMN + "index.html", page("政府信息公开年报", f'<ul><li><a href="../202401/'
                                                  f't20240115_1.html">{title}</a></li></ul>'))
        shared = f"{COUNTY}教育局2022年政府信息公开工作年度报告"
        other = f"{COUNTY}民政局2023年政府信息公开工作年度报告"
        self.add(SHARED_DEPT_REPORT, page(shared, report_body(shared, 2)))
        self.add(OTHER_DEPT_REPORT, page(other, report_body(other, 3)))
        self.add(SHARED_COLUMN, page("部门年报", f'<ul><li><a href="./202401/t20240110_2.html">{shared}'
                                             f'</a></li><li><a href="./202401/t20240112_3.html">'
                                             f'{other}</a></li></ul>'))
        for n, (kind, (report, listing, more)) in enumerate(DERIVED.items()):
            known, other = derived_title(kind, False), derived_title(kind, True)
            self.add(report, page(known, report_body(known, 10 + 2 * n)))
            self.add(more, page(other, report_body(other, 11 + 2 * n)))
            self.add(listing, page("政府信息公开年报", f'<ul><li><a href="{report}">{known}</a></li>'
                                                   f'<li><a href="{more}">{other}</a></li></ul>'))
        for n, report in VSB_REPORTS.items():
            self.add(report, page(vsb_title(n), report_body(vsb_title(n), 20 + n)))
        self.expected_reports = {viewer_path(y): "report" for y in YEARS}
        self.expected_reports.update({DEPT_REPORT: "report", SHARED_DEPT_REPORT: "report",
                                      OTHER_DEPT_REPORT: "report"})

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == VSB_LIST and req.query.get("wbtreeid") == VSB_TREE:
            n = int(req.query.get("a2p", "1") or 1)
            if n not in VSB_REPORTS:
                return Resp(404, b"<html><body>404</body></html>", [("Content-Type", "text/html")])
            t = vsb_title(n)
            more = f'<a href="{vsb_page(n + 1)}">下页</a>' if n + 1 in VSB_REPORTS else ""
            html = page("信息公开年报", f'<ul><li><a href="info/{VSB_TREE}/{VSB_REPORTS[n].rsplit("/", 1)[1]}">'
                                  f'{t}</a></li></ul><div class="pb">{more}</div>')
            return Resp(200, html.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])
        if req.path != VIEWER:
            return None
        year = req.query.get("fbtime", "")
        if req.query.get("area") != AREA or not year.isdigit():
            return Resp(404, b"<html><body>404</body></html>", [("Content-Type", "text/html")])
        if int(year) in YEARS:
            title = f"{COUNTY}人民政府{year}年政府信息公开工作年度报告"
            html = page(title, report_body(title, int(year)))
        else:
            html = page("年度报告", "<p>暂无该年度报告。</p>")
        return Resp(200, html.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])
