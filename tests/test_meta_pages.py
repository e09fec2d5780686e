"""Recognition and metadata of real report pages and their converted copies
(item 5: traditional characters, Taiwan vocabulary, inline pinyin, ISO-8859-1-declared GBK).

* Generated report pages (tests/synthetic/page.py): real county names, both formats, 2019–2025,
  with navigation bars, breadcrumbs, side bars naming other reports, footers, CMS meta tags, tool
  bars and mirror-site advertising in many combinations; the title in a heading, in
  <meta name="ArticleTitle">, only in <title>, or nowhere: title, agency, year and publication
  date must be exactly those the page prints (None where it prints none).
* The 40 wild page texts (shared/corpus/wild): every one is an annual report, with the year and
  agency it prints (read from each text by hand; null where the excerpt prints none).
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter

import opencc
import pytest

from parsers import chinese, formats
from parsers.encoding import sniff
from parsers.parse import parse_bytes, parse_path
from tests.synthetic.page import page

from .conftest import CORPUS, ROOT, TRUTH, load_truth

SEED_PAGE = next((ROOT / "crawler" / "demo" / "sites" / "demo").rglob("t20250120_31245.html"))
WILD = CORPUS / "wild"
JUNK = re.compile(r"首页|当前位置|欢迎|登录|注册|浏览|点击|图片|[>›»,，!！:：|]|体育")

PAGE_SEEDS = range(400)


def test_report_page_with_furniture_gives_its_own_title_agency_year_and_date():
    """Every generated page (400 seeds) parses to its own title, agency, year and date; the
    failures are listed together, each with the page's description."""
    failures = []
    for seed in PAGE_SEEDS:
        p = page(seed)
        result = parse_bytes(p.data, name=f"page-{seed}.html", content_type=p.content_type)
        got = (result["document_kind"], result["title"], result["agency"], result["year"],
               result["published"])
        want = ("annual_report", p.title, p.agency, p.year, p.published)
        if got != want:
            failures.append(f"seed {seed}: got {got}, want {want}: {p.describe}")
        elif p.agency is None and not any("agency is not printed" in w for w in result["warnings"]):
            failures.append(f"seed {seed}: no warning that the agency is not printed: {p.describe}")
    assert not failures, f"{len(failures)} of {len(PAGE_SEEDS)} pages:\n" + "\n".join(failures[:20])


def test_the_generated_pages_cover_every_combination():
    seen = Counter()
    for seed in PAGE_SEEDS:
        d = page(seed).describe
        for key in ("version", "where", "date", "opening"):
            seen[(key, re.search(key + r"=(\S+)", d).group(1))] += 1
        for f in re.search(r"furniture=\[(.*)\]", d).group(1).replace("'", "").split(", "):
            seen[("furniture", f)] += 1
    for key, values in {"version": ["2021", "2019"], "opening": ["agency", "period"],
                        "where": ["h1", "div.title", "meta", "<title>", "none", "p.strong"],
                        "date": ["PubDate", "info", "info-time", "signature", "signature-cn", "none"],
                        "furniture": ["nav", "crumb", "sidebar", "footer", "casino", "tools", "sidebar_first",
                                      "nav_unclassed"]}.items():
        for v in values:
            assert seen[(key, v)] >= 5, (key, v, seen)


