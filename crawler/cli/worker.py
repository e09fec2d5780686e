"""`ogi worker`: one crawler process of a distributed crawl (see crawler/distributed.py).

Pulls requests of the current run from the shared Redis frontier (`ogi crawl --redis URL ...`
pushed the portals), archives what it fetches into its own WARC files in --archive
(`warc/<run id>-<worker id>-<spider>-<portal>-<n>.warc.gz`, WARC-Ogi-Worker on every record)
and writes its own run summary (`runs/<run id>-<worker id>.json`). Ends when every portal of
the run is finished: nothing queued and nothing in flight on any worker.
"""
from __future__ import annotations

import json
import os
import pathlib
import socket
import sys
import time

import click

from .crawl import (EXIT_CONFIG, EXIT_NOTHING, EXIT_OK, SPIDERS, close_summary, print_summary,
                    spider_class)


def _fail(msg: str) -> None:
    click.echo(f"ogi worker: {msg}", err=True)
    sys.exit(EXIT_CONFIG)


@click.command(context_settings={"help_option_names": ["-h", "--help"]},
               epilog="""\b
Exit codes: 0 ok (this worker archived reports), 1 nothing found by this worker (or no run
to work on within --wait), 2 configuration error (Redis unreachable, bad run), 3 blocked.
\b
Example (any number of machines, one shared Redis):
  ogi crawl --redis redis://10.0.0.5:6379/0 --all          # push the run
  ogi worker --redis redis://10.0.0.5:6379/0 --archive archive
  ogi worker --redis redis://10.0.0.5:6379/0 --status      # the operator's view
""")
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The shared Redis (redis://[:password@]host:6379/0).")
@click.option("--frontier", default="ogi", show_default=True, help="Key prefix in Redis.")
@click.option("--archive", "archive_dir", default="archive", show_default=True,
              type=click.Path(file_okay=False), help="Where this worker writes its WARC files.")
@click.option("--id", "worker_id", default=None,
              help="Worker id (default: <hostname>-<pid>); in WARC file names and headers.")
@click.option("--heartbeat-timeout", type=float, default=30.0, show_default=True,
              help="Seconds without a heartbeat after which a worker counts as dead and its "
                   "in-flight requests are requeued by the others.")
@click.option("--wait", type=float, default=60.0, show_default=True,
              help="Seconds to wait for a run to be pushed before giving up.")
@click.option("--status", is_flag=True, help="Print the frontier and the workers, and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("--log-level", default=None, help="Scrapy log level (default: the run's).")
def command(redis_url, frontier, archive_dir, worker_id, heartbeat_timeout, wait, status,
            as_json, log_level):
    """Crawl from the shared Redis frontier until the run is finished."""
    from crawler.distributed import (DEFAULT_PREFIX, Frontier, Heartbeat, connect,
                                     format_status, redact, safe_id, worker_id_default)
    try:
        f = Frontier(connect(redis_url), frontier or DEFAULT_PREFIX)
    except Exception as exc:  # noqa: BLE001
        _fail(f"cannot reach Redis at {redact(redis_url)}: {exc}")
    if status:
        s = f.status()
        click.echo(json.dumps(s, ensure_ascii=False, indent=1) if as_json
                   else format_status(s, redis_url))
        sys.exit(EXIT_OK)
    if heartbeat_timeout <= 0:
        _fail("--heartbeat-timeout must be positive")
    wid = safe_id(worker_id) if worker_id else worker_id_default()
    if f.r.exists(f.alive_key(wid)):
        _fail(f"a worker with id {wid!r} is already running on this frontier")

    deadline = time.monotonic() + wait
    run = f.run()
    while run is None or not f.targets():
        if time.monotonic() >= deadline:
            click.echo(f"ogi worker: no run in frontier {frontier!r} on {redact(redis_url)} "
                       f"after {wait:g}s (push one with `ogi crawl --redis URL ...`)", err=True)
            sys.exit(EXIT_NOTHING)
        time.sleep(0.5)
        run = f.run()
    targets = f.targets()
    allowed = {f"{c.__module__}.{c.__qualname__}": c
               for c in map(spider_class, set(SPIDERS.values()))}
    for key, spec in targets.items():
        if spec.get("cls") not in allowed:
            _fail(f"portal {key}: spider {spec.get('cls')!r} is not one of ogi's spiders")

    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.archive import read_run_summary, utcnow_iso

    archive = pathlib.Path(archive_dir)
    run_id = f"{run['run_id']}-{wid}"
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in (run.get("settings") or {}).items():
        settings.set(name, value, priority="cmdline")
    shared_delay = settings.getfloat("DOWNLOAD_DELAY")
    mw = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # last before the download: the per-host lease shared by all workers
    mw["crawler.distributed.SharedPolitenessMiddleware"] = 890
    for name, value in {
        "OGI_ARCHIVE_DIR": str(archive), "OGI_RUN_ID": run_id, "OGI_WORKER_ID": wid,
        "OGI_FRONTIER": f.prefix, "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.FrontierScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_SERIALIZER": "crawler.frontier_json",  # never pickle: Redis must not run code
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # politeness moves into Redis: one request at a time per host across all workers,
        # DOWNLOAD_DELAY apart; a local delay or AutoThrottle would only add gaps of their own
        "OGI_SHARED_DELAY": shared_delay, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOADER_MIDDLEWARES": mw,
        "ITEM_PIPELINES": {**settings.getdict("ITEM_PIPELINES"),
                           "crawler.distributed.SkipArchivedInRun": 290,
                           "crawler.distributed.MarkArchivedInRun": 310},
    }.items():
        settings.set(name, value, priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")

    hb = Heartbeat(f, wid, heartbeat_timeout, {
        "host": socket.gethostname(), "pid": os.getpid(), "run_id": run["run_id"],
        "archive": str(archive.resolve()), "started": time.time()})
    process = CrawlerProcess(settings, install_root_handler=True)
    errors: list[str] = []
    for key, spec in sorted(targets.items()):
        cls = allowed[spec["cls"]]
        custom = dict(getattr(cls, "custom_settings", None) or {})
        custom.update(spec.get("settings") or {})
        custom["SCHEDULER_QUEUE_KEY"] = f.queue_key(key)
        custom["SCHEDULER_DUPEFILTER_KEY"] = f.seen_key(key)
        sub = type(cls.__name__, (cls,), {"custom_settings": custom,
                                          "__module__": cls.__module__})
        crawler = process.create_crawler(sub)
        hb.crawlers.append(crawler)
        d = process.crawl(crawler, **spec.get("kwargs", {}))
        d.addErrback(lambda fl, key=key: errors.append(f"{key}: {fl.getErrorMessage()}"))
    hb.start(interval=min(1.0, heartbeat_timeout / 3))
    try:
        process.start()
    finally:
        part = read_run_summary(archive, run_id) or {}
        reasons = {x.get("finish_reason") for x in part.get("per_spider", [])}
        hb.stop("failed" if errors else "stopped" if reasons - {"finished"} else "finished")
        left = f.rescue(wid)  # a stop by signal: give back what was still in flight
        if left > 0:
            click.echo(f"ogi worker: gave {left} unfinished request(s) back to the frontier",
                       err=True)

    summary = read_run_summary(archive, run_id) or {
        "run_id": run_id, "started": None, "finished": None, "spiders": [], "counts": {},
        "failures": [], "paused": []}
    summary["args"] = {"redis": redact(redis_url), "frontier": f.prefix, "worker": wid,
                       "run": run["run_id"], "archive": str(archive), **(run.get("args") or {})}
    summary["worker"] = wid
    summary["fetched"] = hb.progress()["fetched"]
    summary["requeued_from_dead_workers"] = hb.rescued
    code = close_summary(archive, summary, errors)
    print_summary(summary, [])
    if summary.get("proposed_columns"):  # columns read off known reports' pages, for review
        from crawler.registry.proposals import default_path, propose_columns
        registries = {spec.get("kwargs", {}).get("registry") for spec in targets.values()}
        path = default_path(registries.pop() if len(registries) == 1 else None)
        n = propose_columns(summary["proposed_columns"], path, utcnow_iso())
        click.echo(f"{n} entr{'y' if n == 1 else 'ies'}: a column read off a known report's "
                   f"page, proposed in {path} (review: ogi registry diff)")
    click.echo(f"worker {wid}: fetched {summary['fetched']} responses, requeued "
               f"{hb.rescued} request(s) of dead workers")
    sys.exit(code)
