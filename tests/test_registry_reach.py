"""The registry's reach: report addresses found in public pages, each platform's rule from a
report address to its column (tested on real addresses), the entries they give, and crawls of
what such a registry points at (a year viewer, known reports, a shared list) on 127.0.0.1."""
from __future__ import annotations

import collections
import json
import pathlib
import re
import urllib.parse

import pytest

from crawler.archive import iter_captures
from crawler.registry import NATIONAL_FILE, PLATFORMS as REGISTRY_PLATFORMS, Portal, Registry
from crawler.registry import load_registry, parse_registry
from crawler.registry.addresses import (Divisions, body_of, read_addresses, read_queries,
                                        registrable, short_names)
from crawler.registry.reach import build
from spiders import platforms
from spiders.base import year_urls
from spiders.discover import annual_root, column_of

from tests.portal_fixtures import OGI, ROOT, explain, run_crawl

# (real report address seen in a public page, the column its platform's rule derives)
REAL = [
    # TRS: the month folder's column
    ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
     "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", "trs"),
    ("http://www.cqbn.gov.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/202601/t20260128_15360428.html",
     "http://www.cqbn.gov.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/", "trs"),
    # Hanweb: the column named in the article's address; the annual-report module by year
    ("https://www.longyou.gov.cn/art/2024/1/30/art_1229114055_89890.html",
     "https://www.longyou.gov.cn/col/col1229114055/index.html", "hanweb"),
    ("http://jtyst.jiangsu.gov.cn/col/col90231/index.html",
     "http://jtyst.jiangsu.gov.cn/col/col90231/index.html", "hanweb"),
    ("http://www.muping.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=113706000042603877A&fbtime=2022&showType=2",
     "http://www.muping.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=113706000042603877A&fbtime={year}",
     "hanweb"),
    # Guangdong: gkmlpt catalogue; the intensive platform's content/post_N under its column
    ("https://www.jiangmen.gov.cn/gkmlpt/content/3/3260/post_3260603.html",
     "https://www.jiangmen.gov.cn/gkmlpt/index", "json"),
    ("http://www.gdmx.gov.cn/zwgk/xxgkndbg/content/post_1958440.html",
     "http://www.gdmx.gov.cn/zwgk/xxgkndbg/", "generic"),
    ("http://audit.dg.gov.cn/sjdt/tzgg/content/post_4328891.html",
     "http://audit.dg.gov.cn/sjdt/tzgg/", "generic"),
    # Henan's (and Baotou's, Xiaogan's) JEECMS .jhtml channels
    ("https://public.zhengzhou.gov.cn/D42Y/8187641.jhtml",
     "https://public.zhengzhou.gov.cn/D42Y/index.jhtml", "jeecms"),
    ("https://www.xiaogan.gov.cn/c/www/bmnb/166938.jhtml",
     "https://www.xiaogan.gov.cn/c/www/bmnb/index.jhtml", "jeecms"),
    # Anhui / Sichuan 政务公开 platforms: every year by a parameter
    ("https://www.ahhuoshan.gov.cn/public/column/6596221?type=3&action=detail&nav=3&title=2024",
     "https://www.ahhuoshan.gov.cn/public/column/6596221?type=3&action=detail&nav=3&title={year}",
     "openness"),
    ("http://www.jiangyou.gov.cn/public/column/5741?type=3&nav=5&sub=1&timeFrame=2023&hasContent=true",
     "http://www.jiangyou.gov.cn/public/column/5741?type=3&nav=5&sub=1&timeFrame={year}&hasContent=true",
     "openness"),
    ("https://www.dongzhi.gov.cn/OpennessAnnualReport/year/show/334/2023.html",
     "https://www.dongzhi.gov.cn/OpennessAnnualReport/year/show/334/{year}.html", "openness"),
    ("http://gk.ziyang.gov.cn/year_details.aspx?dept=58&year=2022",
     "http://gk.ziyang.gov.cn/year_details.aspx?dept=58&year={year}", "generic"),
    ("https://ynfq.gov.cn/zfxxgk_fqx_cyfzfw/zfxxgknb.html?nbYear=2024",
     "https://ynfq.gov.cn/zfxxgk_fqx_cyfzfw/zfxxgknb.html?nbYear={year}", "generic"),
    # Gansu's (and Taizhou's) art_<hex> below the 年报 column
    ("https://www.baiyinqu.gov.cn/ZFXXGKNB/2025n/bmdw/art/2026/art_bdc65e60f6a14413876d5f79de794e9a.html",
     "https://www.baiyinqu.gov.cn/ZFXXGKNB/2025n/bmdw/", "generic"),
    # c<column>/YYYYMM/… (Harbin's c01_N, Tibet's and Hunan's 32-hex)
    ("http://hljwch.gov.cn/hebwcs/c111340/202301/c01_592356.shtml",
     "http://hljwch.gov.cn/hebwcs/c111340/", "generic"),
    ("http://chayu.gov.cn/chyx/c106061/202301/033a4b5eab3342e2a7846346638d5545.shtml",
     "http://chayu.gov.cn/chyx/c106061/", "generic"),
    # directories named as 年报 columns, with content_N or snowflake ids
    ("http://uhdz.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/content_14814",
     "http://uhdz.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/", "generic"),
    ("http://www.baotaqu.gov.cn/zfxxgk/zfxxgknb/qj/1881238323945988098.html",
     "http://www.baotaqu.gov.cn/zfxxgk/zfxxgknb/qj/", "generic"),
    ("http://www.hyzhq.gov.cn/zwgk/bmxxgkml/xzcjd/yhjd/ndxxgkbg/20240118/i3241505.html",
     "http://www.hyzhq.gov.cn/zwgk/bmxxgkml/xzcjd/yhjd/ndxxgkbg/", "generic"),
    # Hunan's numbered columns; shanghai.gov.cn's nw columns
    ("https://www.pingjiang.gov.cn/35048/35049/34957/35980/35982/content_2359317.html",
     "https://www.pingjiang.gov.cn/35048/35049/34957/35980/35982/index.htm", "generic"),
    ("https://www.shanghai.gov.cn/nw12344/20200813/0001-12344_64595.html",
     "https://www.shanghai.gov.cn/nw12344/index.html", "generic"),
    # VSB: a column by its number, through the platform's dynamic list
    ("http://fg.gov.cn/info/1648/47211.htm",
     "http://fg.gov.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1648", "vsb"),
    ("http://www.gangu.gov.cn/info/3481/644632.htm",
     "http://www.gangu.gov.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=3481", "vsb"),
    ("https://www.ms.gov.cn/xxgk/xxgk_content.jsp?urltype=news.NewsContentUrl&wbtreeid=5069&wbnewsid=1143514",
     "https://www.ms.gov.cn/xxgk/xxgk_list.jsp?urltype=tree.TreeTempUrl&wbtreeid=5069", "vsb"),
    # Hunan's /cID/YYYYMMDD/iN.html (Zhuzhou's counties, Aksu's)
    ("http://www.hetang.gov.cn/c26133/20240117/i2154426.html",
     "http://www.hetang.gov.cn/c26133/index.html", "generic"),
    ("http://kk000.aks.gov.cn/c8/20180403/i4586.html", "http://kk000.aks.gov.cn/c8/index.html", "generic"),
    # a channel CMS: /contents/ID/N.html of /channels/ID.html (Tianjin's districts)
    ("https://www.tjbh.gov.cn/dj/contents/10878/297546.html",
     "https://www.tjbh.gov.cn/dj/channels/10878.html", "generic"),
    ("https://teda.gov.cn/contents/29/77805.html", "https://teda.gov.cn/channels/29.html", "generic"),
    # Hebei's portals: /columns/UUID/YYYYMM/DD/UUID.html of /columns/UUID/index.html
    ("https://www.sjz.gov.cn/zfxxgk/columns/f74d6b1e-ff1b-45ff-8cdb-faa7079a660d/202301/29/c6d51e4b-84c0-48a4-8821-d13086d9e81c.html",
     "https://www.sjz.gov.cn/zfxxgk/columns/f74d6b1e-ff1b-45ff-8cdb-faa7079a660d/index.html", "generic"),
    ("https://www.hebei.gov.cn/columns/8aef2fa0-cc14-409e-9f68-fbdba00a0c72/202308/21/720faafd-6610-4d9e-9cc8-9e0f056c2101.html",
     "https://www.hebei.gov.cn/columns/8aef2fa0-cc14-409e-9f68-fbdba00a0c72/index.html", "generic"),
    # Shandong's node sites: /nA/…/cN/content.html of /nA/…/index.html (Dezhou's)
    ("http://dzbee.dezhou.gov.cn/n16731291/n38312410/n38313520/c69593319/content.html",
     "http://dzbee.dezhou.gov.cn/n16731291/n38312410/n38313520/index.html", "generic"),
    ("http://www.dzlc.gov.cn/n55189606/n55189912/n91864348/n91864383/c92353512/content.html",
     "http://www.dzlc.gov.cn/n55189606/n55189912/n91864348/n91864383/index.html", "generic"),
]
# real addresses that name no column: known reports
NO_COLUMN = [
    "http://fg.gov.cn/info/1648/47211.htm?x=1",                                # not VSB's static form
    "https://www.ahgc.gov.cn/OpennessAnnualReport/show/5046.html",             # a report, not a list
    "https://bozhou.gov.cn/XxgkAnnualReport/show/6587.html",
    "http://www.lj.gov.cn/public/13721/104641795.html",
    "https://www.ayx.gov.cn/2026/01-30/3619745.html",                          # Henan by date
    "http://www.kmgd.gov.cn/c/2025-01-24/6960599.shtml",                       # Kunming /c/date/
    "http://www.changanqu.gov.cn/zcjd/zcwj/63f5d6cef8fd1c4c21427d07.html",     # 政策文件, no 年报 dir
    "https://www.beijing.gov.cn/gate/big5/www.beijing.gov.cn/gongkai/zfxxgk/gknb/202503/t20250331_4050078.html",
    "http://www.example.gov.cn/zfxxgk/gzbg/123.html",                          # 工作报告 is no 年报 dir
    "http://www.example.gov.cn/nbjb/123.html",
    "http://lincang.gov.cn/zfxxgk_lcs/artview/195/345407.html?nbYear=2025&orgCode=A01A01",  # one report
    "https://ynfq.gov.cn/zfxxgk_fqx_cyfzfw/zfxxgknb.html?nbYear=",             # no year to vary
    "http://www.zhangdian.gov.cn/gongkai/site_zdqhtjdbsc/channel_5fd80b6154d6e51d248642a7/doc_61f3b3b3f52710fcc5758064.html",
    "http://www.qhd.gov.cn:81/info/content.jsp?code=127201",                 # no VSB column number
    "http://www.hnyx.gov.cn/c26121/2024/i2159456.html",                        # no date folder
    "http://dzbee.dezhou.gov.cn/c69593319/content.html",                       # no node above it
]


