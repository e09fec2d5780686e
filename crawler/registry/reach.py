"""The registry's reach, from report addresses: 年报 columns and known reports of governments
and their bodies (``ogi registry reach``).

``build`` takes the registry, the rows of report_addresses.csv (crawler.registry.addresses) and
the platforms' address rules (``column_of(url)`` → a Column or None, ``annual_root(url)`` → the
outermost directory named as a 年报 column, or None: the discovery spider's, which the CLI gets
through Scrapy's spider loader), and gives each entry what its report addresses imply:

  * a body that published a report (a department, township, street office) becomes an entry
    under its government, ``<division>-d…``/``-t…``, unverified, with its name as printed;
  * the column an address implies goes to the entry that published the report; a column implied
    by the reports of several entries of one government (a shared 部门年报 list) goes to that
    government, and the bodies keep those reports as known reports (their own spiders fetch and
    file them; the government's spider leaves them to them);
  * the outermost 年报 directory of an address on a government's own portal (``/zfxxgknb/`` of
    ``/zfxxgknb/bmxxgknb/123.html``) is that government's shared 年报 column;
  * an address whose column no rule derives is a known report of its entry, crawled directly
    (a crawl of it proposes its column from the page's breadcrumb, for review);
  * the entry's domains gain the hosts its columns and known reports are on.
Every column and known report names the address it came from and the date it was seen
(``source``). A ``verified`` entry is never changed. Nothing is invented: an entry gets no
column that no address implies.
"""
from __future__ import annotations

import collections
import dataclasses
import re
import urllib.parse
from typing import Callable

from . import Portal, Registry
from .addresses import registrable

SOURCE = "report addresses found in public pages (crawler/registry/report_addresses.csv)"
COLUMN_NAMED = "an address its source names as the 年报 column"
# the last directory of a list that holds a group of bodies' reports on the government's portal:
# 部门 (bm…), 乡镇/街道 (xz, jd …), districts and counties (gq, qj, xj …), or one year of them
# a directory of the government's bodies (部门 bm…, 乡镇街道 xzjd …) on its portal: a list
# below it and a body's own directory (/bm/jtj/…/zfxxgknb/, /gzbm/cyqmzj/ndbg/) is that body's
BODY_DIRS = re.compile(r"^(?:[a-z]{0,4}bm[a-z]{0,6}|xzjd[a-z]*|jdxz[a-z]*|xz|jd|zj|xzxxgk|jdxxgk|"
                       r"xzgk|jdgk|bmxxgk|bmgk)(?:_\d+)?$", re.I)
GROUP_LIST = re.compile(r"^(?:bm|xz|jd|xzjd|xzjdb|jdxz|zj|qj|xj|gq|gxs|xsq|sgbm|zsbm|bmdw)(?:_?\d+)?$"
                        r"|bm(?:xxgk|nb|gknb|ndbg|dw|zj)|bm$|(?:19|20)\d\d", re.I)


@dataclasses.dataclass
class Derived:
    url: str
    platform: str
    rule: str
    address: str
    seen: str


def _copy(p: Portal) -> Portal:
    return dataclasses.replace(p, domains=list(p.domains), column_urls=list(p.column_urls),
                               known_reports=list(p.known_reports))