@pytest.mark.parametrize("nav", [
    '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a></div>',
    '<div><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a></div>',
    '<span><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a></span>',
    '<table><tr><td><a href="/">首页</a></td><td><a href="/zwgk/">政务公开</a></td>'
    '<td><a href="/zwfw/">政务服务</a></td></tr></table>',
])
@pytest.mark.parametrize("heading", ["<h1>{t}</h1>", '<div class="tit">{t}</div>', "<p><strong>{t}</strong></p>", "{t}"])
def test_a_navigation_bar_above_the_title_is_never_part_of_the_agency(nav, heading):
    """The county crawl that filed reports under 首页政务公开政务服务清河县人民政府: the navigation bar
    printed on the line above the heading was joined to it as a title broken over two lines."""
    title = "清河县人民政府2023年政府信息公开工作年度报告"
    markup = (f"<html><head><title>{title}</title></head><body>{nav}{heading.format(t=title)}"
              "<p>一、总体情况</p><p>2023年，我县主动公开政府信息1200条。</p></body></html>")
    result = parse_bytes(markup.encode("utf-8"), name="qinghe.html")
    assert (result["title"], result["agency"], result["year"]) == (title, "清河县人民政府", 2023)
    text = "首页 政务公开 政务服务\n" + title + "\n发布时间：2024-01-22\n一、总体情况\n"
    result = parse_bytes(text.encode("utf-8"), name="qinghe.txt")
    assert (result["title"], result["agency"], result["published"]) == (title, "清河县人民政府", "2024-01-22")


def test_a_title_broken_over_two_lines_is_still_joined():
    for text in ("淮安市洪泽区人民政府2023年政府信息公开工作\n年度报告\n一、总体情况\n",
                 "淮安市洪泽区人民政府\n2023年政府信息公开工作年度报告\n一、总体情况\n",
                 "淮安市洪泽区人民政府 2023\n年政府信息公开工作年度报告\n一、总体情况\n"):
        result = parse_bytes(text.encode("utf-8"), name="hz.txt")
        assert result["agency"] == "淮安市洪泽区人民政府" and result["year"] == 2023, text


def test_year_is_the_year_reported_on_never_the_publication_date():
    text = "一、总体情况\n本机关主动公开政府信息。\n发布日期：2021-01-20\n二、主动公开政府信息情况\n第二十条第(一)项\n" \
           "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | 0 | 0 | 0 |\n"
    result = parse_bytes(text.encode("utf-8"), name="noyear.txt")
    assert result["document_kind"] == "annual_report" and result["year"] is None
    assert any("year reported on is not printed" in w for w in result["warnings"])
    titled = "2020年度某某镇政府信息公开工作年度报告\n发布日期：2021-01-20\n" + text
    result = parse_bytes(titled.encode("utf-8"), name="y.txt")
    assert (result["year"], result["published"], result["agency"]) == (2020, "2021-01-20", "某某镇")


def test_signature_gives_agency_and_date_when_the_title_names_none():
    text = ("2023年政府信息公开工作年度报告\n一、总体情况\n2023年，我镇主动公开政府信息56条。\n"
            "二、主动公开政府信息情况\n六、其他需要报告的事项\n无。\n王官庄镇人民政府\n二〇二四年一月十八日\n")
    result = parse_bytes(text.encode("utf-8"), name="sig.txt")
    assert (result["agency"], result["year"], result["published"]) == ("王官庄镇人民政府", 2023, "2024-01-18")
    assert result["meta_sources"] == {"title": "text", "year": "title", "agency": "signature", "published": "signature"}


def test_pages_that_are_not_reports_stay_not_reports():
    for text in ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知\n各乡镇、各部门：\n现将有关事项通知如下。",
                 "示范县2023年政务公开工作要点\n一、总体要求\n",
                 "关于示范县2023年政府信息公开工作年度报告的更正说明\n我县年报表三数据有误，更正如下。"):
        result = parse_bytes(text.encode("utf-8"), name="n.txt")
        assert result["document_kind"] == "not_annual_report", text


# ----------------------------------------------------------------------------- the wild texts

