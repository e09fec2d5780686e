"""The downloader: Scrapy's, with one request at a time per domain also when there is no delay.

Scrapy 2.19's downloader hands a request to a download task and marks it as transferring only
once that task runs. Under the asyncio reactor the task starts on the next turn of the event
loop, so with ``DOWNLOAD_DELAY = 0`` the slot's queue loop still sees a free transfer slot and
sends every queued request to the host at once (up to CONCURRENT_REQUESTS), whatever
CONCURRENT_REQUESTS_PER_DOMAIN says. With a delay the loop stops after one request, so default
crawls were not affected, but ``--delay 0`` was. Here a request reserves its transfer slot the
moment it leaves the queue (``_download`` adds it again, a no-op, and frees it when done).
The simulator's test ``test_every_report_found_on_each_platform_and_no_lookalike`` measures it.

Each crawler has its own downloader, so `ogi crawl --all` with two registry portals on one
host (a city portal that also hosts its departments' columns) would send one request per
portal at once. A process-wide gate per host lets a slot send only while no other crawler's
slot for that host has a transfer in flight; a finished transfer wakes the waiting slots.
"""
from __future__ import annotations

from collections import deque

from scrapy.core.downloader import Downloader, Slot


class _HostGate:
    """Transfers in flight to one host, per slot, across every crawler of the process."""

    def __init__(self) -> None:
        self.inflight: dict[int, int] = {}
        self.waiting: dict[int, tuple["PoliteDownloader", Slot]] = {}

    def busy_for(self, slot: Slot) -> bool:
        return any(n > 0 for sid, n in self.inflight.items() if sid != id(slot))

    def take(self, slot: Slot) -> None:
        self.inflight[id(slot)] = self.inflight.get(id(slot), 0) + 1

    def release(self, slot: Slot) -> None:
        n = self.inflight.get(id(slot), 0) - 1
        if n > 0:
            self.inflight[id(slot)] = n
        else:
            self.inflight.pop(id(slot), None)


_GATES: dict[str, _HostGate] = {}


class _ReservingQueue(deque):
    def __init__(self, slot: Slot, gate: _HostGate) -> None:
        super().__init__()
        self.slot = slot
        self.gate = gate

    def popleft(self):
        request, dfd = super().popleft()
        self.slot.transferring.add(request)
        self.gate.take(self.slot)
        return request, dfd


class PoliteDownloader(Downloader):
    def _get_slot(self, request, spider=None):
        key, slot = super()._get_slot(request)
        if not isinstance(slot.queue, _ReservingQueue):
            queued = list(slot.queue)
            slot.queue = _ReservingQueue(slot, _GATES.setdefault(key, _HostGate()))
            slot.queue.extend(queued)
        return key, slot

    def _process_queue(self, slot: Slot) -> None:
        queue = slot.queue
        if isinstance(queue, _ReservingQueue) and queue and queue.gate.busy_for(slot):
            queue.gate.waiting[id(slot)] = (self, slot)  # woken when the other transfer ends
            return
        super()._process_queue(slot)

    async def _download(self, slot: Slot, request):
        try:
            return await super()._download(slot, request)
        finally:
            queue = slot.queue
            if isinstance(queue, _ReservingQueue):
                gate = queue.gate
                gate.release(slot)
                waiting, gate.waiting = gate.waiting, {}
                for downloader, other in waiting.values():
                    if other is not slot:
                        downloader._process_queue(other)
