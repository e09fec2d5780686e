"""Distributed crawling on Redis: one shared frontier, any number of ``ogi worker`` processes.

Built on scrapy-redis (its Scheduler, request serialisation and RFPDupeFilter); this module adds
what a crawl that must never lose a document needs on top of it.

Keys (``PREFIX`` is ``--frontier``, default ``ogi``)::

    PREFIX:run                 hash: run_id, started, settings (JSON), args (JSON)
    PREFIX:targets             hash: target key -> JSON {cls, kwargs, settings} (one per portal)
    PREFIX:q:<target>          sorted set: the target's request queue (scrapy-redis PriorityQueue)
    PREFIX:seen:<target>       set: request fingerprints (scrapy-redis RFPDupeFilter)
    PREFIX:workers             hash: worker id -> JSON progress (state, last_seen, counts)
    PREFIX:alive:<worker>      heartbeat key, expires after the heartbeat timeout
    PREFIX:processing:<worker> hash: token -> "<queue key>\\n<score>\\n<request>": requests a
                               worker took from a queue and has not finished yet
    PREFIX:polite:<host>       per-host lease shared by all workers (politeness)
    PREFIX:archived            hash: "<url>\\n<sha256>" -> worker, the captures written in this run

Crash safety. scrapy-redis pops requests destructively, so a worker killed with SIGKILL would
lose the requests it was working on. Here a pop is a Lua script that moves the request from the
queue into the worker's ``processing`` hash in one step; the entry is deleted only when Scrapy
is completely done with the request (response parsed, its captures written to the WARC file and
fsync'ed, the requests it led to pushed to the queue), or, for a retry or a redirect, in the
same Lua step that pushes the follow-up request. A request is therefore always either queued or
in some worker's ``processing`` hash. Every live worker refreshes its heartbeat key; when a
worker's heartbeat expires, the first live worker to notice moves its ``processing`` entries
back to their queues (one Lua script: exactly one worker does it) and another worker fetches
them. A target is finished only when its queue and every ``processing`` entry for it are empty.
The one gap no two-system design can close is a worker killed after its WARC record was written
but before Redis heard the request was done; the document is then fetched again by another
worker, and ``SkipArchivedInRun`` keeps it from being stored twice unless the kill also fell in
the microseconds between the fsync and the Redis note (``MarkArchivedInRun``).

Politeness across workers. Each request to a host first takes the host's lease
(``PREFIX:polite:<host>``: SET NX with an expiry) and gives it back when its answer (or error)
arrives, turning it into a cool-down of DOWNLOAD_DELAY seconds (longer when the portal sent
Retry-After). So the whole cluster makes one request at a time per host with the configured
delay between requests, like a single polite crawler. A lease held by a worker that died expires
after DOWNLOAD_TIMEOUT + 30 s.

Duplicate filter. The spiders mark their requests ``dont_filter`` (their own per-process sets keep
duplicates out, and redirects/retries must not vanish in a filter). Across workers the shared
RFPDupeFilter decides instead: a request a spider makes is pushed only if its fingerprint was
not seen in this run (SADD + ZADD in one Lua step); follow-ups of a request already taken (retry,
redirect) skip the filter.
"""
from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import urllib.parse
import uuid

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.archive import safe_name

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "ogi"
TOKEN = "ogi_token"     # request.meta: the processing-hash entry of a request taken from a queue
LEASE = "ogi_lease"     # request.meta: the politeness lease this request holds


def worker_id_default() -> str:
    return safe_id(f"{socket.gethostname()}-{__import__('os').getpid()}")


def safe_id(text: str) -> str:
    return safe_name(text, 60, "worker")


def redact(url: str) -> str:
    """A Redis URL without its password (for logs, summaries and the status view)."""
    p = urllib.parse.urlsplit(url)
    if p.password:
        netloc = f"{p.username or ''}:***@{p.hostname}" + (f":{p.port}" if p.port else "")
        return urllib.parse.urlunsplit((p.scheme, netloc, p.path, p.query, p.fragment))
    return url


def connect(url: str):
    import redis
    r = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
    r.ping()
    return r


# --------------------------------------------------------------------------- Lua scripts

# KEYS: queue, processing hash. ARGV: token. Take the best request and record it as in flight.
POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], KEYS[1] .. '\\n' .. r[2] .. '\\n' .. r[1])
return r[1]
"""

# KEYS: dupefilter set, queue. ARGV: fingerprint, score, request. A new request: push if unseen.
PUSH_NEW = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  return 1
end
return 0
"""