# (year reported on, agency) as each excerpt prints them; None where it prints none.
WILD_PRINTED = {
    "beijingjie-jiedao-2020-mirror.txt": (None, None),
    "changchun-xinqu-guanweihui-2025.txt": (2025, "长春新区管委会"),
    "changchun-xinqu-scjg-fenju-2020.txt": (2020, None),  # 2020年本行政区域…发布总数量 (an extra row)
    "chaoyang-shuangta-qianjinjiedao-2020.txt": (2020, "双塔区前进街道"),
    "chongqing-ytz-zhen-2022.txt": (2022, None),  # 2022年未收到依申请公开政府信息申请
    "county-ju-2023-oldtemplate-mirror.txt": (2023, None),  # 2023年,我局未收到政府信息公开申请
    "dsz-jiguanshiwuju-2021.txt": (None, None),
    "guangming-waishiju-2024.txt": (None, None),
    "guangzhou-guoziwei-2020-trad-wiki.txt": (2020, "广州市国资委"),
    "haicheng-xisizhen-2025-flattened.txt": (2025, "海城市西四镇"),
    "huangpi-jiedao-2020-annotated.txt": (2020, None),  # 上一年项目数量 (指2019年事项数)
    "ju-2019fmt-droppedlabels-mirror.txt": (None, None),
    "laifeng-zhengwufuwu-2021.txt": (2021, "来凤县政务服务和大数据管理局"),  # 请与…联系 + 我局
    "lezhi-huilanzhen-2019-spaced.txt": (2019, "乐至县回澜镇人民政府"),
    "liwan-nanyuanjiedao-2020.txt": (2020, "广州市荔湾区人民政府南源街道办事处"),
    "lzq-jiaoyuju-2019.txt": (None, None),
    "ningdu-duifangxiang-2023.txt": (2023, "对坊乡"),
    "ningshan-meizizhen-2024.txt": (2024, "宁陕县梅子镇人民政府"),
    "pinghu-ju-2024.txt": (None, None),
    "pingjiang-shangtashizhen-2020-trad-pinyin-mirror.txt": (None, None),
    "pingwu-tongjiju-2021.txt": (None, None),
    "qianjinqu-jiaoyuju-2020.txt": (2020, "前进区教育局"),
    "qingchuan-xiangcunzhenxing-2021-mirror.txt": (None, None),
    "qu-ju-2021-trad-pinyin-mirror.txt": (None, None),
    "rongchang-hebaozhen-2020.txt": (2020, "河包镇"),
    "scjgj-2024-trad-mirror.txt": (None, None),
    "sjz-qiaoxi-zhongshanjiedao-2021.txt": (2021, "石家庄市桥西区中山街道办事处"),
    "taojiang-songmutangzhen-2022.txt": (2022, "桃江县松木塘镇人民政府"),  # the line under the title
    "tianjin-beichen-jiarongli-2021.txt": (2021, "佳荣里街"),
    "tianzhen-xinfangju-2021.txt": (2021, "信访局"),  # 现将信访局2021年度政府信息公开工作报告如下
    "unknown-zhen-2019-nourl.txt": (None, None),
    "xiangyang-tongjiju-2022.txt": (2022, "襄阳市统计局"),
    "xiongxian-xiang-2019.txt": (None, None),
    "xuwen-sifaju-noyear.txt": (None, None),
    "yananxiang-2021-mirror.txt": (2021, "鸭南乡"),
    "yizhou-liyuanjiedao-2020.txt": (2020, "伊州区丽园街道办事处"),
    "zhanjiang-kaifaqu-gongan-2021-mirror.txt": (2021, None),
    "zhanjiang-kaifaqu-ju-2024.txt": (None, None),
    "zhongjiang-ju-2022-mirror.txt": (None, None),
    "zibo-zhongbuzhen-2020.txt": (2020, "中埠镇人民政府"),
}
WILD_PUBLISHED = {
    "changchun-xinqu-guanweihui-2025.txt": "2026-02-03", "chaoyang-shuangta-qianjinjiedao-2020.txt": "2021-01-20",
    "haicheng-xisizhen-2025-flattened.txt": "2026-01-26", "lezhi-huilanzhen-2019-spaced.txt": "2020-01-31",
    "liwan-nanyuanjiedao-2020.txt": "2021-01-18", "ningshan-meizizhen-2024.txt": "2025-02-06",
    "qianjinqu-jiaoyuju-2020.txt": "2021-01-19", "rongchang-hebaozhen-2020.txt": "2021-01-29",
    "sjz-qiaoxi-zhongshanjiedao-2021.txt": "2022-01-30", "xiangyang-tongjiju-2022.txt": "2023-01-13",
    "yizhou-liyuanjiedao-2020.txt": "2021-02-20", "zibo-zhongbuzhen-2020.txt": "2021-01-30",
}


