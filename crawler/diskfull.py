"""A full disk during a crawl stops the crawl, cleanly and at once.

Everything a crawl writes lives on the archive's disk: WARC records, the resume state (JOBDIR:
the request queue and the seen-requests file), Scrapy's log and the run summary. When that disk
fills, Scrapy's own handling keeps going: a disk queue that fails on pop leaves the engine idle
forever ("Crawled 48 pages (at 0 pages/min)"), every log line raises a logging traceback and
the archive lock is never released. Here the first write that finds no space (ENOSPC, EDQUOT)
anywhere in the crawl — the archive pipeline, the scheduler's queue or seen file — records one
clear error and closes every spider of the run with the reason ``disk_full``; `ogi crawl` then
writes the summary if it still can, releases the lock and exits 5. The resume state of a
stopped run is dropped (it may miss requests whose write failed); nothing archived is lost,
and the next crawl after space returns fetches what is missing (captures are deduplicated by
digest).
"""
from __future__ import annotations

import errno
import logging

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)

REASON = "disk_full"
_RUNS: dict[str, list] = {}        # run id -> crawlers of the run in this process
_FULL: dict[str, str] = {}         # run id -> the first disk-full message


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def register(crawler, run_id: str) -> None:
    _RUNS.setdefault(run_id, []).append(crawler)


def message(run_id: str) -> str | None:
    """The disk-full error of the run, if it met one."""
    return _FULL.get(run_id)


def stop(crawler, exc: BaseException, where: str) -> None:
    """Record the first disk-full error of the run and close every spider of it."""
    state = getattr(crawler, "ogi", None)  # crawler.pipelines.CrawlState (no import back)
    run_id = state.run_id if state is not None else crawler.settings.get("OGI_RUN_ID", "")
    if run_id not in _FULL:
        archive = (state.archive_dir if state is not None
                   else crawler.settings.get("OGI_ARCHIVE_DIR", "archive"))
        _FULL[run_id] = (f"the disk holding {archive} is full ({exc.strerror or exc}) while "
                         f"writing {where}: the crawl stopped")
        logger.error("%s", _FULL[run_id])
        logging.raiseExceptions = False  # a log file on the full disk: no traceback per line
    from twisted.internet import reactor

    for cr in _RUNS.get(run_id, [crawler]):
        engine = getattr(cr, "engine", None)
        spider = getattr(cr, "spider", None)
        if engine is None or spider is None or getattr(cr, "_ogi_stopping", False):
            continue
        cr._ogi_stopping = True
        reactor.callLater(0, _close, engine, spider)


def _close(engine, spider) -> None:
    try:
        if hasattr(engine, "close_spider_async"):
            from scrapy.utils.defer import deferred_from_coro

            d = deferred_from_coro(engine.close_spider_async(reason=REASON))
        else:  # older Scrapy
            d = engine.close_spider(spider, REASON)
    except Exception:  # noqa: BLE001 - already closing
        return
    if hasattr(d, "addErrback"):
        d.addErrback(lambda f: logger.error("closing %s: %s", spider.name, f.getErrorMessage()))


class DiskAwareScheduler(Scheduler):
    """Scrapy's scheduler, stopping the crawl when its JOBDIR (queue, seen file) cannot be
    written instead of failing on every push and pop."""

    def enqueue_request(self, request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            stop(self.crawler, exc, "the crawl's request queue (JOBDIR)")
            return False

    def next_request(self):
        try:
            return super().next_request()
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            stop(self.crawler, exc, "the crawl's request queue (JOBDIR)")
            return None

    def close(self, reason: str):
        try:
            return super().close(reason)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            logger.error("the request queue could not be saved: %s", exc)
            return None