def build(reg: Registry, rows: list[dict], column_of: Callable, annual_root: Callable
          ) -> tuple[Registry, dict]:
    out = Registry({code: _copy(p) for code, p in reg.items()})
    rows = [r for r in rows if r.get("entry") and r.get("division") in out
            and r.get("kind", "report") in ("report", "column")]
    by_entry: dict[str, list[dict]] = collections.defaultdict(list)
    for r in rows:
        by_entry[r["entry"]].append(r)
    created = 0
    for code, rs in by_entry.items():
        if code not in out:
            out[code] = _body(code, rs)
            created += 1
    # each government's own portal: its home page's host (its other domains may be hosts its
    # reports were found on, which other governments share)
    on_domain: dict[str, set[str]] = collections.defaultdict(set)
    for code, p in out.items():
        if p.level in ("省", "市", "县") and p.home_url:
            on_domain[registrable(urllib.parse.urlsplit(p.home_url).hostname or "")].add(code)

    columns: dict[str, list[tuple[str, Derived]]] = collections.defaultdict(list)
    under_root: dict[str, dict[str, Derived]] = collections.defaultdict(dict)
    above_root: set[str] = set()
    own_col: dict[str, str] = {}   # address -> the column it implies
    for r in rows:
        addr = r["address"]
        col = column_of(addr)
        if col is not None:
            own_col[addr] = col.url
            columns[col.url].append((r["entry"], Derived(col.url, col.platform, col.rule, addr,
                                                          r.get("seen", ""))))
        elif r.get("kind") == "column":
            # a list its source names as the 年报 column (a portal's menu, a crawler's
            # configuration): the address is the column itself, read by the generic lists
            own_col[addr] = addr
            columns[addr].append((r["entry"], Derived(addr, "generic", COLUMN_NAMED, addr,
                                                      r.get("seen", ""))))
        root = annual_root(addr)
        if root:
            above = col is None or not _same_list(root, col.url)  # the tree above its own list
            if above:
                above_root.add(root)
            under_root[root].setdefault(r["entry"], Derived(
                root, "generic", "the outermost directory named as a 年报 column on the "
                "government's portal, holding its own or several bodies' reports", addr,
                r.get("seen", "")))
    # a government's shared 年报 tree: its outermost 年报 directory on the government's own
    # portal, when it holds the government's own report, the reports of several entries, or a
    # report in a list below it (/zfxxgknb/ of /zfxxgknb/bmxxgknb/1.html); a 年报 directory that
    # is one body's own list and nothing more stays that body's
    roots: dict[str, tuple[str, Derived]] = {}
    for root, users in under_root.items():
        host = urllib.parse.urlsplit(root).hostname or ""
        for gov in sorted(on_domain.get(registrable(host), ()), key=lambda g: -len(_chain(out, g))):
            if _bare(host) != _bare(urllib.parse.urlsplit(out[gov].home_url).hostname):
                continue  # a subdomain (a department's own site) is no government's portal
            mine = [e for e in users if gov in _chain(out, out[e].region_code if e in out else e)
                    or e == gov]
            flat = len(mine) == 1 and not _own_list(root)
            if gov in users or len(mine) >= 2 or (mine and (root in above_root or flat)):
                roots[root] = (gov, users.get(gov) or next(iter(users.values())))
                break

    given: dict[str, list[Derived]] = collections.defaultdict(list)
    for url, users in columns.items():
        entries = {e for e, _ in users}
        if len(entries) == 1:
            owner = next(iter(entries))
            if out[owner].level in ("部门", "乡") and _a_group_list(out, owner, url, roots):
                owner = out[owner].parent  # the government's list of its bodies' reports
        else:
            divisions = {out[e].region_code if e in out else "" for e in entries}
            divisions = {d for d in divisions if d}
            owner = _common(out, divisions)
        if owner:
            given[owner].append(users[0][1])
    for url, (owner, d) in roots.items():
        given[owner].append(d)

    changed = set()
    for code, derived in given.items():
        p = out[code]
        if p.status == "verified":
            continue
        for d in derived:
            if not any(_same_list(d.url, u) for u in p.column_urls):
                p.column_urls.append(d.url)
                # a list once kept as a known report, before its source named it a column
                p.known_reports = [u for u in p.known_reports if not _same_list(u, d.url)]
                p.domains = _with_domain(p.domains, d.url)
                p.source = _note(p.source, f"column {d.url} ← {d.address} (seen {d.seen}; {d.rule})")
                changed.add(code)
        platforms = {d.platform for d in derived if d.url in p.column_urls}
        if not p.platform and len(platforms) == 1 and platforms != {"generic"}:
            p.platform = platforms.pop()
    for code, rs in by_entry.items():
        p = out[code]
        if p.status == "verified":
            continue
        for r in sorted(rs, key=lambda r: r["address"]):
            addr = r["address"]
            col = own_col.get(addr)
            if (col and any(_same_list(col, u) for u in p.column_urls)) or addr in p.known_reports:
                continue
            if r.get("kind") == "column" and col:
                continue  # a list, given to the government whose shared list it is
            p.known_reports.append(addr)
            p.domains = _with_domain(p.domains, addr)
            p.source = _note(p.source, f"known report {addr} (seen {r.get('seen', '')})")
            changed.add(code)
    return Registry(sorted(out.items())), {"bodies_created": created, "entries_changed": len(changed)}