def _wild_index() -> dict[str, dict]:
    with (WILD / "INDEX.tsv").open(encoding="utf-8") as f:
        return {r["file"]: r for r in csv.DictReader(f, delimiter="\t")}


def test_every_wild_text_is_listed():
    assert sorted(WILD_PRINTED) == sorted(p.name for p in WILD.glob("*.txt")) == sorted(_wild_index())


@pytest.mark.parametrize("name", sorted(WILD_PRINTED))
def test_wild_text_is_an_annual_report_with_the_year_and_agency_it_prints(name):
    result = parse_path(WILD / name)
    year, agency = WILD_PRINTED[name]
    assert result["document_kind"] == "annual_report", result["warnings"]
    assert (result["year"], result["agency"]) == (year, agency)
    assert result["published"] == WILD_PUBLISHED.get(name)
    index = _wild_index()[name]
    if year is not None:  # what the text prints agrees with the corpus index
        assert str(year) == index["year_reported"]
        assert result["format"] == index["format"]
    if agency is None:
        assert any("agency is not printed" in w for w in result["warnings"])
    else:
        assert not JUNK.search(agency)
    if year is None:
        assert any("year reported on is not printed" in w for w in result["warnings"])


# ----------------------------------------------------------------------------- converted copies

def _format_words() -> set[str]:
    words: set[str] = set()
    for v in formats.VERSIONS:
        f = formats.get(v)
        words.update(f.t2_signature)
        for b in f.t2_blocks:
            words.add(b.caption)
            for c in b.columns:
                words.update([c.label, *c.match])
            for r in b.rows:
                words.update([r.label, *r.match, *r.exact])
        for r in (*f.t3_rows, *f.t4_blocks):
            words.update([r.label, *r.match, *r.exact])
        for c in f.t3_columns:
            words.update([c.label, *c.match])
    words.update(formats.TABLE_TITLES.values())
    words.update(["政府信息公开工作年度报告", "总体情况", "存在的主要问题及改进情况", "其他需要报告的事项"])
    return {w for w in words if w and re.search("[\u4e00-\u9fff]", w)}


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2twp", "s2hk"])
def test_every_label_of_the_format_survives_a_traditional_copy(config):
    """What OpenCC's conversions (with Taiwan phrases: 文件 -> 檔案, 信息 -> 資訊, 项目 -> 專案) do
    to the format's words is undone."""
    conv = opencc.OpenCC(config)
    wrong = {w: chinese.to_simplified(conv.convert(w)) for w in _format_words()
             if chinese.to_simplified(conv.convert(w)) != w}
    assert not wrong


PINYIN = {"數": "shù", "項": "xiàng", "動": "dòng", "請": "qǐng", "內": "nèi", "規": "guī", "業": "yè",
          "購": "gòu", "費": "fèi", "關": "guān", "機": "jī", "縣": "xiàn", "務": "wù", "處": "chù", "理": "lǐ"}


def _mirror_copy(markup: str, pinyin_every: int) -> str:
    """A mirror site's copy: Taiwan-style traditional characters and vocabulary, and a pinyin
    reading after some characters of the text (never inside tags)."""
    trad = opencc.OpenCC("s2twp").convert(markup)
    count = [0]

    def add(m: re.Match) -> str:
        def one(c: re.Match) -> str:
            count[0] += 1
            return f"{c.group(0)}({PINYIN[c.group(0)]})" if count[0] % pinyin_every == 0 else c.group(0)
        return re.sub("[" + "".join(PINYIN) + "]", one, m.group(0))
    return re.sub(r">[^<]+<", add, trad)


