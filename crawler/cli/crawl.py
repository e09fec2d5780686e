"""`ogi crawl`: find and archive annual reports (raw WARC captures), then optionally build the db."""
from __future__ import annotations

import collections
import contextlib
import json
import os
import pathlib
import sys
import urllib.parse

import click

EXIT_OK, EXIT_NOTHING, EXIT_CONFIG, EXIT_BLOCKED, EXIT_NONE_ARCHIVED = 0, 1, 2, 3, 4
EXIT_DISK_FULL = 5


def close_summary(archive, summary: dict, errors: list, override: int | None = None) -> int:
    """The run's exit code (`override`, then configuration errors, then the counts), written
    into its summary file."""
    from crawler.archive import write_run_summary
    from crawler.pipelines import exit_code_for

    if override is not None:
        summary.setdefault("errors", []).extend(errors)
        code = override
    elif errors:
        summary.setdefault("errors", []).extend(errors)
        code = EXIT_CONFIG
    else:
        code = exit_code_for(summary)
    summary["exit_code"] = code
    write_run_summary(archive, summary)
    return code

# registry platform (or --platform) -> the name of the spider that crawls it
SPIDERS = {
    "auto": "discover",
    "generic": "discover",
    "trs": "trs",
    "hanweb": "hanweb",
    "json": "jsonapi",
    "vsb": "vsb",
    "jeecms": "jeecms",
    "openness": "openness",
}


def spider_class(name: str):
    """A spider of the project by its name, as Scrapy finds it in SPIDER_MODULES
    (crawler.settings): the crawler names its spiders, it never imports them."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return get_spider_loader(settings).load(name)


def _fail(msg: str) -> None:
    click.echo(f"ogi crawl: {msg}", err=True)
    sys.exit(EXIT_CONFIG)


def _loopback(url: str) -> bool:
    import ipaddress
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command(context_settings={"help_option_names": ["-h", "--help"]},
               epilog="""\b
Exit codes:
  0  ok: reports were found (failures, if any, are listed in the summary)
  1  nothing found: the crawl ran but found no report
  2  configuration error: bad options, unknown or incomplete registry entry,
     archive locked by another crawl
  3  blocked: a portal was paused after repeated blocks (429/403/WAF challenge),
     or nothing was found and the portal blocked the crawler
  4  none archived: reports were found but every one failed to download
     (each failure is listed in the summary)
  5  stopped: the disk holding the archive filled up (what was archived is
     kept; the lock is released; crawl again once there is space)
\b
Examples:
  ogi crawl --url http://127.0.0.1:8000/ --allow-private          (the demo portal)
  ogi crawl --portal 350128 --archive archive --db archive.db
  ogi crawl --all