@pytest.mark.parametrize("address,column,platform", REAL)
def test_each_platform_rule_on_real_addresses(address, column, platform):
    col = column_of(address)
    assert col is not None and (col.url, col.platform) == (column, platform), col


@pytest.mark.parametrize("address", NO_COLUMN)
def test_an_address_that_names_no_column_derives_none(address):
    assert column_of(address) is None


def test_the_shared_annual_root_of_an_address():
    assert annual_root("http://uhdz.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/content_14814") == \
        "http://uhdz.gov.cn/zfxxgk/zfxxgknb/"
    assert annual_root("https://www.gz.gov.cn/zfjgzy/gzsrmzfbgt/zfxxgknb/gq/content/post_9492822.html") \
        == "https://www.gz.gov.cn/zfjgzy/gzsrmzfbgt/zfxxgknb/"
    assert annual_root("https://www.dongzhi.gov.cn/OpennessAnnualReport/year/show/334/2023.html") is None
    assert annual_root("https://www.longyou.gov.cn/art/2024/1/30/art_1229114055_89890.html") is None


def test_a_year_viewer_is_asked_for_every_year_newest_first():
    urls = year_urls("http://x.gov.cn/a.jsp?area=1&fbtime={year}", 2025)
    assert urls[0].endswith("fbtime=2025") and urls[-1].endswith("fbtime=2008") and len(urls) == 18