@pytest.fixture(scope="module")
def boai_truth() -> dict:
    return load_truth(TRUTH / "boai-2024.json")["values"]


@pytest.mark.parametrize("pinyin_every", [1, 2, 3])
def test_traditional_pinyin_mirror_copy_reads_like_the_original(boai_truth, pinyin_every):
    page_text = _mirror_copy(SEED_PAGE.read_text(encoding="utf-8"), pinyin_every)
    assert "檔案" in page_text and re.search(r"[數項]\((shù|xiàng)\)", page_text)
    result = parse_bytes(page_text.encode("utf-8"), name="mirror.html")
    wrong = {k: (v, result["values"].get(k)) for k, v in boai_truth.items() if result["values"].get(k) != v}
    assert not wrong
    assert (result["agency"], result["year"], result["format"]) == ("博爱县人民政府", 2024, "2021")
    assert not any(re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùü]+\)", v or "") for v in result["raw"].values())
    assert any("pinyin" in w for w in result["warnings"]) and any("traditional" in w for w in result["warnings"])


def test_pinyin_never_touches_a_number():
    assert chinese.strip_pinyin("行政許可(xǔ) | 12 (件) | 數(shù)量 3(a)") == "行政許可 | 12 (件) | 數量 3(a)"


def _gbk_page(declared: str | None) -> bytes:
    markup = SEED_PAGE.read_text(encoding="utf-8").replace('<meta charset="utf-8">', declared or "")
    return markup.encode("gbk")


def test_gbk_page_served_as_iso_8859_1_is_read_as_gbk(boai_truth):
    data = _gbk_page(None)
    for ct in ("text/html;charset=ISO-8859-1", "text/html; charset=iso-8859-1", "text/html; charset=windows-1252"):
        result = parse_bytes(data, name="report.jsp", content_type=ct)
        assert not {k for k, v in boai_truth.items() if result["values"].get(k) != v}, ct
        assert result["title"] == "博爱县人民政府2024年政府信息公开工作年度报告"
        assert any("declares iso-8859-1" in w and "gb18030" in w for w in result["warnings"]), ct
    assert sniff(data, "ISO-8859-1")[0] == "gb18030"
    # a page that really is Latin-1 keeps its declaration
    assert sniff("Café crème, naïve résumé".encode("latin-1"), "ISO-8859-1")[0] == "cp1252"


@pytest.mark.slow
def test_ogi_parse_reads_a_gbk_page_that_declares_iso_8859_1(tmp_path, boai_truth):
    p = tmp_path / "t20250120_31245.html"
    p.write_bytes(_gbk_page('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'))
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(p)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert not {k for k, v in boai_truth.items() if result["values"].get(k) != v}
    assert (result["agency"], result["year"]) == ("博爱县人民政府", 2024)
    assert any("declares iso-8859-1" in w for w in result["warnings"])


@pytest.mark.parametrize("headings,national", [
    ("二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况", True),
    ("二、行政机关主动公开政府信息情况\n四、因政府信息公开工作被申请行政复议提起行政诉讼情况", True),
    ("一、主动公开政府信息情况\n二、收到和处理政府信息公开申请情况\n三、政府信息公开行政复议、行政诉讼情况", True),
    # a pre-2019 report's headings are not the national tables
    ("二、主动公开政府信息情况\n三、依申请公开政府信息情况\n五、因政府信息公开申请行政复议、提起行政诉讼的情况", False),
    ("二、主动公开政府信息情况", False),
])
def test_national_table_headings_in_every_wording(headings, national):
    from parsers import meta

    assert meta.national_tables("一、总体情况\n" + headings + "\n") is national
    text = "一、总体情况\n本机关……\n" + headings + "\n"
    assert parse_bytes(text.encode("utf-8"), name="h.txt")["document_kind"] == (
        "annual_report" if national else "not_annual_report")
