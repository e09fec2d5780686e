"""The HTTP side of the portal simulator: a threaded http.server that asks a Site for answers
and carries out the low-level faults (connection reset, stall, truncated body)."""
from __future__ import annotations

import dataclasses
import http.server
import re
import socket
import struct
import threading
import time
import urllib.parse
from typing import Callable


@dataclasses.dataclass
class Req:
    method: str
    path: str                    # path only, percent-decoded, no query
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]      # lower-case names
    raw_path: str = ""           # as sent (path + query)


@dataclasses.dataclass
class Resp:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # low-level faults: "reset" (RST, no answer), "stall" (sleep `stall` s, then answer),
    # "truncate" (announce the full length, send half, close)
    action: str | None = None
    stall: float = 0.0

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PortalSim/1.0"
    site_handle: Callable[[Req], Resp]  # set per server class

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def _req(self) -> Req:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        path = re.sub(r"/{2,}", "/", urllib.parse.unquote(parts.path)) or "/"
        return Req(self.command, path, query, body,
                   {k.lower(): v for k, v in self.headers.items()}, self.path)

    def _serve(self) -> None:
        site = self.server.site  # type: ignore[attr-defined]
        t0 = time.monotonic()
        with site.lock:
            site.user_agents.add(self.headers.get("User-Agent", ""))
        try:
            if site.hold:
                time.sleep(site.hold)
            self._answer()
        finally:
            with site.lock:
                site.spans.append((t0, time.monotonic()))

    def _answer(self) -> None:
        req = self._req()
        try:
            resp = self.server.site.handle(req)  # type: ignore[attr-defined]
        except Exception as exc:  # a bug in a site must not kill the server thread
            resp = Resp(500, f"simulator error: {exc!r}".encode(), [("Content-Type", "text/plain")])
        self.server.site.log.append((req.method, req.raw_path, resp.status, resp.action))  # type: ignore[attr-defined]
        if resp.action == "reset":
            # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            try:
                self.connection.close()
            except OSError:
                pass
            return
        if resp.action == "stall":
            time.sleep(resp.stall)
        body = resp.body if req.method != "HEAD" else b""
        try:
            self.send_response(resp.status)
            have_len = False
            for k, v in resp.headers:
                if k.lower() == "content-length":
                    have_len = True
                self.send_header(k, v)
            if not have_len:
                self.send_header("Content-Length", str(len(resp.body)))
            if resp.action == "truncate":
                self.send_header("Connection", "close")
            self.end_headers()
            if resp.action == "truncate":
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = _serve


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients hanging up (timeouts, resets) are part of the faults, not errors

    def __init__(self, addr, site) -> None:
        self.site = site
        super().__init__(addr, Handler)


def start(site, host: str = "127.0.0.1", port: int = 0) -> tuple[Server, threading.Thread]:
    server = Server((host, port), site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"portal-{site.name}", daemon=True)
    thread.start()
    return server, thread


def stop(server: Server, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