""")
@click.option("--url", "urls", multiple=True, help="A report column or a portal home page "
              "(discovery from there). Only its host is followed.")
@click.option("--portal", "portals", multiple=True, help="A registry code (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every crawlable portal of the registry.")
@click.option("--archive", "archive_dir", default="archive", show_default=True,
              type=click.Path(file_okay=False), help="Archive directory (WARC files, runs/).")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="After the crawl, build the captures into this archive.db.")
@click.option("--allow-private", is_flag=True,
              help="Allow loopback/private/link-local addresses (tests and the demo only).")
@click.option("--platform", type=click.Choice(sorted(SPIDERS)), default="auto",
              show_default=True, help="List kind of --url: trs, hanweb, json, generic/auto "
              "(auto discovers the column from a home page and reads any list kind).")
@click.option("--api", default=None, help="JSON list URL template with {page} (platform json).")
@click.option("--registry", default=None, type=click.Path(dir_okay=False),
              help="Portal registry file, .csv or YAML (default: the shipped "
                   "crawler/registry/portals.yaml + national.csv).")
@click.option("--proposals", default=None, type=click.Path(dir_okay=False),
              help="What `ogi registry discover` proposed, crawled until accepted [default: "
                   "REGISTRY.proposals.json, or ./registry-proposals.json].")
@click.option("--resolve", "resolve", multiple=True, metavar="HOST=ADDRESS[:PORT]",
              help="Connect to ADDRESS[:PORT] for HOST and keep the URL (repeatable); such a "
                   "host is not refused as private: the operator named it.")
@click.option("--jobdir", default=None, type=click.Path(file_okay=False),
              help="Root of the per-spider JOBDIRs (resume state) [default: ARCHIVE/jobs].")
@click.option("--max-pages", type=int, default=None, help="List pages per spider (default 500).")
@click.option("--max-size", type=int, default=None,
              help="Maximum document size in bytes (default 200 MiB).")
@click.option("--timeout", type=float, default=None, help="Download timeout in seconds.")
@click.option("--delay", type=float, default=None,
              help="Download delay in seconds; 0 also switches AutoThrottle off.")
@click.option("--browser/--no-browser", "browser", default=True, show_default=True,
              help="Render a list page in Debian's chromium when its static reading (pages, "
                   "list APIs, script modules) stays short of the page's own count or empty.")
@click.option("--browser-pages", type=int, default=None,
              help="List pages the browser shows per column (page-bar clicks; default 20).")
@click.option("--browser-timeout", type=float, default=None,
              help="Seconds per rendered list page (default 30).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting (repeatable).")
@click.option("--log-level", default=None, help="Scrapy log level (default INFO).")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Distributed mode: push the portals into the shared frontier on this Redis "
                   "(redis://host:6379/0) for `ogi worker` processes, then return.")
@click.option("--frontier", default="ogi", show_default=True,
              help="Key prefix of the frontier in Redis (one per independent crawl).")
@click.option("--reset", is_flag=True,
              help="With --redis: discard a run still in progress (queued requests are lost).")
@click.option("--status", is_flag=True,
              help="With --redis: print the frontier (queue, seen set, workers) and exit.")
@click.option("--plan", is_flag=True,
              help="With --all or --portal: print the columns, year viewers and known reports "
                   "the crawl would visit, their hosts and the time it needs at the politeness "
                   "limits, without fetching anything.")
@click.option("--json", "as_json", is_flag=True, help="With --status or --plan: print JSON.")
@click.option("-v", "--verbose", is_flag=True,
              help="Show Scrapy's log on the terminal (by default it goes to "
                   "ARCHIVE/runs/<run_id>.log beside the run summary).")
def command(urls, portals, all_, archive_dir, db_path, allow_private, platform, api, registry,
            proposals, resolve, jobdir, max_pages, max_size, timeout, delay, browser, browser_pages,
            browser_timeout, overrides, log_level, redis_url, frontier, reset, status, plan,
            as_json, verbose):
    """Find and archive annual reports as raw WARC captures (spiders never parse tables).

    Prints a run summary (pages, reports found, new, changed, unchanged, failed with each
    failure's URL and reason) and writes it to ARCHIVE/runs/<run_id>.json.
    """
    if status:
        if not redis_url:
            _fail("--status needs --redis URL")
        sys.exit(print_frontier_status(redis_url, frontier, as_json))
    if sum(bool(x) for x in (urls, portals, all_)) != 1:
        _fail("give exactly one of --url, --portal or --all")
    if db_path and redis_url:
        _fail("--db does not apply to --redis (workers archive; run `ogi build` when they end)")
    if plan:
        if urls:
            _fail("--plan reads the registry: give --all or --portal")
        from crawler.registry.proposals import default_path as _default
        sys.exit(print_plan(portals, all_, registry, proposals or str(_default(registry)), delay,
                            as_json))
    from scrapy.settings import Settings

    from crawler.archive import ArchiveLock, new_run_id, read_run_summary

    archive = pathlib.Path(archive_dir)
    from crawler.registry.proposals import default_path
    proposals = proposals or str(default_path(registry))
    targets, skipped = build_targets(urls, portals, all_, registry, platform, api, proposals)
    cmdline = run_settings(urls, allow_private, max_pages, max_size, timeout, delay, overrides,
                           log_level, browser, browser_pages, browser_timeout)
    from crawler.resolve import ResolveError, parse_resolve, settings_for
    try:
        cmdline.update(settings_for(parse_resolve(list(resolve))))
    except ResolveError as exc:
        _fail(str(exc))
    if redis_url:
        sys.exit(start_distributed_run(redis_url, frontier, reset, targets, skipped, cmdline, {
            "url": list(urls), "portal": list(portals), "all": all_, "platform": platform,
            "allow_private": allow_private, "skipped": skipped}))

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    run_id = new_run_id()
    settings.set("OGI_ARCHIVE_DIR", str(archive), priority="cmdline")
    settings.set("OGI_RUN_ID", run_id, priority="cmdline")
    if not verbose:  # Scrapy's log beside the run summary; the terminal gets progress + summary
        log_file = archive / "runs" / f"{run_id}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
        import logging
        logging.raiseExceptions = False  # a log line lost to a full disk: no traceback for it
    for name, value in cmdline.items():
        settings.set(name, value, priority="cmdline")
    if not allow_private and not os.environ.get("OGI_CONTACT"):
        click.echo("ogi crawl: note: OGI_CONTACT is not set; the user agent carries no contact "
                   "address (set it before crawling real portals)", err=True)

    lock = ArchiveLock(archive)
    if not lock.acquire():
        _fail(f"another crawl is writing to {archive} (lock held on {archive / 'lock'})")
    try:
        from scrapy.crawler import CrawlerProcess
        jobroot = pathlib.Path(jobdir) if jobdir else archive / "jobs"
        settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
        process = CrawlerProcess(settings)
        errors: list[str] = []
        crawlers = []
        for cls, kw, key, cs in targets:
            custom = dict(getattr(cls, "custom_settings", None) or {})
            custom.update(cs)
            custom["JOBDIR"] = str(jobroot / key)
            sub = type(cls.__name__, (cls,), {"custom_settings": custom,
                                                "__module__": cls.__module__})
            crawler = process.create_crawler(sub)
            crawlers.append(crawler)
            d = process.crawl(crawler, **kw)
            d.addErrback(lambda f, key=key: errors.append(f"{key}: {f.getErrorMessage()}"))
        click.echo(f"crawling {len(targets)} portal(s), run {run_id}"
                   + ("" if verbose else f"; Scrapy's log: {archive / 'runs' / (run_id + '.log')}"))
        with crawl_progress(crawlers):
            process.start()
        from crawler import diskfull
        from crawler.pipelines import UNWRITTEN
        summary = UNWRITTEN.pop(run_id, None) or read_run_summary(archive, run_id)
        if summary is None:
            summary = {"run_id": run_id, "started": None, "finished": None, "spiders": [],
                       "counts": {}, "failures": [], "paused": []}
        summary["args"] = {"url": list(urls), "portal": list(portals), "all": all_,
                           "archive": str(archive), "db": db_path, "platform": platform,
                           "allow_private": allow_private, "skipped": skipped}
        full = diskfull.message(run_id)
        if full and full not in (summary.get("errors") or []):
            errors.append(full)
        try:
            code = close_summary(archive, summary, errors, EXIT_DISK_FULL if full else None)
        except OSError as exc:
            click.echo(f"ogi crawl: the run summary could not be written ({exc.strerror or exc}); "
                       f"it follows here", err=True)
            code = summary.get("exit_code") or EXIT_CONFIG
        if full:
            click.echo(f"ogi crawl: {full}; what was archived before is kept; free space and "
                       f"crawl again (the archive lock is released)", err=True)
    finally:
        lock.release()

    print_summary(summary, skipped)
    if summary.get("proposed_columns") and not urls:
        from crawler.archive import utcnow_iso
        from crawler.registry.proposals import propose_columns
        n = propose_columns(summary["proposed_columns"], proposals, utcnow_iso())
        click.echo(f"{n} entr{'y' if n == 1 else 'ies'}: a column read off a known report's "
                   f"page, proposed in {proposals} (review: ogi registry diff)")
    if db_path:
        build_db(archive, pathlib.Path(db_path))
        if not urls:
            publish_registry(pathlib.Path(db_path), registry, proposals)
    sys.exit(code)


@contextlib.contextmanager
def crawl_progress(crawlers):
    """The live line while the reactor runs: pages and reports of every spider of the run."""
    from crawler.progress import Progress, crawl_line

    progress = Progress()
    if not progress.enabled:
        yield
        return
    from twisted.internet import reactor, task  # installed by the first crawler

    def tick():
        counts: dict[str, int] = {}
        fetched = 0
        for cr in crawlers:
            state = getattr(cr, "ogi", None)
            for k, v in (state.recorder.counts.items() if state else ()):
                counts[k] = counts.get(k, 0) + v
            stats = getattr(cr, "stats", None)  # set once the crawler has started
            if stats is not None:
                fetched += stats.get_value("downloader/response_count", 0) or 0
        progress.show(crawl_line(counts, fetched), force=True)

    loop = task.LoopingCall(tick)
    reactor.callWhenRunning(loop.start, 0.25)
    try:
        yield
    finally:
        if loop.running:
            loop.stop()
        progress.clear()


def publish_registry(db_path: pathlib.Path, registry, proposals) -> None:
    """The registry the crawl used, as archive.db's registry table (coverage, dashboard)."""
    from crawler.db.registry_table import publish
    from crawler.registry import load_registry
    n = publish(db_path, load_registry(registry, proposals))
    click.echo(f"registry: {n} entries written to {db_path}")


def build_targets(urls, portals, all_, registry, platform, api, proposals=None):
    """The spiders to run: [(spider class, kwargs, key, settings)] and the skipped portals."""
    from crawler.archive import safe_name
    from crawler.registry import NO_COLUMN, RegistryError, load_registry

    targets: list[tuple[type, dict, str, dict]] = []  # (spider class, kwargs, key, settings)
    skipped: list[str] = []
    if urls:
        for u in urls:
            p = urllib.parse.urlsplit(u)
            if p.scheme not in ("http", "https") or not p.hostname:
                _fail(f"--url must be an http(s) URL: {u}")
        cls = spider_class(SPIDERS[platform])
        kw = {"url": ",".join(urls)}
        if api:
            kw["api"] = api
        targets.append((cls, kw, safe_name(f"{cls.name}-{urllib.parse.urlsplit(urls[0]).netloc}"), {}))
    else:
        try:
            reg = load_registry(registry, proposals)
        except RegistryError as exc:
            _fail(str(exc))
        entries = []
        if all_:
            waiting = 0
            for p in reg.values():
                probs = p.crawl_problems()
                if probs == [NO_COLUMN] and p.home_url:
                    waiting += 1  # known by its home page; `ogi registry discover` finds the column
                elif probs:
                    skipped.append(f"{p.code} {p.agency}: " + "; ".join(probs))
                else:
                    entries.append(p)
            if waiting:
                skipped.append(f"{waiting} entries known only by their home page (no report "
                               f"column yet: run `ogi registry discover`)")
            if not entries:
                _fail("no crawlable portal in the registry")
        else:
            for code in portals:
                p = reg.get(code)
                if p is None:
                    _fail(f"portal {code!r} is not in the registry")
                probs = p.crawl_problems()
                if probs:
                    _fail(f"portal {code} ({p.agency}) cannot be crawled: " + "; ".join(probs))
                entries.append(p)
        for p in entries:
            cls = spider_class(SPIDERS.get(p.platform or "auto", SPIDERS["auto"]))
            kw = {"portal": p.code}
            if registry:
                kw["registry"] = str(registry)
            if proposals and pathlib.Path(proposals).exists():
                kw["proposals"] = str(proposals)
            cs = {"ROBOTSTXT_OBEY": False} if p.robots == "ignore" else {}
            targets.append((cls, kw, safe_name(f"{cls.name}-{p.code}"), cs))
    return targets, skipped


# what a crawl costs, for the plan: list pages read per column on a first crawl (most 年报
# columns hold one to three pages), documents per column (about 18 years of reports since 2008,
# some with an attachment), and per known report (the page and perhaps its attachment)
PLAN_LIST_PAGES = 3
PLAN_DOCS_PER_COLUMN = 27
PLAN_REQUESTS_PER_REPORT = 1.5


def crawl_plan(entries, delay: float, concurrent: int) -> dict:
    """What `ogi crawl` would visit for *entries*, and the time it needs at the politeness
    limits (one request at a time per host, *delay* seconds apart, *concurrent* hosts at once)."""
    import datetime

    from crawler.registry.addresses import registrable

    years = datetime.datetime.now(datetime.timezone.utc).year - 2008 + 1
    visits, per_host = [], collections.Counter()
    for p in entries:
        for u in p.column_urls:
            kind = "year viewer" if "{year}" in u else "column"
            cost = years if kind == "year viewer" else PLAN_LIST_PAGES + PLAN_DOCS_PER_COLUMN
            visits.append({"portal": p.code, "agency": p.agency, "level": p.level, "kind": kind,
                           "url": u, "requests": cost})
            per_host[registrable(urllib.parse.urlsplit(u).hostname or "")] += cost
        for u in p.known_reports:
            visits.append({"portal": p.code, "agency": p.agency, "level": p.level,
                           "kind": "known report", "url": u, "requests": PLAN_REQUESTS_PER_REPORT})
            per_host[registrable(urllib.parse.urlsplit(u).hostname or "")] += PLAN_REQUESTS_PER_REPORT
    total = sum(per_host.values())
    busiest = max(per_host.values(), default=0)
    # hosts run in parallel up to `concurrent` at once; no host faster than its own queue
    seconds = max(busiest * delay, total * delay / max(1, min(concurrent, len(per_host) or 1)))
    kinds = collections.Counter(v["kind"] for v in visits)
    return {"entries": len(entries),
            "governments": sum(1 for p in entries if p.level in ("省", "市", "县")),
            "bodies": sum(1 for p in entries if p.level not in ("省", "市", "县")),
            "columns": kinds["column"], "year_viewers": kinds["year viewer"],
            "known_reports": kinds["known report"], "hosts": len(per_host),
            "requests": round(total), "delay": delay, "hosts_at_once": concurrent,
            "busiest_hosts": [{"host": h, "requests": round(n)} for h, n in per_host.most_common(10)],
            "hours": round(seconds / 3600, 1),
            "assumptions": f"per column {PLAN_LIST_PAGES} list pages + {PLAN_DOCS_PER_COLUMN} "
                           f"documents, per year viewer {years} years, per known report "
                           f"{PLAN_REQUESTS_PER_REPORT} requests; one request at a time per "
                           f"host, {delay:g} s apart, {concurrent} hosts at once",
            "visits": visits}


def print_plan(portals, all_, registry, proposals, delay, as_json) -> int:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    targets, skipped = build_targets((), portals, all_, registry, "auto", None, proposals)
    from crawler.registry import load_registry
    reg = load_registry(registry, proposals if pathlib.Path(proposals).exists() else None)
    entries = [reg[kw["portal"]] for _, kw, _, _ in targets]
    if delay is None:
        delay = settings.getfloat("DOWNLOAD_DELAY") + settings.getfloat("DOWNLOAD_DELAY_JITTER", 0) / 2
    plan = crawl_plan(entries, delay, settings.getint("CONCURRENT_REQUESTS"))
    if as_json:
        click.echo(json.dumps(dict(plan, skipped=skipped), ensure_ascii=False, indent=1))
        return EXIT_OK
    for v in plan["visits"]:
        click.echo(f"{v['portal']}\t{v['level']}\t{v['agency']}\t{v['kind']}\t{v['url']}")
    click.echo(f"plan: {plan['entries']} entries ({plan['governments']} governments, "
               f"{plan['bodies']} bodies): {plan['columns']} columns, {plan['year_viewers']} year "
               f"viewers, {plan['known_reports']} known reports on {plan['hosts']} hosts; about "
               f"{plan['requests']} requests")
    click.echo(f"time at the politeness limits: about {plan['hours']} h "
               f"({plan['assumptions']})")
    for h in plan["busiest_hosts"][:5]:
        click.echo(f"  busiest host {h['host']}: about {h['requests']} requests")
    if skipped:
        click.echo(f"skipped: {len(skipped)} (not crawlable; `ogi crawl --all` lists why)")
    return EXIT_OK


def run_settings(urls, allow_private, max_pages, max_size, timeout, delay, overrides,
                 log_level, browser=True, browser_pages=None, browser_timeout=None) -> dict:
    """The Scrapy settings the options set (cmdline priority), in the order they apply."""
    out: dict = {"OGI_ALLOW_PRIVATE": bool(allow_private)}
    if not browser:
        out["OGI_BROWSER"] = False
    for name, value in (("OGI_BROWSER_MAX_PAGES", browser_pages),
                        ("OGI_BROWSER_PAGE_TIMEOUT", browser_timeout)):
        if value is not None:
            if value <= 0:
                opt = "--browser-pages" if name.endswith("PAGES") else "--browser-timeout"
                _fail(f"{opt} must be positive, got {value}")
            out[name] = value
    if max_pages:
        out["OGI_MAX_PAGES"] = max_pages
    if max_size:
        out["DOWNLOAD_MAXSIZE"] = max_size
        out["DOWNLOAD_WARNSIZE"] = 0
    if timeout:
        out["DOWNLOAD_TIMEOUT"] = timeout
    if delay is None and urls and all(_loopback(u) for u in urls):
        delay = 0.0  # a local simulator: politeness delays only slow tests and the demo down
    if delay is not None:
        out["DOWNLOAD_DELAY"] = delay
        if delay == 0:
            out["AUTOTHROTTLE_ENABLED"] = False
            out["DOWNLOAD_DELAY_JITTER"] = 0
    if log_level:
        out["LOG_LEVEL"] = log_level.upper()
    for ov in overrides:
        name, sep, value = ov.partition("=")
        if not sep or not name:
            _fail(f"--set expects NAME=VALUE, got {ov!r}")
        out[name.strip()] = value
    return out


def _frontier(redis_url: str, prefix: str):
    from crawler.distributed import Frontier, connect, redact
    try:
        return Frontier(connect(redis_url), prefix)
    except Exception as exc:  # noqa: BLE001 - any connection problem is a configuration error
        _fail(f"cannot reach Redis at {redact(redis_url)}: {exc}")


def print_frontier_status(redis_url: str, prefix: str, as_json: bool) -> int:
    from crawler.distributed import format_status
    s = _frontier(redis_url, prefix).status()
    click.echo(json.dumps(s, ensure_ascii=False, indent=1) if as_json
               else format_status(s, redis_url))
    return EXIT_OK


def start_distributed_run(redis_url, prefix, reset, targets, skipped, cmdline, args) -> int:
    """Distributed mode: a new run in the shared frontier; `ogi worker`s do the crawling."""
    from crawler.archive import new_run_id, utcnow_iso
    from crawler.distributed import redact
    f = _frontier(redis_url, prefix)
    why = f.busy()
    if why and not reset:
        _fail(f"{why} (see `ogi crawl --redis URL --status`; --reset discards it)")
    run_id = new_run_id()
    specs = {}
    for cls, kw, key, cs in targets:
        kw = dict(kw)
        for k in ("registry", "proposals"):  # workers on this machine read the same files
            if kw.get(k):
                kw[k] = str(pathlib.Path(kw[k]).resolve())
        specs[key] = {"cls": f"{cls.__module__}.{cls.__qualname__}", "kwargs": kw,
                      "settings": cs}
    f.start_run(run_id, specs, cmdline, args, utcnow_iso())
    click.echo(f"run {run_id}: {len(specs)} portal(s) pushed to frontier {prefix!r} on "
               f"{redact(redis_url)}")
    for key in specs:
        click.echo(f"  portal {key}")
    for k in skipped:
        click.echo(f"  skipped portal {k}")
    click.echo(f"start workers: ogi worker --redis {redact(redis_url)} --frontier {prefix} "
               f"--archive DIR; watch: ogi crawl --redis URL --status; then: ogi build")
    return EXIT_OK


def print_summary(s: dict, skipped: list[str]) -> None:
    c = s.get("counts", {})
    click.echo(f"run {s['run_id']}: {c.get('pages', 0)} pages, "
               f"{c.get('reports_found', 0)} reports found, {c.get('new', 0)} new, "
               f"{c.get('changed', 0)} changed, {c.get('unchanged', 0)} unchanged, "
               f"{c.get('failed', 0)} failed, {c.get('blocked', 0)} blocked")
    for line in column_lines(s.get("columns") or []):
        click.echo(line)
    for f in s.get("failures", []):
        click.echo(f"  failed: {f['url']}: {f['reason']}")
    for p in s.get("paused", []):
        click.echo(f"  paused: {p} (too many blocks)")
    for e in s.get("errors", []):
        click.echo(f"  error: {e}")
    for k in skipped:
        click.echo(f"  skipped portal {k}")
    click.echo(f"exit code {s.get('exit_code')}; summary in runs/{s['run_id']}.json")


def column_lines(columns: list[dict]) -> list[str]:
    """One line per report column: what it says it holds, what was found and how."""
    out = []
    for c in columns:
        how = (f"{c['found_static']} static + {c['found_api']} API + {c['found_browser']} "
               f"browser")
        if c.get("expected") is None:
            out.append(f"  list {c['column']}: {c['found']} items ({how}); the page states no "
                       f"count")
            continue
        exp = f"{c['expected']}" + (f"–{c['expected_at_most']}" if c.get("expected_at_most")
                                     else "")
        basis = f" ({c['expected_basis']})" if c.get("expected_basis") else ""
        if c.get("shortfall"):
            why = f"; browser: {c['browser']}" if c.get("browser") else ""
            out.append(f"  INCOMPLETE list {c['column']}: expected {exp}{basis}, found "
                       f"{c['found']} ({how}), shortfall {c['shortfall']}{why}")
        else:
            out.append(f"  list {c['column']}: expected {exp}{basis}, found {c['found']} "
                       f"({how})")
    return out


def build_db(archive: pathlib.Path, db_path: pathlib.Path) -> None:
    try:
        from crawler.db.build import build
    except ImportError as exc:
        click.echo(f"ogi crawl: --db: the database builder (crawler.db.build) is not available "
                   f"yet ({exc}); captures are archived, run `ogi build` later", err=True)
        return
    from crawler.cli.build import report_damage
    from crawler.db.publish import BuildLocked, DiskFull
    from crawler.progress import build_progress

    try:
        with build_progress() as progress:
            result = build(archive, db_path, progress=progress)
    except (BuildLocked, DiskFull) as exc:
        click.echo(f"ogi crawl: --db: {exc}; captures are archived, run `ogi build` later",
                   err=True)
        return
    click.echo(f"built {db_path}: {json.dumps(result, ensure_ascii=False, default=str)}")
    report_damage(result)
