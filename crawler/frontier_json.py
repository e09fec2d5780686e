"""JSON serializer for the shared Redis frontier (scrapy-redis ``SCHEDULER_SERIALIZER``).

scrapy-redis pickles requests by default, so whoever can write to the Redis server could make
every worker run code. The frontier holds only what a request is (``Request.to_dict()``: URL,
method, headers, body, meta, callback *names*), so JSON is enough: bytes are stored as
``{"$b64": "..."}``, tuples as lists. A request whose meta holds something JSON cannot say
is refused when it is queued, with the key named, rather than silently pickled.
"""
from __future__ import annotations

import base64
import json

_BYTES = "$b64"


def _encode(obj):
    if isinstance(obj, (bytes, bytearray)):
        return {_BYTES: base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, (bytes, bytearray)):
                k = bytes(k).decode("latin-1")
            elif not isinstance(k, str):
                raise TypeError(f"frontier: a request dict key {k!r} is not a string")
            out[k] = _encode(v)
        return out
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_encode(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"frontier: {type(obj).__name__} in a request cannot be stored as JSON: {obj!r:.80}")


def _decode(obj):
    if isinstance(obj, dict):
        if len(obj) == 1 and _BYTES in obj:
            return base64.b64decode(obj[_BYTES])
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def dumps(obj) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str):
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return _decode(json.loads(data))
