"""A synthetic archive at any scale, written through the normal load path (benchmarks, demos).

    python -m testbed.synthetic_archive --db bench.db --reports 100000 [--seed 1] [--jobs 2]

Agencies sit under real GB/T 2260 province codes (regions.PROVINCES) with generated but
well-formed city (PPCC00) and county (PPCCNN) codes and plausible names; every agency reports
for 2019-2025 in the format of its year (2019 trial format for 2019/2020, 2021 after). Values
are drawn with the shape of the real corpus (../shared/corpus/truth): most cells 0, a few
heavy-tailed counts (administrative penalties in the millions, fees in 万元 with decimals),
table 三 balanced per column, and the checks evaluated by parsers.checks on the values exactly
as a parse would. A fixed share of reports breaks one rule (fail), prints a blank or a dash
(undecidable), or is missing for an agency-year altogether.

Each report is a dict shaped like parsers.parse.build_result output and goes through
crawler.db.load (load_parsed, or load_many for batches): no WARC and no parser, so the
figures measure the database, not the readers. Nothing here is used by the crawl or build.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Iterator

from parsers import checks as checks_module
from parsers import formats

from crawler.db import regions

from . import synthetic_prose

YEARS = tuple(range(2019, 2026))
PARSER_VERSION = "synthetic-1"

# Shares of generated reports (of those that exist) and of missing agency-years.
P_MISSING = 0.06      # an agency-year without a report (coverage shows it as missing)
P_FAIL = 0.04         # one printed total off: an error rule fails
P_BLANK = 0.03        # a blank / dash cell: the rules over it are undecidable
P_WIDE_FORMAT = 0.02  # a 2021+ report still printed in the 2019 trial format

_SYL = ("安", "宁", "平", "昌", "丰", "阳", "城", "山", "江", "河", "湖", "东", "西", "南", "北",
        "兴", "华", "清", "泉", "台", "林", "石", "龙", "凤", "新", "永", "德", "福", "庆", "明",
        "长", "云", "溪", "武", "文", "和", "嘉", "海", "沙", "桥", "水", "梅", "松", "金", "宝")
DEPARTMENTS = (
    "人民政府", "人民政府办公室", "发展和改革委员会", "教育局", "公安局", "民政局", "司法局",
    "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
    "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会",
    "应急管理局", "市场监督管理局", "统计局", "医疗保障局", "城市管理局", "税务局",
)
PROVINCE_DEPARTMENTS = tuple(d.replace("局", "厅") if d.endswith("局") else d for d in DEPARTMENTS)


def _name(rng: random.Random, n: int = 2) -> str:
    return "".join(rng.choice(_SYL) for _ in range(n))


def agencies(n_agencies: int, seed: int = 1) -> list[dict]:
    """`n_agencies` agencies: name, region code, province, city, county and level.

    Each region (province, city, county) has its people's government and departments, so
    counties dominate as in reality (about 2,800 counties to 330 cities and 31 provinces).
    """
    rng = random.Random(seed)
    provinces = [(c, n) for c, n in regions.PROVINCES.items() if c not in ("71", "81", "82")]
    out: list[dict] = []
    seen: set[str] = set()

    def add(name, code, province, city, county, level):
        key = f"{code}/{name}"
        if key not in seen and len(out) < n_agencies:
            seen.add(key)
            out.append({"name": name, "region_code": code, "province": province,
                        "city": city, "county": county, "level": level})

    # Round-robin over provinces so that a small archive still spans the country.
    city_no = {p: 0 for p, _ in provinces}
    counties: dict[str, list] = {p: [] for p, _ in provinces}
    while len(out) < n_agencies:
        for pcode, pname in provinces:
            if len(out) >= n_agencies:
                break
            if city_no[pcode] == 0:
                depts = DEPARTMENTS if pcode in regions.MUNICIPALITIES else PROVINCE_DEPARTMENTS
                for dept in depts[: rng.randint(3, 8)]:
                    add(pname + dept, pcode + "0000", pname, None, None, "省级")
            city_no[pcode] += 1
            cc = city_no[pcode]
            if cc > 99:  # every city code used: townships and more departments under its counties
                if counties[pcode]:
                    n = cc - 100
                    county, code, city = counties[pcode][n % len(counties[pcode])]
                    extra = n // len(counties[pcode])
                    for _ in range(rng.randint(2, 6)):
                        town = _name(rng) + rng.choice(("镇", "乡", "街道"))
                        add(town + ("办事处" if town.endswith("街道") else "人民政府"), code, pname,
                            city, county, "乡级")
                    dept = DEPARTMENTS[(5 + extra) % len(DEPARTMENTS)]
                    add(county + dept, code, pname, city, county, "县级")
                continue
            municipality = pcode in regions.MUNICIPALITIES
            city = pname if municipality else _name(rng) + "市"
            ccode = f"{pcode}{cc:02d}00"
            if not municipality:
                for dept in DEPARTMENTS[: rng.randint(2, 10)]:
                    add(city + dept, ccode, pname, city, None, "市级")
            for k in range(1, rng.randint(4, 12)):
                county = _name(rng) + ("区" if municipality or rng.random() < 0.3 else "县")
                code = f"{pcode}{cc:02d}{k:02d}"
                counties[pcode].append((county, code, city if not municipality else None))
                for dept in DEPARTMENTS[: rng.choice((1, 1, 2, 3, 5))]:
                    add(county + dept, code, pname, city if not municipality else None, county, "县级")
    return out


# ---------------------------------------------------------------- values

def _count(rng: random.Random, p_zero: float, median: float, sigma: float = 1.2) -> int:
    """0 with probability p_zero, else a lognormal count (heavy right tail) of at least 1."""
    if rng.random() < p_zero:
        return 0
    return max(1, int(round(math.exp(math.log(median) + sigma * rng.gauss(0, 1)))))


def _split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """`total` split over len(weights) cells (multinomial): integers that sum to `total`."""
    out = [0] * len(weights)
    if total <= 0:
        return out
    if total > 200:  # proportional with jitter, remainder to the largest weight
        w = [x * rng.uniform(0.5, 1.5) for x in weights]
        s = sum(w)
        out = [int(total * x / s) for x in w]
        out[max(range(len(w)), key=lambda i: w[i])] += total - sum(out)
        return out
    cum, acc = [], 0.0
    for x in weights:
        acc += x
        cum.append(acc)
    for _ in range(total):
        r = rng.random() * acc
        i = 0
        while cum[i] < r:
            i += 1
        out[i] += 1
    return out


# Relative frequency of each result leaf in the real corpus (disclosed and not-held dominate).
LEAF_WEIGHTS = {
    "result.disclosed": 40, "result.partial": 10, "result.withheld.state_secret": 0.3,
    "result.withheld.law_prohibited": 0.3, "result.withheld.three_safety": 0.3,
    "result.withheld.third_party": 0.8, "result.withheld.internal_affairs": 0.8,
    "result.withheld.process_info": 1.0, "result.withheld.enforcement_file": 0.5,
    "result.withheld.admin_query": 1.5, "result.unavailable.not_held": 25,
    "result.unavailable.needs_creation": 3, "result.unavailable.unclear": 2,
    "result.not_processed.petition": 4, "result.not_processed.duplicate": 1.5,
    "result.not_processed.publication": 0.3, "result.not_processed.excessive": 0.5,
    "result.not_processed.reconfirm": 0.5, "result.other.no_correction": 2,
    "result.other.unpaid_fee": 0.1, "result.other.other": 3, "result.other.subtotal": 5,
}
APPLICANT_WEIGHTS = {"natural_person": 90, "commercial": 5, "research": 0.3, "nonprofit": 0.3,
                     "legal_service": 2, "other_org": 2}
SCALE = {"省级": 6.0, "市级": 3.0, "县级": 1.0}


def t2_values(rng: random.Random, fmt: formats.Format, scale: float, government: bool,
              previous: dict | None = None) -> dict:
    """Table 二; documents in force follow last year's count plus issued minus repealed,
    except after an occasional clean-up (as the cross-year rule's doc says)."""
    v: dict = {}
    big = scale * (8 if government else 1)
    for f in fmt.fields:
        if f.table != "t2":
            continue
        r, c = f.row_key, f.column_key
        if r in ("licensing", "punishment", "coercion", "other_services") and c == "decisions":
            med = {"licensing": 300, "punishment": 150, "coercion": 10, "other_services": 50}[r]
            v[f.id] = _count(rng, 0.35, med * big, 1.6)
        elif c == "amount":
            v[f.id] = 0 if rng.random() < 0.55 else round(math.exp(math.log(50 * big) + 1.5 * rng.gauss(0, 1)), 2)
        elif c in ("prev_items", "projects"):
            v[f.id] = _count(rng, 0.5, 20 * scale, 1.0)
        elif c == "change":
            v[f.id] = 0 if rng.random() < 0.7 else rng.randint(-5, 8)
        elif c in ("issued", "made", "published", "repealed"):
            v[f.id] = _count(rng, 0.7 if r == "regulations" else 0.5, 3 * scale, 0.9)
        elif c in ("in_force", "total_public"):
            v[f.id] = _count(rng, 0.6 if r == "regulations" else 0.3, 15 * scale, 1.0)
        else:  # a column a later format adds: a small count
            v[f.id] = _count(rng, 0.6, 2, 1.0)
    for row in ("regulations", "normative_docs"):
        prev = (previous or {}).get(f"t2.{row}.in_force")
        if f"t2.{row}.in_force" in v and prev is not None and rng.random() > 0.05:
            v[f"t2.{row}.repealed"] = min(v[f"t2.{row}.repealed"], prev)
            v[f"t2.{row}.in_force"] = prev + v[f"t2.{row}.issued"] - v[f"t2.{row}.repealed"]
    return v


def t3_values(rng: random.Random, fmt: formats.Format, scale: float, government: bool,
              carried_over: dict | None) -> dict:
    """Table 三 with every rule holding: row totals, result totals and the balance per column."""
    cols = [c.key for c in fmt.t3_columns if c.key != "total"]
    leaves = [r.key for r in fmt.t3_rows if r.result_leaf]
    v: dict = {}
    new_total = _count(rng, 0.25, 12 * scale * (3 if government else 1), 1.4)
    new = _split(rng, new_total, [APPLICANT_WEIGHTS[c] for c in cols])
    prev = [int((carried_over or {}).get(c, 0) or 0) for c in cols]
    for i, c in enumerate(cols):
        handled = new[i] + prev[i]
        forward = _split(rng, handled, [0.92, 0.08])[1] if handled else 0
        concluded = handled - forward
        split = _split(rng, concluded, [LEAF_WEIGHTS.get(k, 1) for k in leaves])
        v[f"t3.new.{c}"] = new[i]
        v[f"t3.carried_over.{c}"] = prev[i]
        v[f"t3.carried_forward.{c}"] = forward
        v[f"t3.result.total.{c}"] = concluded
        for k, n in zip(leaves, split):
            v[f"t3.{k}.{c}"] = n
    for r in fmt.t3_rows:
        v[f"t3.{r.key}.total"] = sum(v[f"t3.{r.key}.{c}"] for c in cols)
    return v


def t4_values(rng: random.Random, fmt: formats.Format, scale: float, government: bool) -> dict:
    v: dict = {}
    for b in fmt.t4_blocks:
        total = _count(rng, 0.6, (2 if b.key == "review" else 1) * scale * (3 if government else 1), 1.1)
        parts = _split(rng, total, [6, 1, 2, 1])
        for c, n in zip(("upheld", "corrected", "other", "pending"), parts):
            v[f"t4.{b.key}.{c}"] = n
        v[f"t4.{b.key}.total"] = total
    return v


def _raw(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def report(agency: dict, year: int, rng: random.Random, carried_over: dict | None = None,
           outcome: str = "pass", fmt_version: str | None = None, previous: dict | None = None) -> dict:
    """One report as parsers.parse.build_result would return it. `outcome`: pass | fail | blank."""
    version = fmt_version or ("2019" if year < 2021 else "2021")
    fmt = formats.get(version)
    scale = SCALE.get(agency["level"], 1.0)
    government = agency["name"].endswith("人民政府")
    values: dict = {}
    values.update(t2_values(rng, fmt, scale, government, previous))
    values.update(t3_values(rng, fmt, scale, government, carried_over))
    values.update(t4_values(rng, fmt, scale, government))
    ids = fmt.field_ids
    values = {fid: values.get(fid, 0) for fid in ids}
    raw = {fid: _raw(values[fid]) for fid in ids}
    flags: dict = {fid: ["zero"] for fid in ids if values[fid] == 0}
    warnings: list[str] = []
    if outcome == "fail":  # a printed total off by a few: the kind of typo the rules catch
        fid = rng.choice(["t3.result.total.total", "t3.new.total", "t4.review.total",
                          "t3.result.disclosed.total"])
        values[fid] = int(values[fid]) + rng.choice((1, 2, 3, 10, -1))
        if values[fid] < 0:
            values[fid] = int(values[fid]) + 20
        raw[fid] = _raw(values[fid])
        flags.pop(fid, None)
    elif outcome == "blank":  # a dash or an empty cell where a number belongs
        for fid in rng.sample([f for f in ids if f.startswith("t3.")], rng.randint(1, 4)):
            values[fid] = None
            raw[fid] = rng.choice(("", "—", "/"))
            flags[fid] = ["blank"] if raw[fid] == "" else ["na_marker"]
    result_checks = checks_module.evaluate(version, values, version)
    prov = {}
    for n, fid in enumerate(ids):
        t = {"t2": 0, "t3": 1, "t4": 2}[fid[:2]]
        prov[fid] = {"table": t, "page": None, "row": n, "col": 1, "label": formats.all_fields()[fid].row_label}
    name = agency["name"]
    title = f"{name}{year}年政府信息公开工作年度报告"
    sections = (synthetic_prose.sections(name, year, rng) if synthetic_prose.available()
                else prose(name, year, values, rng))
    sha = hashlib.sha256(title.encode() + json.dumps(values, sort_keys=True).encode()
                         + "".join(sections.values()).encode()).hexdigest()
    return {
        "document": f"synthetic/{agency['region_code']}/{year}/{sha[:12]}.html",
        "sha256": sha,
        "kind": "html",
        "document_kind": "annual_report",
        "title": title,
        "agency": name,
        "year": year,
        "published": f"{year + 1}-01-{rng.randint(5, 31):02d}",
        "format": version,
        "t2_version": version,
        "t3_version": version,
        "scope": "unknown",
        "values": values,
        "raw": raw,
        "provenance": prov,
        "flags": flags,
        "absent": [],
        "checks": result_checks,
        "text_checks": [],
        "extras": [],
        "sections": sections,
        "pages": None,
        "warnings": warnings,
        "parser_version": PARSER_VERSION,
    }


# Prose: sentences of the kind every report's six sections carry, drawn per report so that the
# full-text index at national scale is measured on text of realistic length and variety (the
# corpus's full reports carry ~2,000-7,000 characters; these come to ~1,050-1,550, 3-4.5 KB).
_S1 = (
    "{y}年，{n}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，",
    "围绕中心工作和群众关切，持续深化决策、执行、管理、服务、结果公开，不断提升政务公开标准化规范化水平。",
    "全年通过政府网站主动公开政府信息{a}条，其中政策文件{b}条，发布政策解读材料{c}篇，回应社会关切{d}次。",
    "全年新收政府信息公开申请{new}件，上年结转{old}件，办结{done}件，其中予以公开{pub}件，结转下年度继续办理{fwd}件。",
    "进一步加强政府信息管理，严格落实公开属性源头认定和保密审查机制，对拟公开的政府信息依法依规做好审查，全年未发生失泄密事件。",
    "持续加强政府网站、政务新媒体等平台建设，优化栏目设置，规范信息发布流程，提升平台集约化水平，切实发挥政务公开第一平台作用。",
    "注重发挥新闻发布会、政策吹风会、在线访谈等渠道作用，全年举办新闻发布会{e}场，开展政府开放日活动{f}次，邀请群众代表参与决策过程。",
    "加强监督保障，将政务公开工作纳入年度绩效考核，组织开展业务培训{g}次，培训人员{h}人次，工作人员依法公开意识和业务能力进一步增强。",
)
_S2 = ("主动公开方面，围绕重大决策部署、重点领域信息、财政预决算、行政执法等内容及时发布信息，",
       "全年制发规范性文件{b}件，废止{c}件，行政许可处理决定{d}件，行政处罚决定{e}件，行政事业性收费{f}万元，",
       "各类信息均在规定时限内公开，并同步做好政策解读和舆情回应工作。")
_S3 = ("依申请公开方面，严格按照法定程序受理、办理政府信息公开申请，做到依法答复、规范答复。",
       "对申请内容不明确的，及时告知申请人补正；对涉及第三方权益的，依法征求第三方意见。",
       "全年未发生因依申请公开答复不规范引发的负面舆情。")
_S4 = ("全年因政府信息公开被申请行政复议{r}件，被提起行政诉讼{l}件，",
       "对复议和诉讼中暴露的问题逐项整改，进一步规范了答复文书格式和送达程序。")
_S5 = ("（一）存在问题：一是部分政府信息公开不够及时，个别栏目更新频率不高；二是政策解读形式较为单一，图解、视频等解读方式运用不够；三是工作人员业务能力有待进一步提升。",
       "（二）改进措施：一是健全信息发布协调机制，压实各科室信息报送责任，确保信息发布及时准确；二是丰富政策解读形式，提高解读材料的可读性和传播力；三是加强业务培训和工作交流，提升队伍专业化水平。",
       "下一步，将继续加大政务公开工作力度，推动政务公开工作向基层延伸，更好地保障人民群众的知情权、参与权、表达权和监督权。")
_S6 = ("{y}年，本机关未收取信息处理费，无其他需要报告的事项。",
       "按照国务院办公厅关于政府信息公开工作年度报告格式的要求，本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
       "本报告电子版可在{n}门户网站政府信息公开专栏查阅和下载，如对本报告有任何疑问，请与本机关政务公开工作机构联系。")


def prose(name: str, year: int, values: dict, rng: random.Random) -> dict:
    """The six sections of a report's text (s1 … s6), numbers taken from its tables."""
    v = lambda fid: values.get(fid) or 0  # noqa: E731
    nums = {"y": year, "n": name, "new": v("t3.new.total"), "old": v("t3.carried_over.total"),
            "done": v("t3.result.total.total"), "pub": v("t3.result.disclosed.total"),
            "fwd": v("t3.carried_forward.total"), "r": v("t4.review.total"),
            "l": v("t4.suit_direct.total"), **{k: rng.randint(3, 3000) for k in "abcdefgh"}}

    def pick(pool, k_min):
        chosen = [s for s in pool if rng.random() < 0.85] or list(pool[:k_min])
        return "".join(s.format(**nums) for s in chosen)

    return {
        "s1": "一、总体情况\n" + pick(_S1, 3) + pick(_S1[4:], 1),
        "s2": "二、主动公开政府信息情况\n" + pick(_S2, 2),
        "s3": "三、收到和处理政府信息公开申请情况\n" + pick(_S3, 2),
        "s4": "四、政府信息公开行政复议、行政诉讼情况\n" + pick(_S4, 1),
        "s5": "五、存在的主要问题及改进情况\n" + pick(_S5, 2),
        "s6": "六、其他需要报告的事项\n" + pick(_S6, 1),
    }


def capture_for(agency: dict, year: int, result: dict) -> dict:
    slug = hashlib.sha1(agency["name"].encode()).hexdigest()[:8]
    url = (f"https://www.{agency['region_code']}-{slug}.gov.cn/zwgk/zfxxgknb/"
           f"{year + 1}01/t{year + 1}0115_{result['sha256'][:6]}.html")
    return {"url": url, "final_url": url, "status": 200,
            "fetched_at": f"{year + 1}-03-01T00:00:00+00:00", "sha256": result["sha256"],
            "size": 20000 + int(result["sha256"][:3], 16), "content_type": "text/html; charset=utf-8",
            "encoding": "utf-8", "warc_file": None, "offset": None, "run_id": "synthetic",
            "role": "report", "title": result["title"], "agency": agency["name"],
            "region_code": agency["region_code"], "portal": None, "referer": None, "revisit": False}


def agency_reports(i: int, ag: dict, seed: int) -> list[tuple[dict, dict]]:
    """(parse result, capture) of every report of agency number `i`, years in order (so
    carried-over counts follow last year's carried-forward, as the cross checks want)."""
    rng = random.Random(f"{seed}/{i}")
    forward = previous = None
    out = []
    for year in YEARS:
        if rng.random() < P_MISSING and i % 7 != 0:  # every 7th agency is complete
            forward = previous = None
            continue
        roll = rng.random()
        outcome = "fail" if roll < P_FAIL else "blank" if roll < P_FAIL + P_BLANK else "pass"
        version = "2019" if (year >= 2021 and rng.random() < P_WIDE_FORMAT) else None
        res = report(ag, year, rng, forward, outcome, version, previous)
        previous = res["values"]
        forward = {k.rsplit(".", 1)[1]: v for k, v in res["values"].items()
                   if k.startswith("t3.carried_forward.")}
        out.append((res, capture_for(ag, year, res)))
    return out


_POOL_AGENCIES: list = []


def _pool_init(ags: list) -> None:
    _POOL_AGENCIES[:] = ags


def _pool_chunk(args: tuple[int, int, int]) -> list:
    lo, hi, seed = args
    return [(i, agency_reports(i, _POOL_AGENCIES[i], seed)) for i in range(lo, hi)]


def generate(n_reports: int, seed: int = 1, jobs: int = 1) -> Iterator[tuple[dict, dict, dict]]:
    """(agency, parse result, capture) for about `n_reports` reports, agency by agency, years in
    order. With jobs > 1 the reports are drawn in worker processes (the same reports, in the
    same order: each agency has its own random stream)."""
    per_agency = len(YEARS) * (1 - P_MISSING)
    # a margin of agencies: the missing years are drawn, so ceil(n / per_agency) agencies may
    # hold fewer than n reports (the list is the same whatever its length, in the same order)
    ags = agencies(max(1, math.ceil(n_reports / per_agency * 1.05) + 10), seed)
    made = 0
    if jobs <= 1:
        chunks: Iterator = ([(i, agency_reports(i, ag, seed))] for i, ag in enumerate(ags))
        pool = None
    else:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(jobs - 1, _pool_init, (ags,))
        chunks = _bounded(pool, [(lo, min(lo + 20, len(ags)), seed) for lo in range(0, len(ags), 20)],
                          ahead=4 * (jobs - 1))
    try:
        for chunk in chunks:
            for i, reports in chunk:
                for res, cap in reports:
                    if made >= n_reports:
                        return
                    made += 1
                    yield ags[i], res, cap
    finally:
        if pool is not None:
            pool.terminate()


def _bounded(pool, tasks: list, ahead: int) -> Iterator:
    """pool.imap in order, with at most `ahead` chunks drawn and not yet loaded (imap alone
    runs ahead without bound: at national scale the drawn reports would fill the memory)."""
    from collections import deque

    pending: deque = deque()
    todo = iter(tasks)
    for task in todo:
        pending.append(pool.apply_async(_pool_chunk, (task,)))
        if len(pending) >= ahead:
            break
    while pending:
        chunk = pending.popleft().get()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(pool.apply_async(_pool_chunk, (nxt,)))
        yield chunk


def write(db_path: Path | str, n_reports: int, *, seed: int = 1, batch: int = 500,
          derived: bool = True, progress: bool = False, jobs: int = 1) -> dict:
    """Generate `n_reports` reports into `db_path` through crawler.db.load; returns figures."""
    from crawler.db import build as build_module
    from crawler.db import load

    db = build_module.open_db(db_path)
    t0 = time.perf_counter()
    n = values = chars = 0
    outcomes = {"pass": 0, "fail": 0, "undecidable": 0}
    buf: list[tuple[dict, dict]] = []
    build_module.load_fields(db)

    extras: dict = {}
    for ag, res, cap in generate(n_reports, seed, jobs):
        extras[(ag["name"], ag["region_code"])] = ag
        buf.append((res, cap))
        n += 1
        values += len(res["values"])
        chars += sum(len(t) for t in res["sections"].values())
        failed = [c for c in res["checks"] if c["ok"] is False]
        if failed:
            outcomes["fail"] += 1
        elif any(c["ok"] is None for c in res["checks"]):
            outcomes["undecidable"] += 1
        else:
            outcomes["pass"] += 1
        if len(buf) >= batch:
            load.load_many(db, buf, agencies=extras)
            buf.clear()
            extras = {}
            if progress and n % (batch * 20) == 0:
                print(f"  {n} reports, {n / (time.perf_counter() - t0):.0f}/s", file=sys.stderr)
    if buf:
        load.load_many(db, buf, agencies=extras)
    t_load = time.perf_counter() - t0
    if derived:
        build_module.rebuild_after_load(db)
    t_all = time.perf_counter() - t0
    db.close()
    return {"reports": n, "values": values, "section_chars_per_report": round(chars / max(1, n)),
            "outcomes": outcomes, "load_seconds": round(t_load, 2),
            "total_seconds": round(t_all, 2),
            "prose": ("corpus: " + ", ".join(s.name for s in synthetic_prose.model().sources)
                      if synthetic_prose.available() else
                      "templates (no corpus: set OGI_SHARED for texts drawn from real reports)")}


def derive(db_path: Path | str) -> dict:
    """The derived step of a build on an archive loaded with derived=False."""
    from crawler.db import build as build_module

    t0 = time.perf_counter()
    db = build_module.open_db(db_path)
    t_open = time.perf_counter() - t0  # migrations the archive did not have yet
    build_module.rebuild_after_load(db)
    n = db.execute("select count(*) from reports").fetchone()[0]
    db.close()
    t = time.perf_counter() - t0
    return {"reports": n, "load_seconds": 0, "open_seconds": round(t_open, 2),
            "total_seconds": round(t, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m testbed.synthetic_archive", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, type=Path, help="archive.db to create or extend")
    ap.add_argument("--reports", type=int, default=1000, help="number of reports (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=500, help="reports per transaction")
    ap.add_argument("--no-derived", action="store_true",
                    help="skip cross-year checks, check status, totals and facet counts (the search index is kept as reports load)")
    ap.add_argument("--derive-only", action="store_true",
                    help="only the derived step, on an archive loaded with --no-derived")
    ap.add_argument("--jobs", type=int, default=1,
                    help="processes: with 2, reports are drawn in a second process while the "
                         "first loads them (the same archive)")
    args = ap.parse_args(argv)
    if args.derive_only:
        summary = derive(args.db)
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    summary = write(args.db, args.reports, seed=args.seed, batch=args.batch,
                    derived=not args.no_derived, progress=True, jobs=args.jobs)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
