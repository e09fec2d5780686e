"""The figures of one run of bench/run.sh as Markdown: every figure beside its floor and target,
the machine, each serve run page by page. docs/benchmarks.md is written from this output.

    .venv/bin/python bench/summary.py /tmp/ogi-bench/results.jsonl [national-build.jsonl ...]

Further files: BENCH lines of the same code measured outside run.sh (the national build, whose
2-hour build run.sh does not repeat); their lines are marked with the file they came from.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

GB = 10 ** 9


def lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("BENCH "):
            line = line[6:]
        if line.startswith("{"):
            out.append({**json.loads(line), "_from": path.name})
    return out


def met(ok) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def ms(x) -> str:
    return "—" if x is None else f"{x:,.1f} ms"


def table(head: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join("—" if c is None else str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def summary_rows(runs: dict[str, list[dict]]) -> list[list]:
    rows = []
    for p in runs.get("parse", [])[:1]:
        for kind, target in (("pdf", 3), ("html", 2), ("docx", None), ("text", None)):
            r = p.get(kind)
            if not r:
                continue
            floor = r.get("pdfium_floor_ms_per_doc", r.get("floor_ms_per_doc"))
            ratio = r.get("ratio_to_pdfium_floor", r.get("ratio_to_floor"))
            rows.append([f"parse {kind.upper()} ({r['documents']} document{'s' if r['documents'] != 1 else ''})", ms(r["parse_ms_per_doc"]),
                         ms(floor), f"{ratio}×" if ratio is not None else None,
                         f"≤ {target}×" if target else None,
                         met(ratio <= target) if target and ratio is not None else "—"])
        for kind in ("pdf", "html", "docx", "text"):
            r = p.get(kind)
            if isinstance(r, dict) and "vs_baseline" in r:
                rows.append([f"parse {kind.upper()} against the parsers of {p['baseline']}",
                             ms(r["parse_ms_per_doc"]), ms(r["baseline_ms_per_doc"]),
                             f"{r['vs_baseline']}× as fast", "no slower (≥ 1×)", met(r["vs_baseline"] >= 1)])
    for c in runs.get("crawl", [])[:1]:
        rows.append(["crawl (loopback portal)", f"{c['spider']['pages_per_min']:,} pages/min",
                     f"`scrapy bench` {c['scrapy_bench']['pages_per_min']:,} pages/min",
                     f"{c['ratio_to_floor']}×", "≥ 0.8×", met(c["ratio_to_floor"] >= 0.8)])
    for ld in runs.get("load", [])[:1]:
        rows.append([f"load ({ld['reports']:,} synthetic reports)", f"{ld['load_values_per_s']:,} values/s",
                     f"bare executemany {ld['floor_all_rows_values_per_s']:,} values/s",
                     f"{ld['ratio_to_floor']}×", "≥ 0.5×", met(ld["ratio_to_floor"] >= 0.5)])
        if ld.get("baseline"):
            rows.append([f"load against the loader of {ld['baseline']}", f"{ld['load_s']} s",
                         f"{ld['baseline_load_s']} s", f"{ld['load_vs_baseline']}× as fast",
                         "no slower (≥ 1×)", met(ld["load_vs_baseline"] >= 1)])
    for o in runs.get("ocr", []):
        what = (f"OCR of degraded scans, {o['dpi']} dpi, seeds {o['seeds']}" if o.get("scan")
                else "OCR of rasterised real reports")
        docs = o.get("docs") or []
        fields = sum(d.get("fields", 0) for d in docs)
        right = sum(d.get("right", 0) for d in docs)
        passing = sum(d.get("wrong_passing", 0) for d in docs)
        rows.append([f"{what} ({len(docs)} documents, {o['jobs']} job(s))",
                     f"{right:,} of {fields:,} right ({100 * o['accuracy']:.2f} %), "
                     f"{o['seconds_per_page']} s a page; wrong values passing the checks: {passing}",
                     None, None, "≥ 97 % right, none wrong passing" if o.get("scan") else None,
                     met(o["accuracy"] >= 0.97 and passing == 0) if o.get("scan") else "—"])
    for t in runs.get("prose", [])[:1]:
        real, synth = t["complete_total"], t["synthetic_total"]
        rows.append([f"synthetic section text ({synth['n']:,} reports)",
                     f"mean {synth['mean']:,}, p10–p90 {synth['p10']:,}–{synth['p90']:,} characters",
                     f"the {real['n']} complete real reports: mean {real['mean']:,}, "
                     f"{real['min']:,}–{real['max']:,}", None, "real lengths", "—"])
    for b in runs.get("build", [])[:1]:
        rows.append([f"build ({b['documents']} documents), 2 jobs against 1",
                     f"{b['jobs_2']['docs_per_s']} docs/s", f"{b['jobs_1']['docs_per_s']} docs/s",
                     f"{b['speedup_jobs_2']}×", None, "—"])
    seen_files = set()
    for n in runs.get("national", []):
        if n.get("file_bytes") and n["file_bytes"] not in seen_files:  # the same file measured twice
            seen_files.add(n["file_bytes"])
            rows.append([f"national archive ({n['reports']:,} reports): whole file",
                         f"{n['file_bytes'] / GB:.2f} GB ({n['file_gb']} GiB)", None, None, "≤ 20 GB",
                         met(n["file_bytes"] <= 20 * GB)])
            rows.append(["… structured part (all but texts and their index)",
                         f"{n['structured_bytes'] / GB:.2f} GB ({n['structured_gb']} GiB)", None, None,
                         "≤ 10 GB", met(n["structured_bytes"] <= 10 * GB)])
        if n.get("build_peak_rss_gb") is not None:
            rows.append([f"… its build ({n['_from']}): peak RSS", f"{n['build_peak_rss_gb']} GiB", None,
                         None, "≤ 8 GB", met(n["build_peak_rss_gb"] * 2 ** 30 <= 8 * GB)])
    for s in runs.get("serve", []):
        pause = "no pause" if not s["think_s"] else f"pauses of {s['think_s']} s"
        label = f"serve {s['reports']:,} reports, {s['clients']} readers, {pause}, {s['workers']} worker(s)"
        rows.append([label + ": worst page p95", f"{s['worst_p95_ms']} ms",
                     None, None, "≤ 300 ms", met(s["worst_p95_ms"] <= 300)])
        rows.append(["… `ogi serve` listening", f"{s['serve_startup_s']} s", None, None, "≤ 5 s",
                     met(s["serve_startup_s"] <= 5)])
    return rows


def serve_section(s: dict) -> str:
    think = "no pause between pages" if not s["think_s"] else f"pauses of {s['think_s']} s on average"
    cache = "its default" if s.get("cache_mb") is None else f"{s['cache_mb']} MiB"
    head = (f"### Serve: {s['reports']:,} reports ({s.get('size_on_disk_mb', 0):,} MiB), "
            f"{s['clients']} readers, {think}, {s['workers']} worker(s)\n\n"
            f"`ogi serve` listened in {s['serve_startup_s']} s (again: {s['serve_startup_s_second']} s); "
            f"OS page cache dropped before each start: {s['cache_dropped']}; response cache: {cache}. "
            f"{s['concurrent_requests']:,} requests in {s['concurrent_seconds']} s "
            f"({s['requests_per_s']} requests/s), every one counted, the first (cold) views "
            f"included; server peak RSS {s['serve_peak_rss_mb']} MB. Pages over 300 ms at p95: "
            f"{', '.join(s['pages_over_300ms_p95']) or 'none'}; not 200: "
            f"{', '.join(s['pages_not_200']) or 'none'}.\n\n")
    addresses = s.get("addresses") or {}
    rows = [[name, addresses.get(name, 1), p["cold_ms"], p["p50_ms"], p["p95_ms"], p["max_ms"],
             p["status"]] for name, p in s["pages"].items()]
    return head + table(["page", "addresses", "cold, one reader (ms)", "p50 (ms)", "p95 (ms)",
                         "max (ms)", "worst status"], rows)


def main(paths: list[str]) -> str:
    runs: dict[str, list[dict]] = {}
    for path in paths:
        for d in lines(Path(path)):
            runs.setdefault(d["bench"], []).append(d)
    out = []
    for m in runs.get("machine", [])[:1]:
        mach = m.get("machine", {})
        v = m.get("versions", {})
        out.append("## Machine of this run\n\n" + table(["", ""], [
            ["date (UTC), commit", f"{m['date_utc']}, {m['commit']}"
             + (" (with uncommitted changes)" if m.get("uncommitted_changes") else "")],
            ["CPU", f"{mach.get('cpu')}, nproc = {mach.get('nproc')}"],
            ["RAM", f"{mach.get('ram_gb')} GiB"],
            ["load average at the start (1, 5, 15 min)", ", ".join(map(str, m["load_average_1_5_15"]))],
            ["free disk (/tmp)", f"{m['disk_free_gb']} GB"],
            ["software", ", ".join(f"{k} {val}" for k, val in v.items() if val)]]))
    out.append("## Summary against the targets\n\n" + table(
        ["stage", "figure", "floor (same run)", "ratio", "target", "met?"], summary_rows(runs)))
    for s in runs.get("serve", []):
        out.append(serve_section(s))
    return "\n\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    sys.stdout.write(main(sys.argv[1:]))