# KEYS: queue, processing hash. ARGV: score, request, parent token. A retry/redirect of a request
# in flight: queued again and no longer in flight, in one step.
REQUEUE = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[3])
return 1
"""

# KEYS: processing hash of a worker, its heartbeat key. Give its requests back to their queues,
# unless the worker is alive (its heartbeat came back). Returns the number requeued, -1 if alive.
RESCUE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local vals = redis.call('HVALS', KEYS[1])
for _, v in ipairs(vals) do
  local a = string.find(v, '\\n', 1, true)
  local b = string.find(v, '\\n', a + 1, true)
  redis.call('ZADD', string.sub(v, 1, a - 1), string.sub(v, a + 1, b - 1), string.sub(v, b + 1))
end
redis.call('DEL', KEYS[1])
return #vals
"""

# KEYS: host lease. ARGV: token, lease ms. 0 = taken; >0 = cool-down ms left; <0 = held (-ms).
LEASE_TAKE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local t = redis.call('PTTL', KEYS[1])
if t < 1 then t = 1 end
if redis.call('GET', KEYS[1]) == 'wait' then return t end
return -t
"""

# KEYS: host lease. ARGV: token, cool-down ms. Give the lease back as a cool-down.
LEASE_GIVE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then
    redis.call('SET', KEYS[1], 'wait', 'PX', ARGV[2])
  else
    redis.call('DEL', KEYS[1])
  end
  return 1
end
if tonumber(ARGV[2]) > 0 and redis.call('GET', KEYS[1]) == 'wait'
   and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class Frontier:
    """The shared state of a distributed crawl in one Redis database."""

    def __init__(self, server, prefix: str = DEFAULT_PREFIX) -> None:
        self.r = server
        self.prefix = prefix
        self._pop = server.register_script(POP)
        self._push_new = server.register_script(PUSH_NEW)
        self._requeue = server.register_script(REQUEUE)
        self._rescue = server.register_script(RESCUE)
        self._take = server.register_script(LEASE_TAKE)
        self._give = server.register_script(LEASE_GIVE)

    # keys
    def k(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    def queue_key(self, target: str) -> str:
        return self.k("q", target)

    def seen_key(self, target: str) -> str:
        return self.k("seen", target)

    def processing_key(self, worker: str) -> str:
        return self.k("processing", worker)

    def alive_key(self, worker: str) -> str:
        return self.k("alive", worker)

    # queue operations
    def pop(self, queue: str, worker: str, token: str) -> bytes | None:
        return self._pop(keys=[queue, self.processing_key(worker)], args=[token])

    def push_new(self, seen: str, queue: str, fp: str, score: float, data: bytes) -> bool:
        return bool(self._push_new(keys=[seen, queue], args=[fp, score, data]))

    def requeue(self, queue: str, worker: str, score: float, data: bytes, token: str) -> None:
        self._requeue(keys=[queue, self.processing_key(worker)], args=[score, data, token])

    def done(self, worker: str, token: str) -> None:
        self.r.hdel(self.processing_key(worker), token)

    def rescue(self, worker: str) -> int:
        """Requeue the in-flight requests of *worker* if its heartbeat is gone (-1: alive)."""
        return int(self._rescue(keys=[self.processing_key(worker), self.alive_key(worker)]))

    # politeness lease
    def lease_take(self, host: str, token: str, lease_ms: int) -> int:
        return int(self._take(keys=[self.k("polite", host)], args=[token, lease_ms]))

    def lease_give(self, host: str, token: str, cooldown_ms: int) -> None:
        self._give(keys=[self.k("polite", host)], args=[token, max(0, int(cooldown_ms))])

    # run and workers
    def workers(self) -> dict[str, dict]:
        out = {}
        for k, v in self.r.hgetall(self.k("workers")).items():
            try:
                out[k.decode()] = json.loads(v)
            except ValueError:
                continue
        return out

    def in_flight(self) -> dict[str, list[str]]:
        """worker -> queue keys of its in-flight requests (one consistent snapshot)."""
        ids = [w.decode() for w in self.r.hkeys(self.k("workers"))]
        pipe = self.r.pipeline(transaction=True)
        for w in ids:
            pipe.hvals(self.processing_key(w))
        res = pipe.execute() if ids else []
        return {w: [v.split(b"\n", 1)[0].decode() for v in vals] for w, vals in zip(ids, res)}

    def outstanding(self, queue: str) -> int:
        """Requests of one target still queued or in flight anywhere (one snapshot)."""
        ids = [w.decode() for w in self.r.hkeys(self.k("workers"))]
        pipe = self.r.pipeline(transaction=True)
        pipe.zcard(queue)
        for w in ids:
            pipe.hvals(self.processing_key(w))
        res = pipe.execute()
        q = queue.encode()
        return int(res[0]) + sum(1 for vals in res[1:] for v in vals
                                 if v.split(b"\n", 1)[0] == q)

    def run(self) -> dict | None:
        h = self.r.hgetall(self.k("run"))
        if not h:
            return None
        d = {k.decode(): v.decode() for k, v in h.items()}
        for key in ("settings", "args"):
            if key in d:
                d[key] = json.loads(d[key])
        return d

    def targets(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self.r.hgetall(self.k("targets")).items()}

    def busy(self) -> str | None:
        """Why a new run cannot start now (None when the current run, if any, is over)."""
        run = self.run()
        if run is None:
            return None
        live = [w for w in self.workers() if self.r.exists(self.alive_key(w))]
        queued = sum(self.r.zcard(self.queue_key(t)) for t in self.targets())
        flying = sum(len(v) for v in self.in_flight().values())
        if live or queued or flying:
            return (f"run {run.get('run_id')} is in progress: {queued} requests queued, "
                    f"{flying} in flight, live workers: {', '.join(sorted(live)) or 'none'}")
        if not self.workers():
            return f"run {run.get('run_id')} is waiting for workers (none has joined yet)"
        return None

    def reset(self) -> int:
        n = 0
        for key in self.r.scan_iter(match=self.prefix + ":*", count=500):
            n += self.r.delete(key)
        return n

    def start_run(self, run_id: str, targets: dict[str, dict], settings: dict, args: dict,
                  started: str) -> None:
        self.reset()
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.k("run"), mapping={
            "run_id": run_id, "started": started,
            "settings": json.dumps(settings, ensure_ascii=False),
            "args": json.dumps(args, ensure_ascii=False)})
        for key, spec in targets.items():
            pipe.hset(self.k("targets"), key, json.dumps(spec, ensure_ascii=False))
        pipe.execute()

    def status(self) -> dict:
        """Everything an operator needs to see, as one JSON-able dict."""
        run = self.run()
        targets = self.targets()
        flying = self.in_flight()
        now = time.time()
        per_target = []
        for t in sorted(targets):
            qk = self.queue_key(t)
            per_target.append({
                "target": t, "queued": int(self.r.zcard(qk)),
                "seen": int(self.r.scard(self.seen_key(t))),
                "in_flight": sum(v.count(qk) for v in flying.values()),
            })
        workers = []
        for w, info in sorted(self.workers().items()):
            alive = bool(self.r.exists(self.alive_key(w)))
            state = info.get("state", "running")
            if state == "running" and not alive:
                state = "dead (no heartbeat)"
            workers.append({**info, "id": w, "state": state, "alive": alive,
                            "in_flight": len(flying.get(w, [])),
                            "last_seen_ago": round(now - float(info.get("last_seen", now)), 1)})
        return {
            "frontier": self.prefix,
            "run": {k: v for k, v in (run or {}).items() if k != "settings"} or None,
            "queued": sum(t["queued"] for t in per_target),
            "seen": sum(t["seen"] for t in per_target),
            "in_flight": sum(len(v) for v in flying.values()),
            "targets": per_target,
            "workers": workers,
        }


def format_status(s: dict, redis_url: str) -> str:
    lines = []
    run = s.get("run")
    if not run:
        return f"frontier {s['frontier']} on {redact(redis_url)}: no run (start one with " \
               f"`ogi crawl --redis URL --all`)"
    lines.append(f"frontier {s['frontier']} on {redact(redis_url)}: run {run.get('run_id')} "
                 f"started {run.get('started')}, {len(s['targets'])} portal(s)")
    lines.append(f"  queue: {s['queued']} requests queued, {s['in_flight']} in flight, "
                 f"{s['seen']} requests seen (shared duplicate filter)")
    for t in s["targets"]:
        lines.append(f"  portal {t['target']}: {t['queued']} queued, {t['in_flight']} in flight,"
                     f" {t['seen']} seen")
    if not s["workers"]:
        lines.append("  workers: none yet (start `ogi worker --redis URL --archive DIR`)")
    for w in s["workers"]:
        c = w.get("counts", {})
        lines.append(
            f"  worker {w['id']} ({w.get('host', '?')} pid {w.get('pid', '?')}): {w['state']}, "
            f"seen {w['last_seen_ago']}s ago; fetched {w.get('fetched', 0)}, "
            f"{c.get('pages', 0)} pages, {c.get('reports_found', 0)} reports found, "
            f"{c.get('new', 0)} new, {c.get('changed', 0)} changed, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('failed', 0)} failed, "
            f"{w['in_flight']} in flight, {w.get('rescued', 0)} requeued from dead workers")
    return "\n".join(lines)


# --------------------------------------------------------------------------- Scrapy components

class FrontierScheduler(RedisScheduler):
    """scrapy-redis Scheduler whose pops are recorded until done (see the module docstring).

    Settings: REDIS_URL, OGI_FRONTIER (key prefix), OGI_WORKER_ID, SCHEDULER_QUEUE_KEY and
    SCHEDULER_DUPEFILTER_KEY (one pair per target, set by ``ogi worker``).
    """

    @classmethod
    def from_crawler(cls, crawler):
        inst = super().from_crawler(crawler)
        inst.crawler = crawler
        inst.frontier = Frontier(inst.server, crawler.settings.get("OGI_FRONTIER")
                                 or DEFAULT_PREFIX)
        inst.worker = crawler.settings.get("OGI_WORKER_ID")
        if not inst.worker:
            raise ValueError("FrontierScheduler needs OGI_WORKER_ID")
        inst.inflight: set[str] = set()
        return inst

    def open(self, spider):
        super().open(spider)
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle)
        # the engine's slot forgets a request once it is completely handled: the response
        # parsed, its items through the pipelines, follow-ups scheduled; that is when the
        # request stops being in flight
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or not hasattr(slot, "remove_request"):
            raise RuntimeError("FrontierScheduler: this Scrapy version's engine has no slot "
                               "to follow requests to completion")
        original = slot.remove_request

        def remove_request(request, _orig=original):
            try:
                _orig(request)
            finally:
                token = request.meta.get(TOKEN)
                if token in self.inflight:
                    self.inflight.discard(token)
                    self.frontier.done(self.worker, token)
        slot.remove_request = remove_request

    def close(self, reason):
        pass  # the frontier is shared: never flushed by one worker (SCHEDULER_PERSIST)

    def enqueue_request(self, request):
        token = request.meta.pop(TOKEN, None)
        request.meta.pop(LEASE, None)
        data = self.queue._encode_request(request)
        score = -request.priority
        if token is not None:
            # a retry or redirect of a request this worker took: back to the queue and no
            # longer in flight, atomically
            self.inflight.discard(token)
            self.frontier.requeue(self.queue.key, self.worker, score, data, token)
            added = True
        else:
            added = self.frontier.push_new(self.df.key, self.queue.key,
                                           self.df.request_fingerprint(request), score, data)
            if not added:
                self.df.log(request, self.spider)
        if added and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return added

    def next_request(self):
        token = uuid.uuid4().hex
        data = self.frontier.pop(self.queue.key, self.worker, token)
        if data is None:
            return None
        self.inflight.add(token)
        request = self.queue._decode_request(data)
        request.meta[TOKEN] = token
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def has_pending_requests(self):
        return len(self) > 0

    def _idle(self, spider=None):
        # another worker may still be fetching a list page of this portal that leads to more
        # requests, or may have died with requests in flight: wait until none is left anywhere
        if self.frontier.outstanding(self.queue.key) > 0:
            raise DontCloseSpider


class SharedPolitenessMiddleware:
    """One request at a time per host across all workers, DOWNLOAD_DELAY apart (a Redis lease).

    Placed last in the downloader chain (just before the download), first to see the answer.
    """

    def __init__(self, crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings
        s = crawler.settings
        self.frontier = Frontier(get_redis_from_settings(s), s.get("OGI_FRONTIER")
                                 or DEFAULT_PREFIX)
        self.delay = s.getfloat("OGI_SHARED_DELAY", 0.0)
        self.lease_ms = int((s.getfloat("DOWNLOAD_TIMEOUT", 60) + 30) * 1000)
        self.max_wait = s.getfloat("OGI_RETRY_AFTER_MAX", 600)
        self.local: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        host = urllib.parse.urlsplit(request.url).hostname or ""
        token = uuid.uuid4().hex
        # one request of this worker asks Redis at a time, the others queue up here
        lock = self.local.setdefault(host, asyncio.Lock())
        async with lock:
            while True:
                wait = self.frontier.lease_take(host, token, self.lease_ms)
                if wait == 0:
                    request.meta[LEASE] = (host, token)
                    return None
                # a cool-down: wait it out; a lease held by a request in flight: look again
                await asyncio.sleep(wait / 1000 if wait > 0 else min(-wait, 10) / 1000)

    def _give(self, request, cooldown: float) -> None:
        lease = request.meta.pop(LEASE, None)
        if lease:
            self.frontier.lease_give(lease[0], lease[1], int(cooldown * 1000))

    def process_response(self, request, response, spider=None):
        from .middlewares import retry_after_seconds
        cooldown = self.delay
        if response.status in (429, 503):
            ra = retry_after_seconds(response.headers.get(b"Retry-After", b"")
                                     .decode("latin-1"))
            if ra is not None:
                cooldown = max(cooldown, min(ra, self.max_wait))
        self._give(request, cooldown)
        return response

    def process_exception(self, request, exception, spider=None):
        self._give(request, self.delay)
        return None


# --------------------------------------------------------------------------- worker heartbeat

class Heartbeat:
    """A worker's heartbeat, progress report, dead-worker rescue and engine nudges."""

    def __init__(self, frontier: Frontier, worker: str, timeout: float, info: dict) -> None:
        self.f = frontier
        self.worker = worker
        self.timeout = timeout
        self.info = dict(info)
        self.crawlers: list = []
        self.rescued = 0
        self.loop = None

    def progress(self, state: str = "running") -> dict:
        from .archive import COUNT_KEYS
        counts = {k: 0 for k in COUNT_KEYS}
        fetched = 0
        for c in self.crawlers:
            st = getattr(c, "ogi", None)
            if st is not None:
                for k in COUNT_KEYS:
                    counts[k] += st.recorder.counts.get(k, 0)
            if c.stats is not None:
                fetched += c.stats.get_value("downloader/response_count", 0) or 0
        return {**self.info, "state": state, "last_seen": time.time(), "counts": counts,
                "fetched": fetched, "rescued": self.rescued}

    def beat(self, state: str = "running") -> None:
        pipe = self.f.r.pipeline(transaction=False)
        if state == "running":
            pipe.set(self.f.alive_key(self.worker), "1", px=int(self.timeout * 1000))
        else:
            pipe.delete(self.f.alive_key(self.worker))
        pipe.hset(self.f.k("workers"), self.worker, json.dumps(self.progress(state)))
        pipe.execute()

    def tick(self) -> None:
        try:
            self.beat()
            for w, info in self.f.workers().items():
                if w == self.worker:
                    continue
                n = self.f.rescue(w)
                if n > 0:
                    self.rescued += n
                    logger.warning("worker %s stopped sending heartbeats: requeued its %d "
                                   "in-flight request(s)", w, n)
                    if info.get("state") == "running":
                        info["state"] = "dead (requests requeued)"
                        self.f.r.hset(self.f.k("workers"), w, json.dumps(info))
            for c in self.crawlers:  # look at the queues now, not at the next engine heartbeat
                slot = getattr(getattr(c, "engine", None), "_slot", None)
                if slot is not None and slot.closing is None:
                    slot.nextcall.schedule()
        except Exception:  # noqa: BLE001 - a Redis hiccup must not stop the worker
            logger.exception("heartbeat failed")

    def start(self, interval: float) -> None:
        from twisted.internet import task
        self.beat()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(interval, now=False)

    def stop(self, state: str = "finished") -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.beat(state)


