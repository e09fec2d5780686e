"""Turn what the survey saw (spiders/survey.py) into proposals (crawler/registry/proposals.py)."""
from __future__ import annotations

import re
import urllib.parse

from . import Registry
from .discovery import body_code, title_matches
from .national import portal_domain
from .proposals import record


def _status(s) -> tuple[str | None, dict]:
    """A tool status (blocked, moved, unreachable) from the home page's fate, with fields."""
    if s.blocked:
        return "blocked", {}
    if s.error:
        m = re.search(r"refused: (\S+) is not a domain of this portal \(after a redirect", s.error)
        if m:
            host = m.group(1)
            scheme = urllib.parse.urlsplit(s.home).scheme or "http"
            return "moved", {"home_url": f"{scheme}://{host}/", "domains": [portal_domain(host)]}
        return "unreachable", {}
    return None, {}


def propose(props: dict, reg: Registry, results: dict, mode: str, at: str) -> list[str]:
    lines = []
    for code, s in results.items():
        p = reg[code]
        evidence = {"home": s.home, "final_url": s.final_url, "http_status": s.status,
                    "title": s.title, "error": s.error or s.blocked, "pages": s.pages}
        status, fields = _status(s)
        fields["checked"] = at
        if status:
            fields["status"] = status
            record(props, code, mode, at, fields, evidence)
            lines.append(f"{code} {p.agency}: {status} ({s.error or s.blocked})")
            continue
        ok = title_matches(s.title, p.name or p.agency)
        evidence["title_matches"] = ok
        if mode == "check":
            if s.platform:
                fields["platform"] = s.platform
            if ok:
                fields["status"] = "verified"
            record(props, code, mode, at, fields, evidence)
            lines.append(f"{code} {p.agency}: reachable, title {'matches' if ok else 'DOES NOT match'}"
                         f" ({s.title!r}), platform {s.platform}")
            continue
        own = list(s.own)
        if own:
            fields["column_urls"] = own
            fields["platform"] = s.columns.get(own[0], {}).get("platform") or s.platform
        evidence.update({"columns": own, "shared_columns": s.shared,
                         "directories": s.directories, "bodies": len(s.bodies)})
        record(props, code, mode, at, fields, evidence)
        with_col = 0
        for b in s.bodies.values():
            bcode = body_code(code, b.kind, b.name)
            bf = {"agency": b.name, "name": b.name, "level": b.kind, "parent": code,
                  "region_code": p.region_code, "domains": list(p.domains),
                  "home_url": b.page, "checked": at, "status": "unverified",
                  "source": f"ogi registry discover {at[:10]}: {b.found_on}",
                  "source_date": at[:10]}
            if b.column:
                with_col += 1
                bf["column_urls"] = [b.column]
                bf["platform"] = b.platform or s.columns.get(b.column, {}).get("platform") \
                    or fields.get("platform", "")
            record(props, bcode, mode, at, bf, {"found_on": b.found_on, "page": b.page}, new=True)
        lines.append(f"{code} {p.agency}: {len(own)} column(s) {' '.join(own)}; "
                     f"{len(s.bodies)} bodies ({with_col} with a column); platform "
                     f"{fields.get('platform', s.platform)}")
    return lines
