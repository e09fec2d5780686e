"""The archive pipeline: every CaptureItem becomes WARC records (crawler.archive); the run's
counts and failures go to ``runs/<run_id>.json``.

Shared per-crawler state lives in :class:`CrawlState` (``crawler.ogi``), created by whichever
component asks first (:func:`state_of`): the archive index (for conditional requests), the
run recorder (counts, failures, blocks per domain) and the JOBDIR guard.
"""
from __future__ import annotations

import json
import logging
import pathlib
import shutil
import urllib.parse

from scrapy import signals

from .archive import (COUNT_KEYS, ArchiveIndex, ArchiveWriter, Fetch, new_run_id,
                      read_run_summary, utcnow_iso, write_run_summary)
from .items import CaptureItem

logger = logging.getLogger(__name__)

JOB_MARKER = "ogi-resumable.json"


class RunRecorder:
    """Counts and failures of one crawler in one run."""

    def __init__(self, block_limit: int) -> None:
        self.counts = {k: 0 for k in COUNT_KEYS}
        self.failures: list[dict] = []
        self._failed_urls: set[str] = set()
        self.report_urls: set[str] = set()
        self.blocks: dict[str, int] = {}
        self.paused: set[str] = set()
        self.block_limit = block_limit
        self.started = utcnow_iso()
        # columns a crawl read off known reports' pages (their breadcrumb or 栏目 link), for
        # the registry's review (written as proposals by `ogi crawl`, never into the registry)
        self.proposed_columns: list[dict] = []

    def propose_column(self, portal: str | None, column: str, report: str, evidence: str) -> None:
        if portal and not any(p["column"] == column and p["portal"] == portal
                              for p in self.proposed_columns):
            self.proposed_columns.append({"portal": portal, "column": column, "report": report,
                                          "evidence": evidence})

    def fail(self, url: str, reason: str, role: str | None = None) -> None:
        if url in self._failed_urls:
            return
        self._failed_urls.add(url)
        entry = {"url": url, "reason": reason}
        if role:
            entry["role"] = role
        self.failures.append(entry)
        self.counts["failed"] = len(self.failures)
        logger.warning("failed: %s: %s", url, reason)

    def report_seen(self, url: str) -> None:
        self.report_urls.add(url)
        self.counts["reports_found"] = len(self.report_urls)

    def block(self, url: str, why: str) -> bool:
        """Count a block on the URL's host; True once the host is paused."""
        host = urllib.parse.urlsplit(url).hostname or ""
        self.blocks[host] = self.blocks.get(host, 0) + 1
        self.counts["blocked"] += 1
        logger.warning("blocked by %s (%s), %d/%d", host, why, self.blocks[host], self.block_limit)
        if self.blocks[host] >= self.block_limit and host not in self.paused:
            self.paused.add(host)
            logger.error("portal %s paused for this run after %d blocks", host, self.blocks[host])
        return host in self.paused

    def is_paused(self, url: str) -> bool:
        return (urllib.parse.urlsplit(url).hostname or "") in self.paused


_INDEXES: dict[tuple[str, str], ArchiveIndex] = {}  # (archive dir, run) -> index shared by its spiders


