"""HTML renderer: a portal article page with real <table> markup (rowspan/colspan as portals print
them, or flat tables with empty cells), &nbsp; cells, labels broken by <br> or wrapped in <p><span>,
UTF-8 or GBK with and without a declared charset."""
from __future__ import annotations

import html
import random

from .model import Report, Table

BLANKS = ["", "&nbsp;", "<p>&nbsp;</p>", "<span>&nbsp;</span>", "\u3000", " "]


def _content(cell_text: str, kind: str, rng: random.Random) -> str:
    if not cell_text.strip():
        return rng.choice(BLANKS)
    esc = html.escape(cell_text, quote=False)
    if kind == "value":
        return rng.choice([esc, f"\n  {esc}\n", f"<p>{esc}</p>", f'<span style="font-size:12px">{esc}</span>'])
    if len(cell_text) > 8 and rng.random() < 0.3:  # a long label wrapped by hand
        i = rng.randrange(3, len(cell_text) - 2)
        a, b = cell_text[:i], cell_text[i:]
        if "\u4e00" <= a[-1] <= "\u9fff" and "\u4e00" <= b[0] <= "\u9fff":
            esc = html.escape(a, quote=False) + rng.choice(["<br>", "<br/>", "</p><p>"]) + html.escape(b, quote=False)
    return rng.choice([esc, f"<p>{esc}</p>", f'<p style="text-align:center"><span style="font-family:宋体">{esc}</span></p>'])


def _table(t: Table, rng: random.Random) -> str:
    out = [rng.choice(['<table border="1" cellspacing="0" cellpadding="0">',
                       '<table class="MsoNormalTable" style="border-collapse:collapse" width="600">',
                       "<table>"])]
    tbody = rng.random() < 0.6
    if tbody:
        out.append("<tbody>")
    for r, row in enumerate(t.grid):
        tds = []
        for c, cell in enumerate(row):
            if cell is None:
                continue
            tag = "th" if cell.kind == "head" and rng.random() < 0.2 else "td"
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if rng.random() < 0.3:
                attrs += ' style="width:60px;border:solid windowtext 1px"'
            tds.append(f"<{tag}{attrs}>{_content(cell.text, cell.kind, rng)}</{tag}>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    if tbody:
        out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def render(report: Report, seed: int = 0) -> tuple[bytes, str]:
    """Returns (bytes, description of the encoding used)."""
    rng = random.Random(f"html-{report.seed}-{seed}")
    encoding = rng.choice(["utf-8", "utf-8", "gbk", "gbk"])
    declare = rng.random() < 0.6
    charset = {"utf-8": "utf-8", "gbk": rng.choice(["gbk", "gb2312", "GB18030"])}[encoding]
    head = [f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if declare else ""]
    page_title = rng.choice([report.title, f"{report.title}_政务公开", "政府信息公开年报"])
    head.append(f"<title>{html.escape(page_title)}</title>")
    if rng.random() < 0.4:
        head.append(f'<meta name="ArticleTitle" content="{html.escape(report.title)}">')
    body = []
    if rng.random() < 0.5:  # portal chrome before the article
        body.append('<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
                    '<a href="/zwgk/nb/">政府信息公开年报</a></div>')
    body.append('<div class="article">')
    for b in report.blocks:
        if b.kind == "title":
            body.append(rng.choice([f"<h1>{html.escape(b.text)}</h1>",
                                    f'<p style="text-align:center"><strong>{html.escape(b.text)}</strong></p>',
                                    f'<div class="title">{html.escape(b.text)}</div>']))
        elif b.kind == "meta":
            body.append(f'<div class="info"><span>{html.escape(b.text)}</span> <span>来源：本机关</span></div>')
        elif b.kind == "heading":
            body.append(rng.choice([f"<p><strong>{html.escape(b.text)}</strong></p>", f"<h3>{html.escape(b.text)}</h3>"]))
        elif b.kind == "para":
            body.append(f'<p style="text-indent:2em">{html.escape(b.text)}</p>')
        else:
            body.append(_table(b.table, rng))
    body.append("</div>")
    doc = ("<!DOCTYPE html>\n<html><head>" + "\n".join(head) + "</head>\n<body>\n"
           + "\n".join(body) + "\n</body></html>\n")
    return doc.encode(encoding), f"{encoding}{'' if declare else ' (undeclared)'}"
