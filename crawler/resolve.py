"""`--resolve HOST=ADDRESS[:PORT]`: connect to a chosen address for a host name, keeping the URL.

A simulated nation on 127.0.0.1 keeps real-looking ``.gov.cn`` addresses this way (and an operator
can pin a portal whose DNS is broken to its known address). The request, its ``Host`` header,
the slot that keeps one request at a time per host, robots.txt and the archived URL all keep the
host name; only the TCP connection goes to ADDRESS:PORT (PORT defaults to the URL's).

Implemented in the download handler: ``OGI_RESOLVE`` ({host: "address[:port]"}) is read by
:class:`ResolvingDownloadHandler`, whose agent builds the connection endpoint for a mapped host
itself instead of asking DNS. The private-address guard (crawler.middlewares) treats a host named
here as the operator's explicit choice: it is not refused for resolving to a private address,
but only the hosts named are exempt, and only when the option is given.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Mapping

from scrapy.exceptions import ResponseDataLossError
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.core.downloader.handlers.http11 import (HTTP11DownloadHandler, _BindAddressAgent,
                                                    _ScrapyAgent)
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.endpoints import TCP4ClientEndpoint, TCP6ClientEndpoint, wrapClientTLS

logger = logging.getLogger(__name__)


class ResolveError(ValueError):
    pass


def parse_resolve(items) -> dict[str, tuple[str, int | None]]:
    """["www.x.gov.cn=127.0.0.1:8000", …] or {host: "ip[:port]"} -> {host: (ip, port or None)}."""
    if not items:
        return {}
    if isinstance(items, Mapping):
        items = [f"{k}={v}" for k, v in items.items()]
    elif isinstance(items, str):
        items = [x for x in items.replace(",", " ").split() if x]
    out: dict[str, tuple[str, int | None]] = {}
    for item in items:
        host, sep, target = str(item).partition("=")
        host = host.strip().lower().rstrip(".")
        if not sep or not host or not target:
            raise ResolveError(f"--resolve expects HOST=ADDRESS[:PORT], got {item!r}")
        addr, port = target.strip(), None
        if addr.startswith("["):  # [::1]:8000
            addr, _, rest = addr[1:].partition("]")
            if rest.startswith(":"):
                port = rest[1:]
        elif addr.count(":") == 1:
            addr, port = addr.split(":")
        try:
            ipaddress.ip_address(addr)
        except ValueError:
            raise ResolveError(f"--resolve {item!r}: {addr!r} is not an IP address") from None
        if port is not None:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ResolveError(f"--resolve {item!r}: bad port {port!r}")
            port = int(port)
        out[host] = (addr, port)
    return out


def as_setting(mapping: Mapping[str, tuple[str, int | None]]) -> dict[str, str]:
    """The JSON-safe form kept in settings (and in a distributed run's stored settings)."""
    return {h: (f"[{a}]" if ":" in a else a) + (f":{p}" if p else "") for h, (a, p) in mapping.items()}


def resolved_hosts(settings) -> dict[str, tuple[str, int | None]]:
    value = settings.get("OGI_RESOLVE") if settings is not None else None
    if isinstance(value, str) and value.strip().startswith("{"):
        import json
        value = json.loads(value)
    return parse_resolve(value)


class _ResolvingAgent(_BindAddressAgent):
    def __init__(self, *args, resolve: Mapping, **kw) -> None:
        super().__init__(*args, **kw)
        self._ogi_resolve = resolve

    def _getEndpoint(self, uri):
        target = self._ogi_resolve.get(uri.host.decode("ascii", "replace").lower())
        if target is None:
            return super()._getEndpoint(uri)
        addr, port = target
        ef = self._endpointFactory
        kwargs = {"bindAddress": ef._bindAddress}
        if ef._connectTimeout is not None:
            kwargs["timeout"] = ef._connectTimeout
        cls = TCP6ClientEndpoint if ":" in addr else TCP4ClientEndpoint
        endpoint = cls(ef._reactor, addr, port or uri.port, **kwargs)
        if uri.scheme == b"https":
            return wrapClientTLS(ef._policyForHTTPS.creatorForNetloc(uri.host, uri.port), endpoint)
        return endpoint


class _ResolvingScrapyAgent(_ScrapyAgent):
    def __init__(self, *, resolve: Mapping, **kw) -> None:
        super().__init__(**kw)
        self._ogi_resolve = resolve

    def _get_agent(self, request, timeout):
        agent = super()._get_agent(request, timeout)
        if type(agent) is not _BindAddressAgent:  # through a proxy: the proxy resolves
            return agent
        from twisted.internet import reactor
        return _ResolvingAgent(reactor=reactor, contextFactory=self._contextFactory,
                               connectTimeout=timeout, bindAddress=agent._endpointFactory._bindAddress,
                               pool=self._pool, resolve=self._ogi_resolve)


class ResolvingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; hosts of OGI_RESOLVE connect to their given address."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._ogi_resolve = resolved_hosts(crawler.settings)

    async def download_request(self, request):
        if (urlparse_cached(request).hostname or "").lower() not in self._ogi_resolve:
            return await super().download_request(request)
        agent = _ResolvingScrapyAgent(
            resolve=self._ogi_resolve, contextFactory=self._contextFactory,
            bindAddress=self._bind_address, pool=self._pool,
            maxsize=self._default_maxsize, warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss, crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging)
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise


HANDLERS = {"http": "crawler.resolve.ResolvingDownloadHandler",
            "https": "crawler.resolve.ResolvingDownloadHandler"}


def settings_for(mapping: Mapping) -> dict:
    """The Scrapy settings that apply a --resolve mapping (empty when there is none)."""
    if not mapping:
        return {}
    return {"OGI_RESOLVE": as_setting(mapping), "DOWNLOAD_HANDLERS": dict(HANDLERS)}
