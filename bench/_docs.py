"""Documents for bench_parse.py when ../shared/corpus is absent, all from the demo portal's
report page (crawler/demo/sites/demo, the seed report as real HTML tables): the page itself
(HTML), its text (text), its tables in python-docx (DOCX) and in reportlab (PDF)."""
from __future__ import annotations

from pathlib import Path

from _common import ROOT

DEMO = ROOT / "crawler" / "demo" / "sites" / "demo"


def _page() -> Path:
    from crawler.demo import DEMO_REPORT  # the seed report's page (2021 format)

    p = DEMO / DEMO_REPORT.lstrip("/")
    if p.is_file() and p.read_bytes().count(b"<table") >= 3:
        return p
    raise FileNotFoundError(f"no demo report page with tables at {p}")


def _tables(html_bytes: bytes) -> tuple[list[str], list[list[list[str]]]]:
    import lxml.html

    root = lxml.html.document_fromstring(html_bytes)
    paras = [p.text_content().strip() for p in root.iter("p", "h1", "h2", "h3") if p.text_content().strip()]
    tables = []
    for t in root.iter("table"):
        rows = [[c.text_content().strip() for c in tr.iter("td", "th")] for tr in t.iter("tr")]
        tables.append(rows)
    return paras, tables


def write_documents(out: Path) -> dict[str, list[Path]]:
    out.mkdir(parents=True, exist_ok=True)
    page = _page()
    data = page.read_bytes()
    paras, tables = _tables(data)
    docs: dict[str, list[Path]] = {"html": [page], "text": [], "docx": [], "pdf": []}
    text = out / "report.txt"
    text.write_text("\n".join(paras[:3]) + "\n" + "\n".join(
        "\n".join(cell for row in t for cell in row) for t in tables) + "\n" + "\n".join(paras[3:]),
        encoding="utf-8")
    docs["text"].append(text)
    try:
        import docx

        d = docx.Document()
        for p in paras[:3]:
            d.add_paragraph(p)
        for t in tables:
            width = max(len(r) for r in t)
            table = d.add_table(rows=len(t), cols=width)
            table.style = "Table Grid"
            for i, r in enumerate(t):
                for j, c in enumerate(r):
                    table.cell(i, j).text = c
        for p in paras[3:]:
            d.add_paragraph(p)
        path = out / "report.docx"
        d.save(path)
        docs["docx"].append(path)
    except ImportError:
        pass
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
        story = [Paragraph(p, style) for p in paras[:3]]
        for t in tables:
            width = max(len(r) for r in t)
            rows = [[Paragraph(c, style) for c in r] + [""] * (width - len(r)) for r in t]
            first = 150 if width > 2 else 250
            tbl = Table(rows, colWidths=[first] + [(A4[0] - 80 - first) / max(1, width - 1)] * (width - 1))
            tbl.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"),
                                     ("FONTNAME", (0, 0), (-1, -1), "STSong-Light")]))
            story.append(tbl)
        story += [Paragraph(p, style) for p in paras[3:]]
        path = out / "report.pdf"
        SimpleDocTemplate(str(path), pagesize=A4, leftMargin=40, rightMargin=40).build(story)
        docs["pdf"].append(path)
    except ImportError:
        pass
    return docs
