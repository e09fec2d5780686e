"""Synthetic annual reports: consistent random numbers and a random layout, with the expected
parse (`values`, `raw`, `format`, `year`, `agency`) known for every field id.

The field ids, row/column labels and table structure come from parsers/formats/formats.yml (the
single source of truth); the numbers satisfy every in-document rule of its `checks` (a rule may be
undecidable when a cell is printed blank or with a marker, never false). The layout is drawn at
random per report: numbering styles, full-width digits, spaces inside labels, label variants,
blanks and markers, thousands separators, merged or flat header cells, group-label rows, title
wording. Renderers (html.py, docx.py, pdf.py, text.py) turn a `Report` into bytes.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from parsers import formats

FW_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
CN_NUM = "一二三四五六七八九十"

AGENCIES = [
    "博爱县人民政府", "上海市人民政府办公厅", "淮安市洪泽区人民政府", "平潭综合实验区管委会",
    "江苏省交通运输厅", "福州市鼓楼区人民政府", "河包镇人民政府", "重庆市渝北区教育委员会",
    "北京市朝阳区市场监督管理局", "广东省生态环境厅", "杭州市西湖区卫生健康局", "成都市武侯区人民政府",
    "国家税务总局某某市税务局", "长沙市自然资源和规划局", "吉林省民政厅",
]


# ----------------------------------------------------------------------------- tables

@dataclass
class TCell:
    """One printed cell (the origin of a merged cell). `kind`: head | label | value | blank."""

    text: str
    kind: str = "label"
    rowspan: int = 1
    colspan: int = 1
    fid: str | None = None  # the field a value cell prints


@dataclass
class Table:
    """A table as a matrix: `grid[r][c]` is a TCell origin, or None for a position covered by a
    merged cell. `header_rows`: rows a PDF repeats on a continuation page."""

    ncols: int
    grid: list[list[TCell | None]] = field(default_factory=list)
    header_rows: int = 0
    name: str = ""

    def add_row(self) -> int:
        self.grid.append([TCell("", "blank") for _ in range(self.ncols)])
        return len(self.grid) - 1

    def put(self, r: int, c: int, cell: TCell) -> None:
        while len(self.grid) < r + cell.rowspan:
            self.add_row()
        self.grid[r][c] = cell
        for rr in range(r, r + cell.rowspan):
            for cc in range(c, c + cell.colspan):
                if (rr, cc) != (r, c):
                    self.grid[rr][cc] = None

    def origin_of(self, r: int, c: int) -> tuple[int, int]:
        """The origin position of the merged cell covering (r, c)."""
        for rr in range(r, -1, -1):
            for cc in range(c, -1, -1):
                cell = self.grid[rr][cc]
                if cell is not None and rr + cell.rowspan > r and cc + cell.colspan > c:
                    return rr, cc
        raise ValueError((r, c))

    def text_matrix(self, fill: str = "blank") -> list[list[str]]:
        """Positions as text; covered positions are blank, or (fill="label") a copy of a label."""
        out = []
        for r, row in enumerate(self.grid):
            line = []
            for c, cell in enumerate(row):
                if cell is not None:
                    line.append(cell.text)
                    continue
                orr, oc = self.origin_of(r, c)
                origin = self.grid[orr][oc]
                line.append(origin.text if fill == "label" and origin.kind in ("label", "head") else "")
            out.append(line)
        return out


@dataclass
class Block:
    kind: str  # title | meta | heading | para | table
    text: str = ""
    table: Table | None = None


@dataclass
class Report:
    version: str
    year: int
    agency: str
    title: str
    values: dict  # field id -> int | float | None (what the parser must return)
    raw: dict  # field id -> printed text (stripped)
    numbers: dict  # field id -> the consistent number behind the printed cell
    blocks: list[Block]
    layout: dict
    seed: int
    format: str = ""  # the format a parse must give (table 二's blocks may have the other's columns)
    t2_mix: str | None = None
    t2_blocks: list = field(default_factory=list)  # (caption, format of its columns), as printed

    def __post_init__(self):
        self.format = self.format or self.version

    @property
    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.kind == "table"]

    def describe(self) -> str:
        return (f"seed={self.seed} version={self.version} t2_mix={self.t2_mix} year={self.year} "
                f"layout={self.layout}")


# ----------------------------------------------------------------------------- numbers

def heavy(rng: random.Random, p_zero: float, top: int) -> int:
    """Zero with probability p_zero, else log-uniform in [1, top] (heavy tail)."""
    if rng.random() < p_zero:
        return 0
    return min(top, int(math.exp(rng.uniform(0, math.log(top + 1)))))


def decimal_amount(rng: random.Random, p_zero: float, top: int) -> Decimal:
    if rng.random() < p_zero:
        return Decimal(0)
    places = rng.choice([0, 1, 2, 2, 4, 4, 6])
    whole = heavy(rng, 0.0, top)
    frac = rng.randrange(10 ** places) if places else 0
    return Decimal(whole) + (Decimal(frac) / (Decimal(10) ** places) if places else 0)


def generate_numbers(rng: random.Random, version: str) -> dict:
    """field id -> a number, consistent with every in-document rule of formats.yml."""
    fmt = formats.get(version)
    p_zero = rng.choice([0.3, 0.6, 0.8, 0.95])
    top = rng.choice([9, 60, 999, 20000, 999999])
    n: dict = {}
    for b in fmt.t2_blocks:
        for r in b.rows:
            for c in b.columns:
                fid = f"t2.{r.key}.{c.key}"
                if c.decimal:
                    n[fid] = decimal_amount(rng, p_zero, rng.choice([9, 999, 99999]))
                elif c.signed:
                    n[fid] = heavy(rng, p_zero, 40) * rng.choice([1, -1])
                else:
                    n[fid] = heavy(rng, p_zero, top)
    cols = [c.key for c in fmt.t3_columns if c.key != "total"]
    leaves = [r.key for r in fmt.t3_rows if r.result_leaf]
    tail = max(9, top // 10)
    for c in cols:
        col_zero = rng.random() < 0.4  # whole applicant columns are often zero
        pz = 1.0 if col_zero and c != "natural_person" else p_zero
        total = 0
        for k in leaves:
            v = heavy(rng, pz, tail)
            n[f"t3.{k}.{c}"] = v
            total += v
        n[f"t3.result.total.{c}"] = total
        cf = heavy(rng, max(pz, 0.5), max(1, tail // 4))
        co = rng.randint(0, total + cf) if rng.random() > max(pz, 0.5) else 0
        n[f"t3.carried_forward.{c}"] = cf
        n[f"t3.carried_over.{c}"] = co
        n[f"t3.new.{c}"] = total + cf - co
    for r in fmt.t3_rows:
        n[f"t3.{r.key}.total"] = sum(n[f"t3.{r.key}.{c}"] for c in cols)
    for b in fmt.t4_blocks:
        parts = [heavy(rng, p_zero, rng.choice([3, 20, 300])) for _ in range(4)]
        for c, v in zip(("upheld", "corrected", "other", "pending"), parts):
            n[f"t4.{b.key}.{c}"] = v
        n[f"t4.{b.key}.total"] = sum(parts)
    assert set(n) == set(fmt.field_ids), set(fmt.field_ids) ^ set(n)
    return n


def expected_value(text: str, number) -> int | float | None:
    """The value a printed number stands for, as JSON (no parser code: stated independently)."""
    if number is None:
        return None
    if isinstance(number, Decimal):
        return int(number) if number == number.to_integral_value() else float(number)
    return int(number)


# ----------------------------------------------------------------------------- printing

MARKERS = ["/", "—", "-", "无", "——"]


class Printer:
    """Prints numbers the way a report of this layout does; records expected values and raw."""

    def __init__(self, rng: random.Random, layout: dict):
        self.rng = rng
        self.layout = layout
        self.values: dict = {}
        self.raw: dict = {}

    def _digits(self, s: str) -> str:
        lay = self.layout
        if lay["fullwidth_values"] == "all" or (lay["fullwidth_values"] == "some" and self.rng.random() < 0.3):
            s = s.translate(FW_DIGITS)
        return s

    def _plain(self, v, decimal: bool) -> str:
        if isinstance(v, Decimal):
            s = format(v, "f")
            whole, _, frac = s.partition(".")
            if self.layout["thousands"] and abs(int(whole)) >= 1000:
                whole = f"{int(whole):,}"
            return whole + ("." + frac if frac else "")
        if self.layout["thousands"] and abs(v) >= 1000 and self.rng.random() < 0.8:
            return f"{v:,}"
        return str(v)

    def cell(self, fid: str, v, *, decimal=False, signed=False, unit=None, row_total=False) -> TCell:
        lay, rng = self.layout, self.rng
        text = None  # None: the number is printed
        if v == 0 and lay["zero_style"] != "0":
            style = lay["zero_style"]
            if style == "mixed":
                style = rng.choice(["0", "0", ""] + MARKERS)
            if style != "0":
                text = style
        if text is None and row_total and lay["blank_totals"] and rng.random() < lay["blank_totals"]:
            text = ""  # row totals left blank whatever they would be
        if text == "" and not lay["blanks_allowed"]:
            text = rng.choice(MARKERS)
        if text is not None:
            value = None  # blank or marker: null plus the raw text, never an invented 0
        else:
            value = v
            if signed and v != 0:
                mag = self._plain(abs(v), decimal)
                style = lay["signed_style"]
                if style == "增减":
                    text = ("增" if v > 0 else "减") + mag
                elif style == "plus":
                    text = ("+" if v > 0 else "-") + mag
                elif style == "double-minus":  # a converter's minus sign: --253
                    text = mag if v > 0 else "--" + mag
                else:
                    text = mag if v > 0 else "-" + mag
            else:
                text = self._plain(v, decimal)
            text = self._digits(text)
            if unit:
                text += unit
        self.raw[fid] = text.strip()
        self.values[fid] = expected_value(text, value)
        return TCell(text, "value", fid=fid)


# ----------------------------------------------------------------------------- labels

def numbering(level: str, i: int, lay: dict) -> str:
    """The prefix of the i-th (1-based) item at `level` (top, group, leaf)."""
    style = lay[f"num_{level}"]
    cn = CN_NUM[i - 1]
    p = {
        "一、": f"{cn}、", "一.": f"{cn}.", "一．": f"{cn}．",
        "（一）": f"（{cn}）", "(一)": f"({cn})", "（1）": f"（{i}）", "(1) ": f"({i}) ",
        "1.": f"{i}.", "1、": f"{i}、", "1．": f"{i}．", "1. ": f"{i}. ",
    }[style]
    if lay["fullwidth_labels"]:
        p = p.translate(FW_DIGITS)
    return p


def spaced(rng: random.Random, text: str, p: float) -> str:
    """Spaces (ASCII, NBSP-free full-width, or doubled) inside a label, as justified text prints."""
    if p <= 0 or len(text) < 3 or rng.random() > p:
        return text
    i = rng.randrange(1, len(text))
    if not ("\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff"):
        return text
    return text[:i] + rng.choice([" ", "  ", "\u3000"]) + text[i:]


def leaf_label(full: str) -> str:
    """The last part of a formats.yml label, numbering removed: 三… /（三）不予公开 / 1.属于国家秘密 -> 属于国家秘密."""
    part = re.split(r"\s+/\s*", full)[-1]
    for prefix in ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）"):
        if part.startswith(prefix):
            return part[len(prefix):]
    if part[:1].isdigit() and part[1:2] == ".":
        return part[2:]
    if part[:1] in CN_NUM and part[1:2] == "、":
        return part[2:]
    return part


# printed variants of labels seen in real reports (format.md "Cell conventions")
T2_COLUMN_VARIANTS = {
    "本年制发件数": ["本年制发件数", "本年制发件数", "本年制发件数（件）", "本年制发", "本年发件"],
    "本年废止件数": ["本年废止件数", "本年废止件数", "本年废止件数（件）", "本年废止", "本年废止件"],
    "现行有效件数": ["现行有效件数", "现行有效件数", "现行有效件数(历史累计)", "现行有效件数（历史累计）", "现行有效件"],
    "本年处理决定数量": ["本年处理决定数量", "本年处理决定数量", "本年处理决定数量（件）"],
    "本年收费金额": ["本年收费金额（单位：万元）", "本年收费金额（单位：万元）", "本年收费金额(万元)", "本年收费金额（万元）"],
    "本年新制作数量": ["本年新制作数量", "本年新制作数量（件）", "本年新制作"],
    "本年新公开数量": ["本年新公开数量", "本年新公开数量（件）", "本年新公开"],
    "对外公开总数量": ["对外公开总数量", "对外公开总数量（件）"],
    "上一年项目数量": ["上一年项目数量", "上一年项目数量（项）"],
    "本年增/减": ["本年增/减", "本年增（减）", "本年增/减（项）"],
    "处理决定数量": ["处理决定数量", "本年处理决定数量"],
    "采购项目数量": ["采购项目数量", "采购项目数量（个）"],
}
T3_ROW_VARIANTS = {
    "部分公开（区分处理的，只计这一情形，不计其他情形）": ["部分公开（区分处理的，只计这一情形，不计其他情形）",
                                    "部分公开(区分处理的,只计这一情形,不计其他情形)", "部分公开"],
    "危及“三安全一稳定”": ["危及“三安全一稳定”", '危及"三安全一稳定"', "危及三安全一稳定"],
    "本年新收政府信息公开申请数量": ["本年新收政府信息公开申请数量", "本年新收政府信息公开申请数"],
}


def variant(rng: random.Random, label: str, table: dict) -> str:
    return rng.choice(table.get(label, [label]))


# ----------------------------------------------------------------------------- layout

def draw_layout(rng: random.Random, version: str, target: str) -> dict:
    """Every layout decision of one report. `target` (text-tsv, text-pipe, text-lines, html, docx,
    pdf) restricts only what the target cannot print (a blank cell has no line of its own)."""
    lines = target == "text-lines"
    lay = {
        "target": target,
        "num_top": rng.choice(["一、", "一、", "一.", "一．"]),
        "num_group": rng.choice(["（一）", "（一）", "(一)", "（1）"]),
        "num_leaf": rng.choice(["1.", "1、", "1．", "1. ", "（1）", "(1) "]),
        "fullwidth_labels": rng.random() < 0.2,
        "label_spaces": rng.choice([0, 0, 0.2, 0.6]),
        "fullwidth_values": rng.choice(["none", "none", "none", "some", "all"]),
        "thousands": rng.random() < 0.4,
        "zero_style": rng.choice(["0"] * 6 + ["", "/", "—", "-", "无", "mixed", "mixed"]),
        "blank_totals": rng.choice([0, 0, 0, 0.3]),
        "blanks_allowed": not lines,
        "signed_style": rng.choice(["增减", "plus", "minus", "double-minus"]),
        "merge": rng.choice(["span", "span", "flat"]),
        "t2_split": rng.random() < 0.4,  # one table per table-二 block
        "t2_pad": rng.choice(["span", "pad"]),  # single-value rows: one wide cell or padded
        "t2_extra_row": rng.random() < 0.15,  # 其他主动公开文件 after block （一）
        "t3_group_rows": rng.random() < 0.25,  # （三）不予公开 etc. on rows of their own
        "t3_note": rng.random() < 0.7,
        "t4_header": rng.choice(["three", "two"]),
        "title_style": rng.randrange(5),
        "procurement_unit": rng.choice(["", "元", "万元"]) if version == "2019" else "",
        "prose_amount": rng.randint(0, 8),
        "stated_count": rng.random() < 0.5,
    }
    if lines:
        lay["blank_totals"] = 0
        if lay["zero_style"] == "":
            lay["zero_style"] = "/"
    return lay


def title_for(rng: random.Random, agency: str, year: int, style: int) -> str:
    return [
        f"{agency}{year}年政府信息公开工作年度报告",
        f"{agency} {year} 年政府信息公开工作年度报告",
        f"{agency}{year}年度政府信息公开工作年度报告",
        f"{agency}关于{year}年政府信息公开工作的年度报告",
        f"{agency}{year}年政府信息公开工作年度报告（文字版）",
    ][style]


PROSE = [
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和上级关于政府信息公开工作的要求，结合工作实际，规范政务公开工作机制和渠道，主动公开政府信息，提供政府信息公开服务，较好地完成了全年政府信息公开工作。",
    "围绕重点项目建设、招商引资、安全生产、生态环保等重点领域和人民群众关注关切热点问题，全面推进决策公开、执行公开、管理公开、服务公开、结果公开，不断延伸公开触角。",
    "严格按照上级要求办理依申请公开件，及时公开各类政务信息，均及时进行回复，未出现受理单位不明确、互相推诿、逾期答复的情况。",
    "明确政务公开的内容、形式和制度，由单位主要领导亲自抓，分管负责人具体抓，经办人员落实，形成一级抓一级、层层抓落实的工作格局。",
    "坚持分级审核、先审后发原则，严把政治关、法律关、政策关、保密关、文字关，未经审核校对的信息、文稿一律不准发布，全年未发生政府信息公开工作重大责任事件。",
    "不断推进信息公开平台建设，采用多种形式，拓宽政府信息公开渠道，借助政务微信新媒体，及时对外发布群众关心的热点、焦点问题以及重大决策事项等政府信息。",
]


# ----------------------------------------------------------------------------- tables built

def _lab(rng, lay, text: str) -> str:
    return spaced(rng, text, lay["label_spaces"])


def t2_plan(version: str, mix: str | None) -> list[tuple[formats.Format, formats.T2Block]]:
    """The table-二 blocks a report prints, each with the format whose columns it has: its own
    format's (mix None); every block in the other format's layout (`other-columns`: a report on
    2019 or 2020 whose table 二 has the 2021 columns, or the reverse); or block （一） in the
    other format's and the rest in its own (`first-block-other`, as a report on 2021 printing
    the 2019 block （一） above 2021 blocks)."""
    own = formats.get(version)
    other = formats.get("2019" if version == "2021" else "2021")
    if mix == "other-columns":
        return [(other, b) for b in other.t2_blocks]
    if mix == "first-block-other":
        return [(other, other.t2_blocks[0])] + [(own, b) for b in own.t2_blocks[1:]]
    return [(own, b) for b in own.t2_blocks]


def build_t2(rng: random.Random, fmt: formats.Format, lay: dict, pr: Printer, numbers: dict,
             plan: list | None = None) -> list[Table]:
    plan = plan or [(fmt, b) for b in fmt.t2_blocks]
    width = 1 + max(len(b.columns) for _, b in plan)
    tables: list[Table] = []
    t = Table(width, name="t2")
    for bi, (fmt, b) in enumerate(plan):
        if lay["t2_split"] and t.grid:
            tables.append(t)
            t = Table(width, name="t2")
        r = t.add_row()
        cap = b.caption
        if rng.random() < 0.3:
            cap = cap.replace("（", "(").replace("）", ")")
        t.put(r, 0, TCell(cap, "head", colspan=width if lay["merge"] == "span" else 1))
        r = t.add_row()
        t.put(r, 0, TCell(_lab(rng, lay, "信息内容"), "head"))
        ncol = len(b.columns)
        for ci, c in enumerate(b.columns):
            label = variant(rng, c.label, T2_COLUMN_VARIANTS)
            if c.key == "amount" and fmt.version == "2019" and lay["procurement_unit"] != "元":
                label = rng.choice(["采购总金额", "采购总金额（万元）"]) if not lay["procurement_unit"] else "采购总金额"
            span = width - 1 - ncol + 1 if (ci == ncol - 1 and lay["t2_pad"] == "span" and lay["merge"] == "span") else 1
            t.put(r, 1 + ci, TCell(_lab(rng, lay, label), "head", colspan=span))
        if not t.header_rows:
            t.header_rows = 2
        for row in b.rows:
            r = t.add_row()
            rl = row.label
            if row.key == "normative_docs" and fmt.version == "2021" and rng.random() < 0.2:
                rl = "行政规范性文件"
            t.put(r, 0, TCell(_lab(rng, lay, rl), "label"))
            for ci, c in enumerate(b.columns):
                fid = f"t2.{row.key}.{c.key}"
                unit = lay["procurement_unit"] if (c.key == "amount" and fmt.version == "2019") else None
                cell = pr.cell(fid, numbers[fid], decimal=c.decimal, signed=c.signed, unit=unit)
                if ci == ncol - 1 and lay["t2_pad"] == "span" and lay["merge"] == "span":
                    cell.colspan = width - 1 - ncol + 1
                t.put(r, 1 + ci, cell)
        if bi == 0 and lay["t2_extra_row"]:  # a row a province added (kept as an extra, no field)
            r = t.add_row()
            t.put(r, 0, TCell(_lab(rng, lay, "其他主动公开文件"), "label"))
            for ci in range(ncol):
                t.put(r, 1 + ci, TCell(str(rng.randint(0, 300)), "value"))
    tables.append(t)
    return tables


T3_GROUPS = {  # formats.yml key prefix -> group label (the middle part of the printed label)
    "result.withheld.": "不予公开",
    "result.unavailable.": "无法提供",
    "result.not_processed.": "不予处理",
    "result.other.": "其他处理",
}


def build_t3(rng: random.Random, fmt: formats.Format, lay: dict, pr: Printer, numbers: dict) -> Table:
    span = lay["merge"] == "span"
    t = Table(10, name="t3")
    # header: note | 申请人情况 / 自然人 | 法人或其他组织 (5) | 总计
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" if lay["t3_note"] else ""
    t.put(0, 0, TCell(note, "head", rowspan=3 if span else 1, colspan=3 if span else 1))
    t.put(0, 3, TCell("申请人情况", "head", colspan=7 if span else 1))
    t.put(1, 3, TCell("自然人", "head", rowspan=2 if span else 1))
    t.put(1, 4, TCell("法人或其他组织", "head", colspan=5 if span else 1))
    t.put(1, 9, TCell("总计", "head", rowspan=2 if span else 1))
    for i, c in enumerate(fmt.t3_columns[1:6]):
        t.put(2, 4 + i, TCell(_lab(rng, lay, c.label.split(" / ")[-1]), "head"))
    t.header_rows = 3
    cols = [c.key for c in fmt.t3_columns]

    def values(r: int, key: str) -> None:
        for i, c in enumerate(cols):
            fid = f"t3.{key}.{c}"
            t.put(r, 3 + i, pr.cell(fid, numbers[fid], row_total=(c == "total")))

    rows = list(fmt.t3_rows)
    result_rows = [x for x in rows if x.key.startswith("result.")]
    r = t.add_row()
    top_i = {"new": 1, "carried_over": 2, "carried_forward": 4}
    group_i = 0
    seen_groups: dict[str, int] = {}
    result_start = None
    for row in rows:
        key = row.key
        if key in top_i:
            text = numbering("top", top_i[key], lay) + variant(rng, leaf_label(row.label), T3_ROW_VARIANTS)
            t.put(r, 0, TCell(_lab(rng, lay, text), "label", colspan=3 if span else 1))
            values(r, key)
            r += 1
            continue
        if result_start is None:
            result_start = r
        group = next((g for p, g in T3_GROUPS.items() if key.startswith(p) and key != "result.other.subtotal"), None)
        if group is None:  # （一）（二）（七） and 2019's （六）: one row, label over two columns
            group_i += 1
            if key == "result.other.subtotal":
                group_i = 6
            if key == "result.total":
                group_i = 7
            text = numbering("group", group_i, lay) + variant(rng, leaf_label(row.label), T3_ROW_VARIANTS)
            if key == "result.total" and rng.random() < 0.3:
                text = numbering("group", 7, lay) + "总 计"
            t.put(r, 1, TCell(_lab(rng, lay, text), "label", colspan=2 if span else 1))
            values(r, key)
            r += 1
            continue
        if group not in seen_groups:
            group_i += 1
            seen_groups[group] = r
            n_leaves = sum(1 for x in result_rows if x.key.startswith(next(p for p, g in T3_GROUPS.items() if g == group)))
            gtext = numbering("group", group_i, lay) + group
            if lay["t3_group_rows"]:
                t.put(r, 1, TCell(_lab(rng, lay, gtext), "label", colspan=2 if span else 1))
                r += 1
            else:
                t.put(r, 1, TCell(_lab(rng, lay, gtext), "label", rowspan=n_leaves if span else 1))
            leaf_i = 0
        leaf_i += 1
        text = numbering("leaf", leaf_i, lay) + variant(rng, leaf_label(row.label), T3_ROW_VARIANTS)
        t.put(r, 2, TCell(_lab(rng, lay, text), "label"))
        values(r, key)
        r += 1
    # 三、本年度办理结果 spans every result row (the 结转下年度 row is the last one)
    n_result = (r - 1) - result_start
    t.put(result_start, 0, TCell(_lab(rng, lay, numbering("top", 3, lay) + "本年度办理结果"), "label",
                                 rowspan=n_result if span else 1))
    # the 四、 row was written at the end (rows order: ... result.total, carried_forward)
    return t


def build_t4(rng: random.Random, fmt: formats.Format, lay: dict, pr: Printer, numbers: dict) -> Table:
    span = lay["merge"] == "span"
    t = Table(15, name="t4")
    words = [c.label for c in fmt.t4_columns]
    if lay["t4_header"] == "three":
        t.put(0, 0, TCell(_lab(rng, lay, "行政复议"), "head", colspan=5 if span else 1))
        t.put(0, 5, TCell(_lab(rng, lay, "行政诉讼"), "head", colspan=10 if span else 1))
        for i, w in enumerate(words):
            t.put(1, i, TCell(_lab(rng, lay, w), "head", rowspan=2 if span else 1))
        t.put(1, 5, TCell(_lab(rng, lay, "未经复议直接起诉"), "head", colspan=5 if span else 1))
        t.put(1, 10, TCell(_lab(rng, lay, "复议后起诉"), "head", colspan=5 if span else 1))
        for i, w in enumerate(words * 2):
            t.put(2, 5 + i, TCell(_lab(rng, lay, w), "head"))
        t.header_rows = 3
    else:
        t.put(0, 0, TCell(_lab(rng, lay, "行政复议"), "head", colspan=5 if span else 1))
        t.put(0, 5, TCell(_lab(rng, lay, "行政诉讼（未经复议直接起诉）"), "head", colspan=5 if span else 1))
        t.put(0, 10, TCell(_lab(rng, lay, "行政诉讼（复议后起诉）"), "head", colspan=5 if span else 1))
        for i, w in enumerate(words * 3):
            t.put(1, i, TCell(_lab(rng, lay, w), "head"))
        t.header_rows = 2
    r = t.add_row()
    i = 0
    for b in fmt.t4_blocks:
        for c in fmt.t4_columns:
            fid = f"t4.{b.key}.{c.key}"
            t.put(r, i, pr.cell(fid, numbers[fid]))
            i += 1
    return t


# ----------------------------------------------------------------------------- the report

def generate(seed: int, version: str, target: str, t2_mix: str | None = None) -> Report:
    """A report of `version` for `target`; `t2_mix` prints table 二's blocks in the other
    format's columns (see t2_plan): `values` then holds each block's fields under the ids of
    the columns printed, and `format` is the format most of table 二's blocks have."""
    rng = random.Random(f"{seed}-{version}-{target}")
    fmt = formats.get(version)
    year = rng.choice([2019, 2020, 2020, 2021]) if version == "2019" else rng.randint(2021, 2025)
    agency = rng.choice(AGENCIES)
    lay = draw_layout(rng, version, target)
    title = title_for(rng, agency, year, lay["title_style"])
    numbers = generate_numbers(rng, version)
    plan = t2_plan(version, t2_mix)
    if t2_mix:
        other = "2019" if version == "2021" else "2021"
        extra = generate_numbers(random.Random(f"{seed}-{other}-{target}-t2"), other)
        numbers.update({f: v for f, v in extra.items() if f.startswith("t2.") and f not in numbers})
    pr = Printer(rng, lay)
    t2 = build_t2(rng, fmt, lay, pr, numbers, plan)
    t3 = build_t3(rng, fmt, lay, pr, numbers)
    t4 = build_t4(rng, fmt, lay, pr, numbers)
    prose = [p for p in rng.sample(PROSE, k=min(len(PROSE), 1 + lay["prose_amount"] % len(PROSE)))]
    if lay["stated_count"] and pr.values.get("t3.new.total") is not None:
        prose.insert(1, f"{year}年，共收到政府信息公开申请{numbers['t3.new.total']}件，均按时答复，"
                        "未出现逾期答复的情况，答复质量进一步提高。")
    blocks = [Block("title", title),
              Block("meta", f"发布日期：{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}")]
    blocks.append(Block("heading", "一、总体情况"))
    blocks += [Block("para", p) for p in prose]
    blocks.append(Block("heading", "二、主动公开政府信息情况"))
    blocks += [Block("table", table=t) for t in t2]
    blocks.append(Block("heading", "三、收到和处理政府信息公开申请情况"))
    blocks.append(Block("table", table=t3))
    blocks.append(Block("heading", "四、政府信息公开行政复议、行政诉讼情况"))
    blocks.append(Block("table", table=t4))
    blocks.append(Block("heading", "五、存在的主要问题及改进情况"))
    blocks.append(Block("para", "一是部分政府信息公开不够及时，个别栏目更新数量偏少；二是政策解读形式较为单一，"
                                "下一步将丰富解读形式，提高公开质量，切实保障群众的知情权、参与权、监督权。"))
    blocks.append(Block("heading", "六、其他需要报告的事项"))
    blocks.append(Block("para", f"{year}年，本机关未收取信息处理费，无其他需要报告的事项。"))
    versions = [f.version for f, _ in plan]
    expected = max(("2021", "2019"), key=lambda v: (versions.count(v), v == version))
    return Report(version, year, agency, title, pr.values, pr.raw, numbers, blocks, lay, seed,
                  expected, t2_mix, [(b.caption, f.version) for f, b in plan])
