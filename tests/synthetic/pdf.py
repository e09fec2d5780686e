"""PDF renderer (reportlab, the built-in STSong-Light CID font): ruled tables with grid lines and
real spans, split across pages wherever the page ends (the amount of prose before a table and the
font sizes vary), with or without repeated header rows, and a page number in the footer."""
from __future__ import annotations

import io
import random
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table as RLTable, TableStyle

from .model import Report, Table

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W = A4[0] - 2 * 50  # frame width with 50pt margins


def _widths(t: Table) -> list[float]:
    if t.name == "t3":
        label = [58.0, 78.0, 150.0]
        return label + [(PAGE_W - sum(label)) / 7] * 7
    if t.name == "t4":
        return [PAGE_W / 15] * 15
    first = 150.0
    return [first] + [(PAGE_W - first) / (t.ncols - 1)] * (t.ncols - 1)


def _fit_size(texts: list[str], width: float, size: float) -> float:
    """The largest font size (<= size) at which every value fits its column on one line."""
    while size > 4 and any(pdfmetrics.stringWidth(s, FONT, size) > width - 4 for s in texts):
        size -= 0.5
    return size


def _table(t: Table, rng: random.Random, label_size: float, repeat: bool) -> RLTable:
    widths = _widths(t)
    label_style = ParagraphStyle("label", fontName=FONT, fontSize=label_size, leading=label_size * 1.25,
                                 wordWrap="CJK", alignment=rng.choice([0, 1]),
                                 rightIndent=label_size)  # CJK wrapping hangs 、，。 past the line end: keep it in the cell
    values = [(r, c, cell) for r, row in enumerate(t.grid) for c, cell in enumerate(row)
              if cell is not None and cell.kind == "value"]
    vsize = _fit_size([cell.text for r, c, cell in values] or ["0"],
                      min(widths[c] * cell.colspan for r, c, cell in values) if values else 40, 9)
    data: list[list[object]] = []
    spans = []
    for r, row in enumerate(t.grid):
        line: list[object] = []
        for c, cell in enumerate(row):
            if cell is None:
                line.append("")
                continue
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
            if cell.kind == "value" or not cell.text.strip():
                line.append(cell.text)
            else:
                line.append(Paragraph(escape(cell.text), label_style))
        data.append(line)
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), rng.choice([0.5, 0.75, 1]), colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), vsize),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), rng.choice(["CENTER", "CENTER", "RIGHT"])),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        *spans,
    ])
    return RLTable(data, colWidths=widths, style=style, repeatRows=t.header_rows if repeat else 0,
                   splitByRow=1)


def render(report: Report, seed: int = 0) -> bytes:
    rng = random.Random(f"pdf-{report.seed}-{seed}")
    body = rng.choice([10.5, 12])
    title_style = ParagraphStyle("title", fontName=FONT, fontSize=rng.choice([16, 18]), leading=24, alignment=1)
    para_style = ParagraphStyle("para", fontName=FONT, fontSize=body, leading=body * 1.6,
                                firstLineIndent=2 * body, wordWrap="CJK")
    label_size = rng.choice([7, 8, 9])
    repeat = rng.random() < 0.5
    story: list[object] = []
    for b in report.blocks:
        if b.kind == "title":
            story += [Paragraph(escape(b.text), title_style), Spacer(1, 12)]
        elif b.kind in ("meta", "heading", "para"):
            story.append(Paragraph(escape(b.text), para_style))
        else:
            story += [Spacer(1, rng.choice([2, 6, 30, 120])), _table(b.table, rng, label_size, repeat), Spacer(1, 6)]
    footer = rng.choice(["dash", "page", "none"])

    def on_page(canvas, doc) -> None:
        if footer == "none":
            return
        canvas.setFont(FONT, 9)
        n = canvas.getPageNumber()
        canvas.drawCentredString(A4[0] / 2, 30, f"— {n} —" if footer == "dash" else f"第 {n} 页")

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50, bottomMargin=50,
                      title=report.title).build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
