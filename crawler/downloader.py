"""The downloader: Scrapy's, with one request at a time per domain also when there is no delay.

Scrapy 2.19's downloader hands a request to a download task and marks it as transferring only
once that task runs. Under the asyncio reactor the task starts on the next turn of the event
loop, so with ``DOWNLOAD_DELAY = 0`` the slot's queue loop still sees a free transfer slot and
sends every queued request to the host at once (up to CONCURRENT_REQUESTS), whatever
CONCURRENT_REQUESTS_PER_DOMAIN says. With a delay the loop stops after one request, so default
crawls were not affected, but ``--delay 0`` was. Here a request reserves its transfer slot the
moment it leaves the queue (``_download`` adds it again, a no-op, and frees it when done).
The simulator's test ``test_every_report_found_on_each_platform_and_no_lookalike`` measures it.
"""
from __future__ import annotations

from collections import deque

from scrapy.core.downloader import Downloader, Slot


class _ReservingQueue(deque):
    def __init__(self, slot: Slot) -> None:
        super().__init__()
        self.slot = slot

    def popleft(self):
        request, dfd = super().popleft()
        self.slot.transferring.add(request)
        return request, dfd


class PoliteDownloader(Downloader):
    def _get_slot(self, request, spider=None):
        key, slot = super()._get_slot(request)
        if not isinstance(slot.queue, _ReservingQueue):
            queued = list(slot.queue)
            slot.queue = _ReservingQueue(slot)
            slot.queue.extend(queued)
        return key, slot