class CrawlState:
    def __init__(self, crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.archive_dir = pathlib.Path(s.get("OGI_ARCHIVE_DIR") or "archive")
        self.run_id = s.get("OGI_RUN_ID") or new_run_id()
        self.standalone = not s.get("OGI_RUN_ID")  # `scrapy crawl`, not `ogi crawl`
        self.recorder = RunRecorder(s.getint("OGI_BLOCK_LIMIT", 5))
        self._index: ArchiveIndex | None = None
        from . import diskfull
        diskfull.register(crawler, self.run_id)

    @property
    def index(self) -> ArchiveIndex:
        # One index per archive directory and process: the spiders of one `ogi crawl --all` run
        # see each other's captures, so a document linked from two portals is stored once.
        if self._index is None:
            key = (str(self.archive_dir.resolve()), self.run_id)
            self._index = _INDEXES.get(key)
            if self._index is None:
                self._index = _INDEXES[key] = ArchiveIndex.load(self.archive_dir)
        return self._index

    def conditional_headers(self, url: str) -> dict[str, str]:
        return self.index.conditional_headers(url)

    def archived_payload(self, url: str) -> tuple[bytes, str | None, str] | None:
        k = self.index.by_url.get(url)
        if k is None:
            return None
        return self.index.payload(self.archive_dir, url), k.encoding, k.role


def state_of(crawler) -> CrawlState:
    st = getattr(crawler, "ogi", None)
    if st is None:
        st = CrawlState(crawler)
        crawler.ogi = st
    return st


def guard_jobdir(jobdir: str | None) -> None:
    """Keep a JOBDIR only if the run that left it stopped cleanly (Ctrl-C / SIGTERM).

    A run killed with SIGKILL leaves a request queue that was never saved and a seen-requests
    file that was: resuming from it would skip documents never archived. Such a JOBDIR is
    dropped and the crawl starts over; the archive's digests keep that from storing anything
    twice.
    """
    if not jobdir:
        return
    d = pathlib.Path(jobdir)
    marker = d / JOB_MARKER
    if d.exists() and any(d.iterdir()):
        if marker.exists():
            logger.info("resuming the interrupted crawl kept in %s", d)
            marker.unlink()
        else:
            logger.info("dropping %s: left by a run that did not stop cleanly", d)
            shutil.rmtree(d, ignore_errors=True)


class ArchivePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.state = state_of(crawler)
        self.writer: ArchiveWriter | None = None
        self.jobdir = crawler.settings.get("JOBDIR")
        guard_jobdir(self.jobdir)  # runs before the scheduler opens the JOBDIR
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        self.writer = ArchiveWriter(self.state.archive_dir, self.state.run_id,
                                    label=spider.name + (f"-{spider.portal_code}"
                                                         if getattr(spider, "portal_code", None)
                                                         else ""),
                                    index=self.state.index,
                                    worker=self.crawler.settings.get("OGI_WORKER_ID") or None)

    def process_item(self, item, spider=None):
        if not isinstance(item, CaptureItem):
            return item
        assert self.writer is not None
        fetch = Fetch(url=item.url, final_url=item.final_url, status=item.status,
                      headers=item.headers, body=item.body, method=item.method,
                      request_headers=item.request_headers, request_body=item.request_body,
                      role=item.role, title=item.title, agency=item.agency,
                      region_code=item.region_code, portal=item.portal, referer=item.referer)
        try:
            outcome, cap = self.writer.write(fetch)
        except OSError as exc:
            from . import diskfull
            if not diskfull.is_disk_full(exc):
                raise
            diskfull.stop(self.crawler, exc, f"the WARC record of {item.url}")
            from scrapy.exceptions import DropItem
            raise DropItem(f"not archived: the disk is full ({item.url})") from None
        rec = self.state.recorder
        if item.role == "report":
            rec.report_seen(item.url)
            rec.counts[outcome] += 1
        logger.info("archived %s %s (%s, %s)", item.role, item.url, outcome, cap.sha256[:12])
        return item

    def close_spider(self, spider=None) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError as exc:  # a full disk: what was written stays (a cut tail at most)
                logger.error("closing the WARC file: %s", exc)

    def spider_closed(self, spider, reason) -> None:
        from . import diskfull
        if reason == diskfull.REASON and self.jobdir:  # its space first: the summary needs it
            shutil.rmtree(self.jobdir, ignore_errors=True)
        spider_summary = self.summary(spider, reason)
        try:
            merge_run_summary(self.state.archive_dir, self.state.run_id, spider_summary,
                              finalize=self.state.standalone)
        except OSError as exc:  # a full disk: `ogi crawl` still has it (UNWRITTEN)
            logger.error("the run summary could not be written: %s", exc)
        if self.jobdir:
            d = pathlib.Path(self.jobdir)
            if reason == "shutdown":
                d.mkdir(parents=True, exist_ok=True)
                (d / JOB_MARKER).write_text(json.dumps({"run_id": self.state.run_id,
                                                        "at": utcnow_iso()}))
            else:
                shutil.rmtree(d, ignore_errors=True)

    def summary(self, spider, reason: str) -> dict:
        rec = self.state.recorder
        return {
            "spider": spider.name,
            "portal": getattr(spider, "portal_code", None),
            "start_urls": list(getattr(spider, "start_urls", []) or []),
            "started": rec.started,
            "finished": utcnow_iso(),
            "finish_reason": reason,
            "counts": dict(rec.counts),
            "failures": list(rec.failures),
            "paused": sorted(rec.paused),
            # each report column against its own count: expected, found (static / API /
            # browser), shortfall (crawler.listcount)
            "columns": spider.ledger.summaries() if hasattr(spider, "ledger") else [],
            "proposed_columns": list(rec.proposed_columns),
            **self._disk_full(reason),
        }

    def _disk_full(self, reason: str) -> dict:
        from . import diskfull
        why = diskfull.message(self.state.run_id) if reason == diskfull.REASON else None
        return {"errors": [why]} if why else {}


def exit_code_for(summary: dict) -> int:
    """0 ok, 1 nothing found, 3 blocked, 4 reports found but none archived (2, configuration
    error, is decided before crawling)."""
    c = summary.get("counts", {})
    if summary.get("paused") or (c.get("reports_found", 0) == 0 and c.get("blocked", 0) > 0):
        return 3
    if c.get("reports_found", 0) == 0:
        return 1
    if not any(c.get(k, 0) for k in ("new", "changed", "unchanged")):
        return 4  # every report found failed to download: nothing of them is in the archive
    return 0


def list_totals(columns: list[dict]) -> dict:
    """The run's columns in three numbers: how many, how many short of their count, by how
    many items in all."""
    short = [c for c in columns if c.get("shortfall")]
    return {"columns": len(columns), "incomplete": len(short),
            "shortfall": sum(c["shortfall"] for c in short)}


def merge_run_summary(archive_dir, run_id: str, part: dict, finalize: bool,
                      args: dict | None = None) -> dict:
    """Fold one spider's summary into runs/<run_id>.json (spiders of a run close one by one).
    The merged summary is also kept in UNWRITTEN until it is written (a full disk)."""
    s = UNWRITTEN.get(run_id) or read_run_summary(archive_dir, run_id) or {
        "run_id": run_id, "started": part["started"], "finished": None, "spiders": [],
        "args": args or {}, "counts": {k: 0 for k in COUNT_KEYS}, "failures": [],
        "paused": [], "exit_code": None, "per_spider": [],
    }
    s["spiders"].append(part["spider"])
    s["per_spider"].append({k: part.get(k) for k in ("spider", "portal", "start_urls", "counts",
                                                     "finish_reason", "columns")})
    s.setdefault("columns", []).extend(part.get("columns") or [])
    s.setdefault("proposed_columns", []).extend(part.get("proposed_columns") or [])
    s["lists"] = list_totals(s["columns"])
    for k in COUNT_KEYS:
        s["counts"][k] = s["counts"].get(k, 0) + part["counts"].get(k, 0)
    s["failures"].extend(part["failures"])
    s["paused"] = sorted(set(s["paused"]) | set(part["paused"]))
    for e in part.get("errors") or []:  # a full disk: said in the file even if it is the last
        if e not in s.setdefault("errors", []):
            s["errors"].append(e)
            s["exit_code"] = 5
    s["started"] = min(s["started"], part["started"])
    s["finished"] = part["finished"]
    if finalize:
        s["exit_code"] = exit_code_for(s)
    UNWRITTEN[run_id] = s
    write_run_summary(archive_dir, s)
    UNWRITTEN.pop(run_id, None)
    return s


UNWRITTEN: dict[str, dict] = {}  # run id -> its merged summary, while it could not be written