def test_registry_platforms_are_the_spiders_platforms():
    """The platform lists outside spiders/ (the registry's, the CLI's) name what the spiders'
    modules declare: a new platform module that is not listed fails here."""
    from crawler.cli.crawl import SPIDERS, spider_class
    assert set(REGISTRY_PLATFORMS) == set(platforms.PLATFORMS) | {"generic"}
    assert set(SPIDERS) == set(REGISTRY_PLATFORMS) | {"auto"}
    for platform, name in SPIDERS.items():
        assert spider_class(name) is platforms.spider_for(None if platform == "auto" else platform)


def test_titles_give_the_body_and_the_division():
    assert body_of("龙游县人民政府办公室2023年政府信息公开工作年度报告") == "龙游县人民政府办公室"
    assert body_of("(文字版)2017年芜湖市政府信息公开工作年度报告") == "芜湖市"
    assert body_of("舟山市人民政府政府信息公开工作年度报告(2020年度)") == "舟山市人民政府"
    assert body_of("合肥市人民政府 公开年报") == "合肥市人民政府"
    assert short_names("黔东南苗族侗族自治州") == ["黔东南州", "黔东南"]
    assert registrable("czj.lasa.gov.cn") == "lasa.gov.cn" and registrable("61.150.65.235") == "61.150.65.235"
    dv = Divisions(load_registry())
    m = dv.match("龙游县人民政府办公室2023年政府信息公开工作年度报告",
                 "https://www.longyou.gov.cn/art/2024/1/30/art_1229114055_89890.html")
    assert (m.division, m.level) == ("330825", "部门") and m.entry.startswith("330825-d")
    m = dv.match("永嘉县人民政府2023年政府信息公开工作年度报告", "http://www.yj.gov.cn/art/2024/1/16/art_1_2.html")
    assert (m.division, m.entry, m.level) == ("330324", "330324", "县")
    # a township named without its county: the host's division
    m = dv.match("溪下乡人民政府2023年政府信息公开工作年度报告", "http://www.yj.gov.cn/art/2024/1/16/art_1_2.html")
    assert (m.division, m.level) == ("330324", "乡")
    # the same district name in two provinces: the host decides
    m = dv.match("朝阳区2023年政府信息公开工作年度报告", "http://www.bjchy.gov.cn/zfxxgk/gknb/1.html")
    assert m.division == "110105"
    # a county's body named after its province only: the county of the host
    m = dv.match("陕西姜谭经济技术开发区管理委员会2023年政府信息公开工作年度报告",
                 "http://www.weibin.gov.cn/col15477/col15481/202401/t20240124_271462.html")
    assert m.division == "610302"
    # nothing to go by: no division, never a guess
    assert Divisions(load_registry()).match("教育部2024年政府信息公开工作年度报告",
                                            "http://www.moe.gov.cn/a.html").division == ""


