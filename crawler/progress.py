"""A one-line live progress display for `ogi crawl`, `ogi build` and `ogi demo`.

On a terminal the line is redrawn in place (carriage return, at most every `interval` seconds)
and wiped when the work ends, so only the plain lines and the summary stay on screen. Anywhere
else (cron, CI, a pipe) nothing is drawn: logs and scripts get the summary only.
OGI_PROGRESS=1 forces the display on (to try it through a pipe), OGI_PROGRESS=0 off.

    with Progress() as p:
        p.show(crawl_line(counts))            # pages fetched, reports found/new/changed/failed
        p.show(parse_line(done, total, t0))   # reports parsed of total, rate, time left
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Mapping, TextIO


def interactive(stream: TextIO) -> bool:
    forced = os.environ.get("OGI_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


class Progress:
    def __init__(self, stream: TextIO | None = None, interval: float = 0.2,
                 enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.interval = interval
        self._last = 0.0
        self._width = 0

    def show(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        cols = shutil.get_terminal_size((100, 20)).columns - 1
        text = text[:cols]
        pad = max(0, self._width - _width(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = _width(text)

    def clear(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.clear()


def _width(text: str) -> int:
    """Terminal columns of `text` (CJK characters take two)."""
    return sum(2 if ord(ch) >= 0x1100 else 1 for ch in text)


def crawl_line(counts: Mapping[str, int], fetched: int | None = None) -> str:
    c = counts
    head = f"crawling: {fetched} fetched, " if fetched is not None else "crawling: "
    return (f"{head}{c.get('pages', 0)} list pages, {c.get('reports_found', 0)} reports found, "
            f"{c.get('new', 0)} new, {c.get('changed', 0)} changed, {c.get('failed', 0)} failed")


def parse_line(done: int, total: int, started: float, now: float | None = None) -> str:
    elapsed = max(1e-9, (now if now is not None else time.monotonic()) - started)
    rate = done / elapsed
    left = (total - done) / rate if rate > 0 else None
    return (f"parsing: {done}/{total} reports, {rate:.1f}/s, "
            + (f"{_duration(left)} left" if left is not None and done else "starting"))


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class build_progress:
    """`with build_progress() as cb: build(..., progress=cb)`: reports parsed of total, with rate
    and time left, on the live line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.display = Progress(stream)
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if done == 0:
            self.started = time.monotonic()
        self.display.show(parse_line(done, total, self.started), force=done in (0, total))

    def __enter__(self) -> "build_progress":
        return self

    def __exit__(self, *exc) -> None:
        self.display.clear()