# --------------------------------------------------------------------------- run-wide dedupe

class _RunArchived:
    def __init__(self, crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings
        s = crawler.settings
        self.r = get_redis_from_settings(s)
        self.key = ":".join((s.get("OGI_FRONTIER") or DEFAULT_PREFIX, "archived"))
        self.worker = s.get("OGI_WORKER_ID")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def member(item) -> str | None:
        import hashlib
        if getattr(item, "status", None) == 304 or not hasattr(item, "body"):
            return None
        return f"{item.url}\n{hashlib.sha256(item.body).hexdigest()}"


class SkipArchivedInRun(_RunArchived):
    """Before the archive: a capture some worker already wrote in this run (same URL, same
    bytes) is not written again. This happens when a worker is killed after archiving a
    document but before it could mark the request done, and another worker fetched it again."""

    def process_item(self, item, spider=None):
        from scrapy.exceptions import DropItem
        m = self.member(item)
        if m is not None and self.r.hexists(self.key, m):
            by = self.r.hget(self.key, m).decode()
            raise DropItem(f"{item.url}: already archived in this run by worker {by} "
                           f"(refetched after that worker died); not stored twice")
        return item


class MarkArchivedInRun(_RunArchived):
    """After the archive (the WARC record is fsync'ed): remember the capture for this run."""

    def process_item(self, item, spider=None):
        m = self.member(item)
        if m is not None:
            self.r.hsetnx(self.key, m, self.worker or "?")
        return item