def host_coverage(reg: Registry, rows: list[dict]) -> dict:
    """Of the governments with a report address: how many have a 年报 column of their own on
    the host of one of their reports, and how many of their own or of one of their bodies."""
    hosts: dict[str, set[str]] = collections.defaultdict(set)
    for r in rows:
        if r.get("division") in reg and r.get("kind", "report") == "report":
            hosts[r["division"]].add(_bare(urllib.parse.urlsplit(r["address"]).hostname))
    below: dict[str, list[Portal]] = collections.defaultdict(list)
    for p in reg.values():
        below[p.region_code].append(p)

    def on(entries, hs):
        return any(_bare(urllib.parse.urlsplit(u).hostname) in hs for p in entries for u in p.column_urls)
    own = sum(1 for d, hs in hosts.items() if on([reg[d]], hs))
    with_bodies = sum(1 for d, hs in hosts.items() if on(below[d], hs))
    return {"governments": len(hosts), "own_column_on_host": own,
            "own_or_body_column_on_host": with_bodies}


def _a_group_list(reg: Registry, body: str, url: str, roots: dict) -> bool:
    """Is *url*, the list one body's report sits in, rather its government's? On the body's own
    site (czj.lasa.gov.cn) it is the body's. On the government's portal it is the body's only
    below a directory of bodies and a directory of its own (/bm/jtj/…/zfxxgknb/); the
    government's outermost 年报 directory, a list named as a group or a year (/zfxxgknb/bm/2024n/)
    and any other list there (a news list, a flat 年报 list) are the government's: a body's
    spider must not file a shared list's reports under the body."""
    if url in roots:
        return True
    gov = reg.get(reg[body].parent)
    parts = urllib.parse.urlsplit(url)
    if gov is None or not gov.home_url or _bare(parts.hostname) != _bare(
            urllib.parse.urlsplit(gov.home_url).hostname):
        return False
    segs = [s for s in parts.path.split("/") if s and not s.lower().startswith("index")]
    if not segs or GROUP_LIST.search(segs[-1]):
        return True
    return not any(BODY_DIRS.match(s) for s in segs[:-2])


def _bare(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def _own_list(url: str) -> bool:
    """A list below a directory of bodies and a body's own directory (/gzbm/cyqmzj/ndbg/)."""
    segs = [s for s in urllib.parse.urlsplit(url).path.split("/") if s]
    return any(BODY_DIRS.match(s) for s in segs[:-2])


def _same_list(a: str, b: str) -> bool:
    """Two addresses of one list: they differ at most by http/https and a leading www."""
    def key(u):
        p = urllib.parse.urlsplit(u)
        host = (p.hostname or "").lower()
        return (host[4:] if host.startswith("www.") else host, p.port, p.path, p.query)
    return key(a) == key(b)


def _body(code: str, rs: list[dict]) -> Portal:
    names = collections.Counter(r["body"] for r in rs if r.get("body"))
    name = max(names, key=lambda n: (names[n], len(n))) if names else code
    first = min(rs, key=lambda r: (r.get("seen", ""), r["address"]))
    return Portal(code=code, agency=name, name=name, level=first.get("level", ""),
                  parent=first["division"], region_code=first["division"], status="unverified",
                  source=SOURCE, source_date=first.get("seen", ""),
                  notes=f"found by its report {first['address']}")


def _chain(reg: Registry, code: str) -> list[str]:
    out, seen = [], set()
    while code and code in reg and code not in seen:
        seen.add(code)
        out.append(code)
        code = reg[code].parent
    return out


def _common(reg: Registry, divisions: set[str]) -> str | None:
    """The deepest government every one of *divisions* is, or lies under."""
    chains = [_chain(reg, d) for d in divisions]
    if not chains or not all(chains):
        return None
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    return next((c for c in chains[0] if c in common), None)


def _with_domain(domains: list[str], url: str) -> list[str]:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if not host or any(host == d or host.endswith("." + d) for d in domains):
        return domains
    return domains + [registrable(host)]


def _note(text: str, line: str) -> str:
    return f"{text}; {line}" if text else line
