"""Items: the only thing spiders emit is a raw capture to archive (spiders never parse tables)."""
from __future__ import annotations

import dataclasses

from scrapy.http import Response


@dataclasses.dataclass
class CaptureItem:
    """One HTTP exchange the spider wants kept, with what it knows about the document."""
    url: str                   # the URL requested (before redirects)
    final_url: str             # the URL answered
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    method: str = "GET"
    request_headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    request_body: bytes = b""
    role: str = "other"        # report | list | other | rendered_list
    title: str | None = None
    agency: str | None = None
    region_code: str | None = None
    portal: str | None = None
    referer: str | None = None

    @classmethod
    def from_response(cls, response: Response, role: str, title: str | None = None,
                      referer: str | None = None, spider=None) -> "CaptureItem":
        req = response.request
        requested = (req.meta.get("redirect_urls") or [req.url])[0] if req else response.url

        def pairs(headers) -> list[tuple[str, str]]:
            out = []
            for k, vs in headers.items():
                for v in vs:
                    out.append((k.decode("latin-1"), v.decode("latin-1")))
            return out

        return cls(
            url=requested,
            final_url=response.url,
            status=response.status,
            headers=pairs(response.headers),
            body=response.body,
            method=req.method if req else "GET",
            request_headers=pairs(req.headers) if req else [],
            request_body=req.body if req else b"",
            role=role,
            title=title,
            agency=getattr(spider, "agency", None),
            region_code=getattr(spider, "region_code", None),
            portal=getattr(spider, "portal_code", None),
            referer=referer,
        )