def test_the_shipped_addresses_and_queries():
    rows, queries = read_addresses(), read_queries()
    assert rows and queries
    seqs = [int(q["seq"]) for q in queries]
    assert seqs == list(range(1, len(queries) + 1))
    known = set(seqs)
    reg = load_registry()
    for r in rows:
        assert urllib.parse.urlsplit(r["address"]).scheme in ("http", "https"), r
        assert r["kind"] in ("report", "column") and r["seen"] and r["source"], r
        assert r["kind"] != "report" or r["title"], r
        assert {int(q) for q in r["queries"].split()} <= known, r
        if r["division"]:
            assert r["division"] in reg and r["entry"] in reg, r
            assert r["level"] in ("省", "市", "县", "乡", "部门"), r
    # the saturation curve adds up: every government is new in exactly one query
    governments = {r["division"] for r in rows if r["division"]}
    assert sum(int(q["new_governments"]) for q in queries) == len(governments)
    assert sum(int(q["new_addresses"]) for q in queries) == len(rows)


def test_the_shipped_registry_holds_the_reach_of_the_addresses():
    """national.csv is the reach of report_addresses.csv: building it again changes nothing,
    and every address is accounted for by a column or a known report of its entry or, for a
    shared list, of the government above it."""
    shipped = parse_registry(NATIONAL_FILE.read_text("utf-8"), str(NATIONAL_FILE), "csv")
    rows = read_addresses()
    again, changes = build(shipped, rows, column_of, annual_root)
    assert changes["bodies_created"] == 0 and changes["entries_changed"] == 0
    for r in rows:
        if not r["division"]:
            continue
        p = shipped[r["entry"]]
        col = column_of(r["address"])
        col_url = col.url if col else r["address"] if r["kind"] == "column" else None
        chain, code = [], p.code
        while code in shipped and code not in chain:
            chain.append(code)
            code = shipped[code].parent
        where = [u for c in chain for u in shipped[c].column_urls]
        assert r["address"] in p.known_reports or (col_url and any(
            urllib.parse.urlsplit(col_url).path == urllib.parse.urlsplit(u).path for u in where)), r
        for u in p.column_urls + p.known_reports:  # crawlable: on the entry's domains
            assert p.on_domains(u), (p.code, u)
    assert any(u in p.source for p in shipped.values() for u in p.column_urls)


