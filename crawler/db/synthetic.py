"""A synthetic archive at any scale, written through the normal load path (benchmarks, demos).

    python -m crawler.db.synthetic --db bench.db --reports 100000 [--seed 1] [--jobs 2]

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

from . import regions

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
            if cc > 99:
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
    body = (f"{title}\n一、总体情况\n{year}年，{name}认真贯彻落实《中华人民共和国政府信息公开条例》，"
            f"全年新收政府信息公开申请{values.get('t3.new.total') or 0}件。\n")
    sha = hashlib.sha256(body.encode() + json.dumps(values, sort_keys=True).encode()).hexdigest()
    s1 = body.split("\n", 1)[1].strip()
    sections = {"s1": s1, "s5": f"五、存在的主要问题及改进情况\n{year}年{name}政务公开工作仍存在一些不足。"}
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


def generate(n_reports: int, seed: int = 1) -> Iterator[tuple[dict, dict, dict]]:
    """(agency, parse result, capture) for about `n_reports` reports, agency by agency, years in
    order (so carried-over counts follow last year's carried-forward, as the cross checks want)."""
    per_agency = len(YEARS) * (1 - P_MISSING)
    ags = agencies(max(1, math.ceil(n_reports / per_agency)), seed)
    made = 0
    for i, ag in enumerate(ags):
        rng = random.Random(f"{seed}/{i}")
        forward = previous = None
        for year in YEARS:
            if made >= n_reports:
                return
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
            made += 1
            yield ag, res, capture_for(ag, year, res)


def write(db_path: Path | str, n_reports: int, *, seed: int = 1, batch: int = 500,
          derived: bool = True, progress: bool = False) -> dict:
    """Generate `n_reports` reports into `db_path` through crawler.db.load; returns figures."""
    from . import build as build_module
    from . import load

    db = build_module.open_db(db_path)
    t0 = time.perf_counter()
    n = values = 0
    outcomes = {"pass": 0, "fail": 0, "undecidable": 0}
    buf: list[tuple[dict, dict]] = []
    build_module.load_fields(db)

    extras: dict = {}
    for ag, res, cap in generate(n_reports, seed):
        extras[(ag["name"], ag["region_code"])] = ag
        buf.append((res, cap))
        n += 1
        values += len(res["values"])
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
    return {"reports": n, "values": values, "outcomes": outcomes, "load_seconds": round(t_load, 2),
            "total_seconds": round(t_all, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.db.synthetic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, type=Path, help="archive.db to create or extend")
    ap.add_argument("--reports", type=int, default=1000, help="number of reports (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=500, help="reports per transaction")
    ap.add_argument("--no-derived", action="store_true",
                    help="skip cross-year checks, check status and the search index")
    args = ap.parse_args(argv)
    summary = write(args.db, args.reports, seed=args.seed, batch=args.batch,
                    derived=not args.no_derived, progress=True)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
