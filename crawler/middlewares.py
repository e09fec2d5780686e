"""Downloader middlewares: safety (where the crawler may go) and politeness (blocks, Retry-After).

SafetyMiddleware refuses, for every request including each redirect hop:
  * schemes other than http and https;
  * hosts outside the spider's ``allowed_domains`` (registry domains, or the --url host);
  * hosts that are, or resolve to, private, loopback, link-local, reserved, multicast,
    carrier-grade NAT (100.64.0.0/10) or any other non-global address, unless
    OGI_ALLOW_PRIVATE is set (tests and the demo) or the host is one the operator pinned to an
    address with ``--resolve`` (OGI_RESOLVE; only those hosts).
PolitenessMiddleware counts blocks (429, 403, WAF status codes with a challenge page), waits out
``Retry-After`` (up to OGI_RETRY_AFTER_MAX seconds) before the next request to that host, and
once a host reached OGI_BLOCK_LIMIT blocks, drops every further request to it for the run.
"""
from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import logging
import socket
import time
import urllib.parse

from scrapy.exceptions import IgnoreRequest

from .links import challenge_reason

from .pipelines import state_of

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request the crawler must not send; the message is the reason shown in the summary."""


@functools.lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        return tuple(sorted({ai[4][0] for ai in socket.getaddrinfo(host, None)}))
    except (socket.gaierror, UnicodeError):
        return ()


# 100.64.0.0/10 (RFC 6598), where some clouds put their metadata service (100.100.100.200):
# neither is_private nor is_global in Python's ipaddress
SHARED_NAT = ipaddress.ip_network("100.64.0.0/10")


def unsafe_address(host: str) -> str | None:
    """Why *host* is not a public address (None when it is public or does not resolve)."""
    try:
        ips = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        ips = [ipaddress.ip_address(a.split("%")[0]) for a in _resolve(host)]
    for ip in ips:
        if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
            ip = ip.ipv4_mapped
        for attr in ("is_loopback", "is_link_local", "is_unspecified", "is_multicast",
                     "is_reserved", "is_private"):
            if getattr(ip, attr):
                return f"{attr[3:].replace('_', '-')} address {ip}"
        if ip in SHARED_NAT:
            return f"carrier-grade NAT (shared, non-public) address {ip}"
        if not ip.is_global:  # every other special-purpose range (IANA registries)
            return f"non-public address {ip}"
    return None


def host_allowed(host: str, allowed_domains) -> bool:
    host = (host or "").lower().rstrip(".")
    for d in allowed_domains or ():
        d = d.lower().lstrip(".")
        if host == d or host.endswith("." + d):
            return True
    return False


def check_url(url: str, allowed_domains, allow_private: bool, resolved=None) -> str | None:
    """The reason *url* must not be fetched, or None. *resolved*: the hosts the operator pinned
    to an address with --resolve (their explicit choice: not refused as private)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme or '(none)'!r} is not http(s)"
    host = parts.hostname or ""
    if not host:
        return "refused: no host"
    if not host_allowed(host, allowed_domains):
        return f"refused: {host} is not a domain of this portal"
    if not allow_private and host.lower().rstrip(".") not in (resolved or ()):
        why = unsafe_address(host)
        if why:
            return f"refused: {host} is a {why} (use --allow-private for local tests)"
    return None


class SafetyMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("OGI_ALLOW_PRIVATE")
        from .resolve import resolved_hosts
        self.resolved = resolved_hosts(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = self.crawler.spider
        why = check_url(request.url, getattr(spider, "allowed_domains", None) or (),
                        self.allow_private, self.resolved)
        if why:
            hops = request.meta.get("redirect_urls")
            if hops:
                why += f" (after a redirect from {hops[0]})"
            raise Refused(why)
        return None


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, dt.timestamp() - time.time())


BLOCK_STATUSES = {403, 412, 429, 521}


class PolitenessMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("OGI_RETRY_AFTER_MAX", 600)
        self.wait_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        st = state_of(self.crawler)
        host = urllib.parse.urlsplit(request.url).hostname or ""
        if st.recorder.is_paused(request.url) and not request.url.endswith("/robots.txt"):
            raise IgnoreRequest(f"skipped: portal {host} paused after "
                                f"{st.recorder.blocks.get(host, 0)} blocks")
        delay = self.wait_until.get(host, 0) - time.monotonic()
        if delay > 0:
            logger.info("waiting %.1fs before %s (Retry-After)", delay, request.url)
            await asyncio.sleep(delay)
        return None

    def process_response(self, request, response, spider=None):
        status = response.status
        if status in BLOCK_STATUSES or status == 503:
            st = state_of(self.crawler)
            host = urllib.parse.urlsplit(request.url).hostname or ""
            ra = retry_after_seconds(response.headers.get(b"Retry-After", b"").decode("latin-1"))
            if ra is not None:
                wait = min(ra, self.max_wait)
                self.wait_until[host] = max(self.wait_until.get(host, 0),
                                            time.monotonic() + wait)
            if status != 503 or ra is not None:  # a plain 503 is an outage, not a block
                st.recorder.block(request.url, f"HTTP {status}")
            if status != 429 and challenge_reason(response.body, status):
                # a WAF's JavaScript challenge (412/521/403) answers every retry the same way:
                # one block, no retries, and the spider names it as a challenge
                request.meta["dont_retry"] = True
        return response
