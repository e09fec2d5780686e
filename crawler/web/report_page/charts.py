"""Small inline SVG charts for the report page (no script, no network): an agency's
applications by year, its outcomes by year, and where a report stands among its peers."""
from __future__ import annotations

from markupsafe import Markup, escape

COLORS = ["#2b6cb0", "#68d391", "#e53e3e", "#ed8936", "#a0aec0", "#805ad5", "#d69e2e"]
W, H, PAD = 320, 120, 22


def num(v) -> str:
    """A value as the page prints it: — for none, 1129.7494 without trailing zeros."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def empty(why: str) -> Markup:
    """What stands where a chart has nothing to draw: the reason, never a blank box."""
    return Markup('<p class="ogi-chart-empty">{}</p>').format(why)


def applications(years: list[dict]) -> Markup:
    """Bars of new applications (table 三 一、总计) per year; the report's own year darker."""
    if not years:
        return empty("无图 · No chart: no parsed report of this agency.")
    if all(y["new"] is None for y in years):
        return empty("无图 · No chart: 表三 “一、本年新收政府信息公开申请数量” prints no figure in its 总计 "
                     "column (blank, a dash or not printed) in "
                     + ("this report." if len(years) == 1 else f"any of the {len(years)} years."))
    top = max([y["new"] or 0 for y in years] + [1])
    bw = (W - 2 * PAD) / max(len(years), 1)
    parts = [f'<svg class="ogi-chart" role="img" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>新收申请 · new applications by year</title>']
    for i, y in enumerate(years):
        v = y["new"]
        h = 0 if v is None else (H - 2 * PAD) * v / top
        x = PAD + i * bw
        color = "#1a365d" if y["current"] else "#90cdf4"
        parts.append(f'<rect x="{x + bw * 0.15:.1f}" y="{H - PAD - h:.1f}" width="{bw * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{color}"><title>{y["year"]}: {num(v)} 件</title></rect>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{H - PAD - h - 3:.1f}" font-size="10" '
                     f'text-anchor="middle">{num(v)}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{H - 6}" font-size="10" '
                     f'text-anchor="middle">{y["year"]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def outcomes(years: list[dict], groups: list[tuple[str, str]]) -> Markup:
    """Stacked bars of the result categories of table 三 (总计 column) per year, as shares."""
    if not years:
        return empty("无图 · No chart: no parsed report of this agency.")
    drawn = [y for y in years if any(o["value"] for o in y["outcomes"])]
    if not drawn:
        printed_zero = any(o["value"] == 0 for y in years for o in y["outcomes"])
        return empty("无图 · No chart: 表三 “三、本年度办理结果” prints "
                     + ("only zeros" if printed_zero else "no figure (blank cells, dashes or rows not printed)")
                     + " in its 总计 column for （一）–（六）"
                     + (" in this report" if len(years) == 1 else f" in each of the {len(years)} years")
                     + "; the applicant columns may hold them (see the table).")
    bw = (W - 2 * PAD) / max(len(years), 1)
    parts = [f'<svg class="ogi-chart" role="img" width="{W}" height="{H + 40}" '
             f'viewBox="0 0 {W} {H + 40}" xmlns="http://www.w3.org/2000/svg">'
             f'<title>办理结果 · outcomes by year</title>']
    for i, y in enumerate(years):
        total = sum(o["value"] or 0 for o in y["outcomes"])
        x, top = PAD + i * bw, H - PAD
        for k, o in enumerate(y["outcomes"]):
            if not total or not o["value"]:
                continue
            h = (H - 2 * PAD) * o["value"] / total
            top -= h
            parts.append(f'<rect x="{x + bw * 0.15:.1f}" y="{top:.1f}" width="{bw * 0.7:.1f}" '
                         f'height="{h:.1f}" fill="{COLORS[k % len(COLORS)]}"><title>{y["year"]} '
                         f'{escape(o["label"])}: {num(o["value"])} 件</title></rect>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{H - 6}" font-size="10" '
                     f'text-anchor="middle">{y["year"]}{" ●" if y["current"] else ""}</text>')
    for k, (_, label) in enumerate(groups):
        lx, ly = PAD + (k % 3) * 100, H + 6 + (k // 3) * 14
        parts.append(f'<rect x="{lx}" y="{ly}" width="8" height="8" fill="{COLORS[k % len(COLORS)]}"/>'
                     f'<text x="{lx + 11}" y="{ly + 8}" font-size="9">{escape(label[:8])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def peer_strip(peers: dict | None) -> Markup:
    """Every peer's new applications on one axis; the report's own mark in red."""
    if not peers or not peers.get("values"):
        return empty("无图 · No chart: no peer report prints new applications.")
    vals = peers["values"]
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1
    h = 44
    parts = [f'<svg class="ogi-chart" role="img" width="{W}" height="{h}" viewBox="0 0 {W} {h}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>同级同省 · peers</title>'
             f'<line x1="{PAD}" y1="20" x2="{W - PAD}" y2="20" stroke="#999"/>']
    me = peers.get("me")
    for v in sorted(vals):
        x = PAD + (W - 2 * PAD) * (v - lo) / span
        parts.append(f'<circle cx="{x:.1f}" cy="20" r="3" fill="#90cdf4"/>')
    if me is not None:
        v = peers["value"]
        x = PAD + (W - 2 * PAD) * (v - lo) / span
        parts.append(f'<circle cx="{x:.1f}" cy="20" r="5" fill="#e53e3e"><title>{num(v)}</title></circle>')
    parts.append(f'<text x="{PAD}" y="38" font-size="10">{num(lo)}</text>'
                 f'<text x="{W - PAD}" y="38" font-size="10" text-anchor="end">{num(hi)}</text></svg>')
    return Markup("".join(parts))
