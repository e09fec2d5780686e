"""The Redis frontier stores requests as JSON, never pickles: a request survives the round trip
with its bytes intact, and a request carrying something JSON cannot hold is refused by name."""
from __future__ import annotations

import json

import pytest
from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

from crawler import frontier_json


class _Spider(Spider):
    name = "t"

    def parse_list(self, response):  # pragma: no cover - referenced by name only
        pass


def test_request_round_trip_is_plain_json():
    spider = _Spider()
    req = Request("http://127.0.0.1:8000/zwgk/list.jsp?p=2", method="POST", body=b"\xff\x00col=12",
                  headers={"Referer": "http://127.0.0.1:8000/", "X-Bytes": b"\xe4\xb8\xad"},
                  meta={"portal": "350128", "depth": 2, "kinds": ("pdf", "doc")},
                  callback=spider.parse_list, priority=5)
    data = frontier_json.dumps(req.to_dict(spider=spider))
    assert json.loads(data)["url"] == req.url  # JSON anyone can read, not a pickle
    back = request_from_dict(frontier_json.loads(data), spider=spider)
    assert (back.url, back.method, back.body, back.priority) == (req.url, "POST", b"\xff\x00col=12", 5)
    assert back.headers.getlist("X-Bytes") == [b"\xe4\xb8\xad"]
    assert back.meta["portal"] == "350128" and back.meta["kinds"] == ["pdf", "doc"]
    assert back.callback == spider.parse_list


def test_unserialisable_meta_is_refused_not_pickled():
    req = Request("http://127.0.0.1/", meta={"when": object()})
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        frontier_json.dumps(req.to_dict())
