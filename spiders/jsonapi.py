"""JSON list APIs: Guangdong's gkmlpt (``/gkmlpt/api/all/<category>?page=N&sid=…``, found from
the column page's configuration), or an explicit template (registry ``list_api`` / ``-a
api=…``) with ``{page}``. The answers' plumbing (requesting page N, reading the records of a
JSON-ish answer, its total) is shared with TRS's search API (trs.py).

A gkmlpt report lives at ``/gkmlpt/content/<a>/<b>/post_<id>.html`` (optionally ``#<category>``);
its column is the catalogue ``/gkmlpt/index`` of the same unit, read through the API by category.
"""
from __future__ import annotations

import json
import re
import urllib.parse

from scrapy.http import TextResponse

from crawler.links import attachment_ext, classify_title, norm

from .base import Column, ReportSpider, origin, reads_scripts


def loads_lenient(text: str):
    """JSON, or the JSON-ish answers of list APIs: a JSONP wrapper, single-quoted strings
    (TRS WAS5 writes ``"py":'###pypy###'``), trailing commas, raw control characters."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    t = text.strip().lstrip("\ufeff")
    m = re.fullmatch(r"[\w$.]+\s*\((.*)\)\s*;?", t, re.S)
    if m:
        t = m.group(1)
    t = re.sub(r"(?<=[:\[,])(\s*)'((?:[^'\\]|\\.)*)'",
               lambda m: m.group(1) + json.dumps(m.group(2)), t)
    t = re.sub(r",\s*([}\]])", r"\1", t)
    return json.loads(t, strict=False)


def first(d: dict, *keys):
    for k in keys:
        v = d.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def find_records(data) -> list[dict]:
    """The list of article dicts in a JSON list answer (any nesting)."""
    best: list[dict] = []

    def walk(x):
        nonlocal best
        if isinstance(x, list) and x and all(isinstance(i, dict) for i in x):
            if any(first(i, "title", "doctitle", "name", "docTitle", "DOCTITLE") for i in x) \
                    and len(x) > len(best):
                best = x
            for i in x:
                walk(i)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
    walk(data)
    return best


def find_total(data) -> int | None:
    if isinstance(data, dict):
        for k in ("total", "totalCount", "total_count", "count", "recordCount", "totalRecord"):
            v = data.get(k)
            if isinstance(v, int):
                return v
            if isinstance(v, str) and v.isdigit():
                return int(v)
        for v in data.values():
            if isinstance(v, dict):
                t = find_total(v)
                if t is not None:
                    return t
    return None


class JSONAnswers:
    """Requests for page N of a JSON list API and the reading of its answers (mixin of a
    ReportSpider)."""

    def json_page(self, template: str, page: int, referer: str):
        url = template.replace("{page}", str(page))
        req = self.list_request(url, referer, meta={"ogi_json": True, "ogi_api": template,
                                                    "ogi_page": page, "ogi_api_started": True},
                                headers={"Accept": "application/json"})
        if req is not None:
            yield req

    def read_answer(self, response):
        """A list API's answer (or any JSON response): its records, then its next page."""
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if not ("json" in ctype or response.meta.get("ogi_json")):
            return
        try:
            data = loads_lenient(response.text)
        except (ValueError, AttributeError):
            self.ogi.recorder.fail(response.url, "list API answered something that is not JSON",
                                   "list")
            return
        records = find_records(data)
        tally = self.tally_of(response)
        for r in records:
            title = first(r, "title", "doctitle", "name", "docTitle", "DOCTITLE")
            link = first(r, "url", "post_url", "link", "chnldocurl", "docpuburl", "href", "DOCPUBURL")
            if title and link:
                tally.add("api", [(response.urljoin(link).split("#")[0], norm(title))])
                yield from self.handle_link(response.urljoin(link), title, response.url)
            for key in ("attachment", "attachments", "files", "appendix"):
                for att in (r.get(key) or []) if isinstance(r.get(key), list) else []:
                    if isinstance(att, dict):
                        alink = first(att, "url", "link", "href", "path")
                        aname = first(att, "name", "title", "filename")
                        if alink and title and classify_title(title) == "report":
                            req = self.doc_request(response.urljoin(alink), aname or title,
                                                   response.url, expect=attachment_ext(alink))
                            if req is not None:
                                yield req
        template = response.meta.get("ogi_api")
        page = response.meta.get("ogi_page", 1)
        total = find_total(data)
        if total is not None and records:
            tally.state([(total, total, f"list API total {total}")])
        if template and records:
            size = len(records)
            if total is None or page * size < total:
                yield from self.json_page(template, page + 1, response.url)


class JSONLists(JSONAnswers):
    """Finds a column's list API: the spider's explicit template, or gkmlpt's configuration."""
    GKMLPT_SID = re.compile(r"\bSID\s*[:=]\s*['\"]([\w\-]+)['\"]")

    @reads_scripts
    def read_api(self, response):
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "json" in ctype or response.meta.get("ogi_json") \
                or not isinstance(response, TextResponse):
            return
        text = response.text
        api = None
        if self.api and not response.meta.get("ogi_api_started"):
            api = self.api
        elif "/gkmlpt/" in response.url or "gkmlpt" in text:
            sid = self.GKMLPT_SID.search(text)
            cat = None
            frag = urllib.parse.urlsplit(response.url).fragment
            if frag.isdigit():
                cat = frag
            if cat is None:
                for m in re.finditer(r"\{[^{}]*?\"?id\"?\s*:\s*(\d+)[^{}]*?\"?name\"?\s*:\s*\"([^\"]+)\"",
                                     text):
                    if classify_title(m.group(2)) == "column":
                        cat = m.group(1)
                        break
            if sid and cat:
                api = response.urljoin(f"/gkmlpt/api/all/{cat}?page={{page}}&sid={sid.group(1)}")
        if api:
            yield from self.json_page(api, 1, response.url)


class JSONListSpider(JSONLists, ReportSpider):
    name = "jsonapi"
    platform = "json"
    list_readers = (JSONLists.read_answer, JSONLists.read_api, ReportSpider.read_anchors)
    # what tells a JSON-API list (spiders.platforms.fingerprint): gkmlpt and its config object
    fingerprint = (r"/gkmlpt/", r"window\._CONFIG", r"/api/all/\d+")


# ------------------------------------------------------------------ report address -> column
GKMLPT_POST = re.compile(r"^(?P<root>(?:/[^/]+)*?)/gkmlpt/content/\d+/\d+/post_\d+\.html?$", re.I)


def column_of(url: str) -> Column | None:
    """A gkmlpt report → its unit's catalogue ``…/gkmlpt/index`` (with the category of the
    address's fragment when it names one, ``#2411``), read through the catalogue's API."""
    p = urllib.parse.urlsplit(url)
    m = GKMLPT_POST.match(p.path)
    if not m:
        return None
    frag = f"#{p.fragment}" if p.fragment.isdigit() else ""
    return Column(f"{origin(p)}{m.group('root')}/gkmlpt/index{frag}", "json",
                  "gkmlpt: /gkmlpt/content/…/post_N.html → the unit's /gkmlpt/index")