def _entry(code, agency, level, parent="", domains=(), **kw):
    return Portal(code=code, agency=agency, name=agency, level=level, parent=parent,
                  region_code=code[:6], domains=list(domains),
                  home_url=f"https://www.{domains[0]}/" if domains else "", **kw)


def _row(address, title, entry, division, level, seen="2026-12-05"):
    return {"address": address, "kind": "report", "title": title, "body": body_of(title),
            "level": level, "year": "2023", "division": division, "entry": entry, "seen": seen,
            "queries": "1", "source": "test"}


def test_reach_gives_each_entry_only_what_its_addresses_imply():
    reg = Registry({
        "990000": _entry("990000", "测试市", "市", domains=["city.gov.cn"]),
        "990100": _entry("990100", "测试县", "县", parent="990000", domains=["county.gov.cn"]),
        "990200": _entry("990200", "核实县", "县", parent="990000", domains=["verified.gov.cn"],
                         status="verified", column_urls=["https://verified.gov.cn/nb/"]),
    })
    rows = [
        # the county's own report: its column
        _row("https://www.county.gov.cn/xxgk/zfxxgknb/xzf/202401/t20240110_1.html",
             "测试县人民政府2023年政府信息公开工作年度报告", "990100", "990100", "县"),
        # two departments in one shared list: the list is the county's, the reports known
        _row("https://www.county.gov.cn/xxgk/zfxxgknb/bmnb/202401/t20240111_2.html",
             "测试县教育局2023年政府信息公开工作年度报告", "990100-djyj", "990100", "部门"),
        _row("https://www.county.gov.cn/xxgk/zfxxgknb/bmnb/202401/t20240112_3.html",
             "测试县民政局2023年政府信息公开工作年度报告", "990100-dmzj", "990100", "部门"),
        # a department's own site: its own column
        _row("https://czj.county.gov.cn/zwgk/ndbg/202401/t20240113_4.html",
             "测试县财政局2023年政府信息公开工作年度报告", "990100-dczj", "990100", "部门"),
        # a township's report in the county's flat 年报 list: the county's list
        _row("https://www.county.gov.cn/xxgk/zfxxgknb/2023/art_5.html",
             "测试县城关镇2023年政府信息公开工作年度报告", "990100-tcgz", "990100", "乡"),
        # an address no rule reads: a known report
        _row("https://www.county.gov.cn/news/show-52660.html",
             "测试县水利局2023年政府信息公开工作年度报告", "990100-dslj", "990100", "部门"),
        # a verified entry is never changed
        _row("https://www.verified.gov.cn/other/202401/t20240101_9.html",
             "核实县2023年政府信息公开工作年度报告", "990200", "990200", "县"),
    ]
    out, changes = build(reg, rows, column_of, annual_root)
    county = out["990100"]
    assert county.column_urls == [
        "https://www.county.gov.cn/xxgk/zfxxgknb/xzf/",
        "https://www.county.gov.cn/xxgk/zfxxgknb/bmnb/",
        "https://www.county.gov.cn/xxgk/zfxxgknb/"]
    assert "t20240110_1.html (seen 2026-12-05" in county.source
    jyj, mzj = out["990100-djyj"], out["990100-dmzj"]
    assert (jyj.agency, jyj.level, jyj.parent, jyj.region_code) == ("测试县教育局", "部门", "990100", "990100")
    assert jyj.column_urls == [] and jyj.known_reports == [rows[1]["address"]]
    assert mzj.known_reports == [rows[2]["address"]]
    assert out["990100-dczj"].column_urls == ["https://czj.county.gov.cn/zwgk/ndbg/"]
    assert out["990100-dczj"].domains == ["county.gov.cn"] and not out["990100-dczj"].crawl_problems()
    assert out["990100-tcgz"].column_urls == [] and out["990100-tcgz"].known_reports
    assert out["990100-dslj"].known_reports == [rows[5]["address"]]
    assert out["990200"] == reg["990200"]
    assert changes["bodies_created"] == 5
    again, second = build(out, rows, column_of, annual_root)
    assert again == out and second == {"bodies_created": 0, "entries_changed": 0}


