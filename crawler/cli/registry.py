"""`ogi registry`: the national registry of portals — import, reach, list, stats, check,
discover, diff, accept, publish.

Tools never overwrite the registry: `check` and `discover` write proposals
(crawler/registry/proposals.py) that `diff` shows and `accept` takes; `ogi crawl --all` crawls
the verified entries and, until they are accepted, what discovery proposed.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import pathlib
import sys

import click

from crawler.cli.crawl import EXIT_CONFIG, EXIT_OK

OPTS = {"help_option_names": ["-h", "--help"]}


def _fail(msg: str) -> None:
    click.echo(f"ogi registry: {msg}", err=True)
    sys.exit(EXIT_CONFIG)


def _load(registry, proposals=None):
    from crawler.registry import RegistryError, load_registry
    try:
        return load_registry(registry, proposals)
    except RegistryError as exc:
        _fail(str(exc))


def _proposals_path(registry, proposals) -> pathlib.Path:
    from crawler.registry.proposals import default_path
    return pathlib.Path(proposals) if proposals else default_path(registry)


def _utcnow() -> str:
    from crawler.archive import utcnow_iso
    return utcnow_iso()


registry_option = click.option("--registry", default=None, type=click.Path(dir_okay=False),
                               help="Registry file (.csv or YAML) [default: the shipped "
                                    "crawler/registry/portals.yaml + national.csv].")
proposals_option = click.option("--proposals", default=None, type=click.Path(dir_okay=False),
                                help="Proposals file [default: REGISTRY.proposals.json, or "
                                     "./registry-proposals.json for the shipped registry].")


@click.group(context_settings=OPTS)
def command() -> None:
    """The national portal registry: governments, their departments and townships, and their
    政府信息公开年报 columns."""


# ---------------------------------------------------------------- import
@command.command("import", context_settings=OPTS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@registry_option
@click.option("--source", default=None, help="Source named on every entry [default: the file name].")
@click.option("--source-date", default=None, help="Date of the source [default: the probe column's date].")
def import_(path, registry, source, source_date):
    """Import a division/portal list (the columns of cn_gov_portals_by_division.csv) into a CSV
    registry (default: the shipped crawler/registry/national.csv). Verified entries are kept."""
    from crawler.registry import NATIONAL_FILE, Registry, RegistryError, parse_registry, write_registry
    from crawler.registry.national import import_file, merge_import
    target = pathlib.Path(registry) if registry else NATIONAL_FILE
    try:
        imported = import_file(path, source, source_date)
        existing = (parse_registry(target.read_text("utf-8"), str(target), "csv")
                    if target.exists() else Registry())
        merged = merge_import(existing, imported)
        write_registry(merged, target)
    except RegistryError as exc:
        _fail(str(exc))
    kept = sum(1 for c, p in existing.items() if c in imported and p.status != "unverified")
    click.echo(f"imported {len(imported)} entries from {path} into {target} "
               f"({len(merged)} entries; {kept} verified or checked entries kept as they were)")


# ---------------------------------------------------------------- reach
@command.command("reach", context_settings=OPTS)
@registry_option
@click.option("--addresses", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Report addresses [default: the shipped crawler/registry/report_addresses.csv].")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def reach(registry, addresses, dry_run):
    """Give the registry's governments and bodies the 年报 columns and known reports their
    report addresses imply (each platform's address rules; nothing invented, verified entries
    kept), into a CSV registry (default: the shipped crawler/registry/national.csv)."""
    from crawler.registry import NATIONAL_FILE, RegistryError, parse_registry, write_registry
    from crawler.registry.addresses import read_addresses
    from crawler.registry.reach import build, host_coverage

    from .crawl import spider_class

    target = pathlib.Path(registry) if registry else NATIONAL_FILE
    try:
        reg = parse_registry(target.read_text("utf-8"), str(target), "csv")
    except (OSError, RegistryError) as exc:
        _fail(str(exc))
    rows = read_addresses(addresses)
    if not rows:
        _fail("no report addresses to read")
    rules = spider_class("discover")  # answers for every platform's addresses
    before = stats_of(reg)
    out, changes = build(reg, rows, rules.column_of, rules.annual_root)
    after = stats_of(out)
    if not dry_run:
        write_registry(out, target)
    click.echo(f"{'would change' if dry_run else 'wrote'} {target}: {len(rows)} report addresses; "
               f"{changes['bodies_created']} bodies added, {changes['entries_changed']} entries "
               f"given columns or known reports")
    for key, label in (("governments_with_column", "governments with a 年报 column"),
                       ("bodies_with_column", "bodies with a 年报 column"),
                       ("known_reports_only", "entries with known reports only")):
        click.echo(f"  {label}: {before[key]} -> {after[key]}")
    h = host_coverage(out, rows)
    if h["governments"]:
        click.echo(f"  of the {h['governments']} governments with a report address: "
                   f"{h['own_column_on_host']} ({h['own_column_on_host'] / h['governments']:.0%}) "
                   f"have a 年报 column of their own on a report's host, "
                   f"{h['own_or_body_column_on_host']} "
                   f"({h['own_or_body_column_on_host'] / h['governments']:.0%}) one of their own "
                   f"or of one of their bodies")


# ---------------------------------------------------------------- list and stats
def _select(reg, province, level, status, crawlable, parent):
    out = []
    for p in reg.values():
        if province and not (p.region_code or p.code).startswith(province.rstrip("0") or province):
            continue
        if level and p.level != level:
            continue
        if status and p.status != status:
            continue
        if parent and p.parent != parent:
            continue
        if crawlable and p.crawl_problems():
            continue
        out.append(p)
    return out


@command.command("list", context_settings=OPTS)
@registry_option
@proposals_option
@click.option("--province", default=None, help="Province code prefix (35 or 350000).")
@click.option("--level", default=None, help="省 市 县 部门 乡")
@click.option("--status", default=None)
@click.option("--parent", default=None, help="Entries under this code (its bodies).")
@click.option("--crawlable", is_flag=True, help="Only what `ogi crawl --all` would crawl.")
@click.option("--codes", is_flag=True, help="Print the codes only (for `ogi crawl --portal`).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines.")
def list_(registry, proposals, province, level, status, parent, crawlable, codes, as_json):
    """List registry entries (with what discovery proposed, as `ogi crawl` sees them)."""
    reg = _load(registry, _proposals_path(registry, proposals))
    for p in _select(reg, province, level, status, crawlable, parent):
        if codes:
            click.echo(p.code)
        elif as_json:
            click.echo(json.dumps(dataclasses.asdict(p), ensure_ascii=False))
        else:
            click.echo(f"{p.code}\t{p.level}\t{p.agency}\t{p.status}\t{p.platform or '-'}\t"
                       f"{' '.join(p.column_urls) or p.home_url or '-'}")


def stats_of(reg) -> dict:
    from crawler.db.regions import province_of
    out = {"entries": len(reg), "with_home_page": 0, "with_column": 0, "crawlable": 0,
           "governments": 0, "bodies": 0, "governments_with_column": 0, "bodies_with_column": 0,
           "known_reports_only": 0, "home_page_only": 0, "by_level": collections.Counter(),
           "by_status": collections.Counter(), "by_platform": collections.Counter(),
           "by_province": {}, "by_level_reach": {}}
    for p in reg.values():
        gov = p.level in ("省", "市", "县")
        out["governments" if gov else "bodies"] += 1
        out["with_home_page"] += bool(p.home_url)
        out["with_column"] += bool(p.column_urls)
        out["governments_with_column" if gov else "bodies_with_column"] += bool(p.column_urls)
        known_only = bool(p.known_reports) and not p.column_urls
        home_only = bool(p.home_url) and not p.column_urls and not p.known_reports
        out["known_reports_only"] += known_only
        out["home_page_only"] += home_only
        out["crawlable"] += not p.crawl_problems()
        out["by_level"][p.level or "?"] += 1
        out["by_status"][p.status] += 1
        out["by_platform"][p.platform or "unknown"] += 1
        prov = province_of(p.region_code)[1] or "?"
        row = out["by_province"].setdefault(prov, collections.Counter())
        row["entries"] += 1
        row["governments" if gov else "bodies"] += 1
        row["with_home_page"] += bool(p.home_url)
        row["with_column"] += bool(p.column_urls)
        row["known_reports_only"] += known_only
        row["home_page_only"] += home_only
        row[p.level or "?"] += 1
        lv = out["by_level_reach"].setdefault(p.level or "?", collections.Counter())
        lv["entries"] += 1
        lv["with_column"] += bool(p.column_urls)
        lv["known_reports_only"] += known_only
        lv["home_page_only"] += home_only
    for k in ("by_level", "by_status", "by_platform"):
        out[k] = dict(sorted(out[k].items()))
    out["by_province"] = {k: dict(v) for k, v in sorted(out["by_province"].items())}
    out["by_level_reach"] = {k: dict(v) for k, v in sorted(out["by_level_reach"].items())}
    return out


@command.command("stats", context_settings=OPTS)
@registry_option
@proposals_option
@click.option("--json", "as_json", is_flag=True)
def stats(registry, proposals, as_json):
    """Coverage of the registry by province, level, status and platform."""
    s = stats_of(_load(registry, _proposals_path(registry, proposals)))
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    click.echo(f"{s['entries']} entries: {s['governments']} governments, {s['bodies']} bodies; "
               f"{s['with_home_page']} with a home page, {s['with_column']} with a 年报 column, "
               f"{s['crawlable']} crawlable")
    click.echo(f"governments: {s['governments_with_column']} with a 年报 column; bodies: "
               f"{s['bodies_with_column']} with a 年报 column; {s['known_reports_only']} entries with "
               f"known reports only, {s['home_page_only']} with a home page only")
    click.echo("level\tentries\twith column\tknown reports only\thome page only")
    for lv, r in s["by_level_reach"].items():
        click.echo(f"{lv}\t{r.get('entries', 0)}\t{r.get('with_column', 0)}\t"
                   f"{r.get('known_reports_only', 0)}\t{r.get('home_page_only', 0)}")
    click.echo("level:    " + ", ".join(f"{k} {v}" for k, v in s["by_level"].items()))
    click.echo("status:   " + ", ".join(f"{k} {v}" for k, v in s["by_status"].items()))
    click.echo("platform: " + ", ".join(f"{k} {v}" for k, v in s["by_platform"].items()))
    click.echo("province\tentries\tgovernments\tbodies\thome pages\tcolumns\tknown reports only\t"
               "home page only")
    for prov, r in s["by_province"].items():
        click.echo(f"{prov}\t{r.get('entries', 0)}\t{r.get('governments', 0)}\t"
                   f"{r.get('bodies', 0)}\t{r.get('with_home_page', 0)}\t{r.get('with_column', 0)}\t"
                   f"{r.get('known_reports_only', 0)}\t{r.get('home_page_only', 0)}")


# ---------------------------------------------------------------- check and discover
def survey_options(f):
    for opt in reversed([
        click.option("--all", "all_", is_flag=True, help="Every entry with a home page."),
        click.option("--province", default=None, help="Only this province (code prefix)."),
        registry_option, proposals_option,
        click.option("--resolve", "resolve", multiple=True, metavar="HOST=ADDRESS[:PORT]",
                     help="Connect to ADDRESS[:PORT] for HOST, keeping the URL (repeatable; "
                          "such hosts may be private: the operator chose them)."),
        click.option("--allow-private", is_flag=True, help="Allow private addresses (tests)."),
        click.option("--max-pages", type=int, default=300, show_default=True,
                     help="Requests per portal (discover)."),
        click.option("--hosts", type=int, default=32, show_default=True,
                     help="Portals looked at at once (one request at a time each)."),
        click.option("--timeout", type=float, default=None, help="Download timeout (s)."),
        click.option("--delay", type=float, default=None, help="Download delay (s)."),
        click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE"),
        click.option("--log-level", default=None),
    ]):
        f = opt(f)
    return click.argument("codes", nargs=-1)(f)


def resolve_settings(resolve) -> dict:
    from crawler.resolve import ResolveError, parse_resolve, settings_for
    try:
        return settings_for(parse_resolve(list(resolve)))
    except ResolveError as exc:
        _fail(str(exc))


def run_survey(entries, mode, cmdline: dict, max_pages: int):
    """Run the registry-survey spider (spiders/survey.py) over *entries*; {code: PortalSurvey}."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from .crawl import spider_class

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for k, v in cmdline.items():
        settings.set(k, v, priority="cmdline")
    settings.set("OGI_RUN_ID", "survey", priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(spider_class("registry-survey"))
    process.crawl(crawler, entries=entries, mode=mode, max_pages=max_pages)
    process.start()
    spider = crawler.spider
    for s in spider.results.values():
        spider.finish(s)
    return spider.results


def _survey_command(mode, codes, all_, province, registry, proposals, resolve, allow_private,
                    max_pages, hosts, timeout, delay, overrides, log_level):
    from crawler.cli.crawl import run_settings
    from crawler.registry.proposals import load_proposals, save_proposals
    if bool(codes) == bool(all_):
        _fail("give registry codes or --all")
    reg = _load(registry)
    if all_:
        entries = [p for p in _select(reg, province, None, None, False, None) if p.home_url]
    else:
        missing = [c for c in codes if c not in reg]
        if missing:
            _fail(f"not in the registry: {', '.join(missing)}")
        entries = [reg[c] for c in codes]
        nohome = [c for c in codes if not reg[c].home_url or not reg[c].domains]
        if nohome:
            _fail(f"no home page or domain in the registry: {', '.join(nohome)}")
    if not entries:
        _fail("no entry with a home page to look at")
    cmdline = run_settings((), allow_private, None, None, timeout, delay, overrides, log_level)
    cmdline.update(resolve_settings(resolve))
    cmdline["OGI_SURVEY_HOSTS"] = max(1, hosts)
    results = run_survey(entries, mode, cmdline, max_pages)
    ppath = _proposals_path(registry, proposals)
    try:
        props = load_proposals(ppath)
    except Exception as exc:  # noqa: BLE001
        _fail(str(exc))
    at = _utcnow()
    from crawler.registry.survey_proposals import propose
    lines = propose(props, reg, results, mode, at)
    save_proposals(props, ppath)
    for line in lines:
        click.echo(line)
    click.echo(f"proposals written to {ppath}; review with `ogi registry diff`, take with "
               f"`ogi registry accept`")
    return EXIT_OK


@command.command("check", context_settings=OPTS)
@survey_options
def check(**kw):
    """Fetch each home page: reachable, moved, blocked? Does its <title> name the division?
    Which platform? Writes proposals (status, platform), never the registry."""
    sys.exit(_survey_command("check", **kw))


@command.command("discover", context_settings=OPTS)
@survey_options
def discover(**kw):
    """From each home page: the 信息公开 platform, the government's 年报 column, and its
    departments and townships with their own columns (new registry entries under it). Writes
    proposals, never the registry; `ogi crawl --all` crawls them until they are accepted."""
    sys.exit(_survey_command("discover", **kw))


# ---------------------------------------------------------------- diff and accept
@command.command("diff", context_settings=OPTS)
@click.argument("codes", nargs=-1)
@registry_option
@proposals_option
@click.option("--json", "as_json", is_flag=True)
def diff_(codes, registry, proposals, as_json):
    """What the proposals would change in the registry, entry by entry."""
    from crawler.registry.proposals import diff, load_proposals
    reg = _load(registry)
    props = load_proposals(_proposals_path(registry, proposals))
    if codes:
        props = {c: r for c, r in props.items() if c in codes}
    rows = diff(reg, props)
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    for r in rows:
        tag = "new" if r["new"] else ("verified: not applied until accepted" if r["verified"]
                                      else "unverified")
        click.echo(f"{r['code']} {r['name']} ({tag}; {', '.join(r['tools'])} {r['at']})")
        for field, old, new in r["changes"]:
            click.echo(f"  {field}: {old!r} -> {new!r}")
    click.echo(f"{len(rows)} proposal(s)")


@command.command("accept", context_settings=OPTS)
@click.argument("codes", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every proposal.")
@click.option("--tool", type=click.Choice(["check", "discover"]), default=None,
              help="With --all: only the proposals of this tool.")
@registry_option
@proposals_option
def accept_(codes, all_, tool, registry, proposals):
    """Take reviewed proposals into the registry (a CSV registry; default: the shipped
    national.csv). Taken entries become verified unless the proposal says moved/unreachable/
    blocked; their proposals are removed."""
    from crawler.registry import NATIONAL_FILE, RegistryError, parse_registry, write_registry
    from crawler.registry.proposals import accept, load_proposals, save_proposals
    if bool(codes) == bool(all_):
        _fail("give proposal codes or --all")
    ppath = _proposals_path(registry, proposals)
    props = load_proposals(ppath)
    target = pathlib.Path(registry) if registry else NATIONAL_FILE
    if all_:
        codes = [c for c, r in props.items() if tool is None or tool in r.get("tools", [])]
    try:
        reg = parse_registry(target.read_text("utf-8"), str(target), "csv") \
            if str(target).endswith(".csv") else _fail(f"{target}: accept writes CSV registries")
        new, taken = accept(reg, props, codes)
        write_registry(new, target)
    except (RegistryError, OSError) as exc:
        _fail(str(exc))
    for c in taken:
        props.pop(c, None)
    save_proposals(props, ppath)
    click.echo(f"accepted {len(taken)} proposal(s) into {target}; {len(props)} left in {ppath}")


# ---------------------------------------------------------------- publish
@command.command("publish", context_settings=OPTS)
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False))
@registry_option
@proposals_option
def publish(db_path, registry, proposals):
    """Write the registry (with what discovery proposed) into archive.db's registry table, for
    the coverage pages and the dashboard."""
    from crawler.db.registry_table import publish as write_table
    reg = _load(registry, _proposals_path(registry, proposals))
    n = write_table(db_path, reg)
    click.echo(f"{n} registry entries written to {db_path}")
