"""Make the demo portal's two constructed documents (run once; the files are committed).

    OGI_SHARED=/work/shared .venv/bin/python scripts/demo_constructed.py

Both are marked as constructed in crawler/demo/sites/demo/_SOURCES.md; every other report of the
demo portal is a real published document.

1. crawler/demo/sites/demo/_constructed/shanghai-2019-first.html — the 上海市人民政府办公厅 2019
   report page as if first published with one misprint: table 二's 行政规范性文件 对外公开总数量
   printed 386 where the real page prints 368. `ogi demo` serves it on its first crawl and the
   real page on its second (the portal correcting the page in place), so the archive holds a
   silent revision of one cell.
2. A copy-paste report of a body that does not exist, 淮安市演示局 (a demo body under
   淮安市人民政府): its section 一 and 五 copy 淮安市人民政府's 2024 report word for word, its table
   二 prints 淮安市人民政府's numbers, its tables 三 and 四 print zeros (no applications). Laid out
   with the seed report's table rows (corpus/seed/boai-2024.txt), written as its column's HTML
   page. Published on the demo portal after the first crawl (crawler.demo.demo_first_state).

The product never runs this script and never reads the shared corpus.
"""
from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "corpus" / "seed" / "boai-2024.txt"
SITE = ROOT / "crawler" / "demo" / "sites" / "demo"
SHANGHAI = SITE / "shanghai" / "zfxxgknb" / "202001" / "t20200131_2019.html"
HUAIAN_PDF = SITE / "huaian" / "zfxxgknb" / "202501" / "P020250124_szfgs2024.pdf"
COPY = SITE / "huaian" / "yanshiju" / "zfxxgknb" / "202502" / "t20250220_2001.html"
AGENCY = "淮安市演示局"
TITLE = f"{AGENCY}2024年政府信息公开工作年度报告"


def shanghai_first() -> None:
    page = SHANGHAI.read_text("utf-8")
    real = '<p align="center">368</p>'
    assert page.count(real) == 1, "the cell to misprint is not where it was"
    out = SITE / "_constructed" / "shanghai-2019-first.html"
    out.parent.mkdir(exist_ok=True)
    out.write_text(page.replace(real, '<p align="center">386</p>'), "utf-8")


def _prose(text: str) -> list[str]:
    """A PDF section's text as paragraphs: heading and page numbers dropped, lines joined."""
    lines = [ln.strip() for ln in text.split("\n")[1:] if not re.fullmatch(r"-\s*\d+\s*-", ln.strip())]
    paras, cur = [], ""
    for ln in lines:
        if re.match(r"^（[一二三四五六七八九十]+）", ln) and cur:
            paras.append(cur)
            cur = ""
        cur += ln
    if cur:
        paras.append(cur)
    return [re.sub(r"(?<=[\u4e00-\u9fff，。、；：”“）（]) (?=\d)|(?<=\d) (?=[\u4e00-\u9fff])", "", p)
            for p in paras]


def copy_report() -> None:
    from parsers.parse import parse_path

    huaian = parse_path(HUAIAN_PDF)
    v = huaian["values"]
    t2 = {  # the seed's table 二 rows, numbers of 淮安市人民政府 2024
        "规章": [v["t2.regulations.issued"], v["t2.regulations.repealed"], v["t2.regulations.in_force"]],
        "行政规范性文件": [v["t2.normative_docs.issued"], v["t2.normative_docs.repealed"],
                    v["t2.normative_docs.in_force"]],
        "行政许可": [v["t2.licensing.decisions"]], "行政处罚": [v["t2.punishment.decisions"]],
        "行政强制": [v["t2.coercion.decisions"]], "行政事业性收费": [v["t2.fees.amount"]],
    }
    seed = SEED.read_text("utf-8").splitlines()
    start = next(i for i, ln in enumerate(seed) if ln.startswith("二、主动公开政府信息情况"))
    end = next(i for i, ln in enumerate(seed) if ln.startswith("五、存在的主要问题及改进情况"))
    body: list[str] = [TITLE, "一、总体情况", *_prose(huaian["sections"]["s1"])]
    for ln in seed[start:end]:
        cells = ln.split("\t")
        if len(cells) > 1 and cells[0] in t2:
            nums = [f"{x:g}" if isinstance(x, float) else str(x) for x in t2[cells[0]]]
            cells = [cells[0], *nums, *[""] * (len(cells) - 1 - len(nums))]
        elif len(cells) > 1 and not ln.startswith("二、"):  # tables 三 and 四: zeros
            cells = ["0" if re.fullmatch(r"\d+(\.\d+)?", c.strip()) else c for c in cells]
        body.append("\t".join(cells))
    body += ["五、存在的主要问题及改进情况", *_prose(huaian["sections"]["s5"]),
             "六、其他需要报告的事项", "本机关2024年未收取政府信息公开信息处理费，无其他需要报告的事项。"]
    COPY.parent.mkdir(parents=True, exist_ok=True)
    COPY.write_text(page(body), "utf-8")


CELL = '<td style="border:1px solid #000;padding:2px 4px;">{}</td>'


def page(lines: list[str]) -> str:
    out, table = [], []

    def flush():
        if table:
            rows = "".join("<tr>" + "".join(CELL.format(html.escape(c)) for c in r) + "</tr>\n"
                           for r in table)
            out.append('<table border="1" cellspacing="0" cellpadding="0" '
                       f'style="border-collapse:collapse;width:100%;"><tbody>\n{rows}</tbody></table>')
            table.clear()

    for ln in lines[1:]:
        if "\t" in ln:
            table.append(ln.split("\t"))
            continue
        flush()
        if not ln.strip():
            continue
        heading = re.match(r"^[一二三四五六]、", ln)
        text = html.escape(ln)
        out.append(f'<p style="text-indent:2em;"><strong>{text}</strong></p>' if heading
                   else f'<p style="text-indent:2em;">{text}</p>')
    flush()
    t = html.escape(lines[0])
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{t}</title>
<meta name="ArticleTitle" content="{t}">
<link rel="stylesheet" href="../../../../css/style.css">
</head>
<body>
<div class="header"><div class="logo">{AGENCY}（演示：构造的抄袭报告）</div></div>
<div class="main">
<div class="article"><h1>{t}</h1>
<div class="trs_editor_view">
<p style="text-align:center;"><strong>{t}</strong></p>
{chr(10).join(out)}
</div></div></div>
<div class="footer"><p class="note">本站是 ogi-archive 的本地演示站点，不是官方网站。本页是为演示构造的报告（机关不存在），抄录淮安市人民政府2024年报告的正文和表二（来源见 _SOURCES.md）。</p></div>
</body>
</html>
"""


if __name__ == "__main__":
    shanghai_first()
    copy_report()
    print("written:", SITE / "_constructed" / "shanghai-2019-first.html", COPY)