def test_an_address_named_as_a_column_is_the_column_itself():
    """A column its source names (a portal's menu, a crawler's configuration) is the entry's
    column as it is, never a known report; a report beside it still derives its own."""
    reg = Registry({"990100": _entry("990100", "测试县", "县", domains=["county.gov.cn"])})
    column = dict(_row("https://sjj.county.gov.cn/channel/list_41.html", "测试县审计局政府信息公开年报",
                       "990100-dsjj", "990100", "部门"), kind="column", year="")
    shared = dict(_row("https://www.county.gov.cn/zwgk/xxgknb/", "测试县人民政府政府信息公开年报",
                       "990100", "990100", "县"), kind="column", year="")
    report = _row("https://www.county.gov.cn/news/show-52660.html",
                  "测试县审计局2023年政府信息公开工作年度报告", "990100-dsjj", "990100", "部门")
    out, changes = build(reg, [column, shared, report], column_of, annual_root)
    sjj = out["990100-dsjj"]
    assert sjj.column_urls == ["https://sjj.county.gov.cn/channel/list_41.html"]
    assert sjj.known_reports == [report["address"]]
    assert "an address its source names as the 年报 column" in sjj.source
    assert out["990100"].column_urls == ["https://www.county.gov.cn/zwgk/xxgknb/"]
    assert out["990100"].known_reports == []
    assert not sjj.crawl_problems()


@pytest.mark.slow
def test_stats_and_plan_of_the_shipped_registry(tmp_path):
    import subprocess
    stats = subprocess.run(OGI + ["registry", "stats", "--json"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    s = json.loads(stats.stdout)
    assert s["governments_with_column"] > 0 and s["bodies_with_column"] > 0
    assert s["known_reports_only"] > 0 and s["home_page_only"] > 0
    assert set(s["by_level_reach"]) >= {"省", "市", "县", "部门", "乡"}
    plan = subprocess.run(OGI + ["crawl", "--all", "--plan", "--json"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert plan.returncode == 0, plan.stderr
    p = json.loads(plan.stdout)
    assert p["columns"] > 0 and p["year_viewers"] > 0 and p["known_reports"] > 0
    assert p["hours"] > 0 and p["hosts"] > 100 and p["busiest_hosts"]
    assert {v["kind"] for v in p["visits"]} == {"column", "year viewer", "known report"}
    assert not (tmp_path / "archive").exists()  # nothing fetched, nothing archived


def _reach_registry(path: pathlib.Path, base: str) -> pathlib.Path:
    from testbed import reach
    text = f"""portals:
  - code: "990100"
    agency: 测试县人民政府
    region_code: "990100"
    level: 县
    domains: [127.0.0.1]
    column_urls: ["{base}{reach.VIEWER}?area={reach.AREA}&fbtime={{year}}", "{base}{reach.SHARED_COLUMN}"]
    platform: hanweb
    source: test bed
  - code: "990100-djyj"
    agency: 测试县教育局
    region_code: "990100"
    level: 部门
    parent: "990100"
    domains: [127.0.0.1]
    known_reports: ["{base}{reach.DEPT_REPORT}", "{base}{reach.SHARED_DEPT_REPORT}"]
    source: test bed
"""
    path.write_text(text, "utf-8")
    return path


@pytest.mark.slow
def test_a_crawl_of_year_viewers_known_reports_and_a_shared_list(tmp_path):
    from testbed import reach, serve
    archive = tmp_path / "archive"
    with serve("reach") as base:
        reg = _reach_registry(tmp_path / "portals.yaml", base)
        plan = run_crawl("--all", "--registry", str(reg), "--plan", archive=archive)
        assert plan.returncode == 0, explain(plan)
        assert "year viewer" in plan.stdout and "known report" in plan.stdout
        assert not base.site.log and not archive.exists()  # the plan fetched nothing
        proc = run_crawl("--all", "--registry", str(reg), archive=archive)
        assert proc.returncode == 0, explain(proc)
    caps = {urllib.parse.urlsplit(c.url)._replace(scheme="", netloc="").geturl(): c
            for c in iter_captures(archive) if c.role == "report"}
    viewer = {reach.viewer_path(y) for y in reach.YEARS}
    assert set(caps) == viewer | {reach.DEPT_REPORT, reach.SHARED_DEPT_REPORT, reach.OTHER_DEPT_REPORT}
    # each report filed under the entry that owns it: the department's known reports under
    # the department (the county's spider left the shared list's one to it), the rest under
    # the county
    owner = {p: c.portal for p, c in caps.items()}
    assert owner[reach.DEPT_REPORT] == owner[reach.SHARED_DEPT_REPORT] == "990100-djyj"
    assert {owner[p] for p in viewer} == {"990100"} and owner[reach.OTHER_DEPT_REPORT] == "990100"
    run = json.loads(sorted((archive / "runs").glob("*.json"))[-1].read_text("utf-8"))
    # years without a report are no failures
    assert not [f for f in run["failures"] if reach.VIEWER in f["url"]], run["failures"]
    # the department's column, read off its report's breadcrumb, proposed for review
    props = json.loads((tmp_path / "portals.yaml.proposals.json").read_text("utf-8"))
    rec = props["proposals"]["990100-djyj"]
    assert rec["tools"] == ["crawl"]
    assert [urllib.parse.urlsplit(u).path for u in rec["fields"]["column_urls"]] == [reach.DEPT_COLUMN]
    assert rec["evidence"]["column_read_off"].endswith(reach.DEPT_REPORT)
    assert "政府信息公开年报" in rec["evidence"]["breadcrumb"]


@pytest.mark.slow
def test_columns_the_address_rules_derive_are_read_by_a_crawl(tmp_path):
    """From report addresses (VSB's, a channel CMS's, Hunan's, Shandong node sites') to the
    columns their rules derive, into a registry, to a crawl that reads each derived list and
    finds the report whose address nobody gave it."""
    from crawler.registry import write_registry
    from testbed import reach, serve
    archive = tmp_path / "archive"
    with serve("reach") as base:
        reg = Registry({
            code: Portal(code=code, agency=f"{name}人民政府", name=name, level="县",
                         region_code=code, domains=["127.0.0.1"], home_url=base + "/",
                         source="test bed")
            for code, name in (("990200", reach.SECOND), ("990300", reach.VSB_COUNTY))})
        rows = [_row(base + known, reach.derived_title(kind, False), "990200", "990200", "县")
                for kind, (known, _, _) in reach.DERIVED.items()]
        rows.append(_row(base + reach.VSB_REPORTS[1], reach.vsb_title(1), "990300", "990300", "县"))
        out, _ = build(reg, rows, column_of, annual_root)
        assert out["990200"].column_urls == [base + listing for _, listing, _ in reach.DERIVED.values()]
        assert out["990300"].column_urls == [
            f"{base}{reach.VSB_LIST}?urltype=tree.TreeTempUrl&wbtreeid={reach.VSB_TREE}"]
        assert out["990300"].platform == "vsb" and not out["990200"].known_reports
        write_registry(out, tmp_path / "portals.csv")
        proc = run_crawl("--all", "--registry", str(tmp_path / "portals.csv"), archive=archive)
        assert proc.returncode == 0, explain(proc)
    caps = {urllib.parse.urlsplit(c.url)._replace(scheme="", netloc="").geturl(): c.portal
            for c in iter_captures(archive) if c.role == "report"}
    expected = {p: "990200" for known, _, other in reach.DERIVED.values() for p in (known, other)}
    expected.update({p: "990300" for p in reach.VSB_REPORTS.values()})
    assert caps == expected
