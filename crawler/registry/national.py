"""Import a national list of governments and their portals (``ogi registry import PATH``).

The input is a CSV with the columns of ``cn_gov_portals_by_division.csv`` (the 3,213 divisions of
the 2024 GB/T 2260 list joined with one portal home page per government; see docs/registry.md):
``code, level, name, parent_code, parent_name, province, portal_url, portal_host,
probe_YYYYMMDD, budget_disclosure_url, policy_docs_url, src_key, note``. Each row becomes one
registry entry, status ``unverified`` (seed data: ``ogi registry check`` compares each home page
with the division's name before anyone trusts it), with the file as its source and the probe's
date as the source date.

Rows without a GB/T 2260 code (units outside the list, such as 两江新区 or 新疆生产建设兵团) get
the code ``<parent code>-<first label of the portal host>`` (``500000-ljxq``), their parent found
by name in the same province, and the region code of that parent; their level is one below the
parent's. Nothing is guessed beyond that: the agency is the division's name as listed.
"""
from __future__ import annotations

import csv
import functools
import pathlib
import re
import urllib.parse

from . import Portal, Registry, RegistryError

REQUIRED = ("code", "level", "name", "parent_code", "parent_name", "province", "portal_url",
            "portal_host")
LEVELS = {"province": "省", "prefecture": "市", "county": "县"}
BELOW = {"省": "市", "市": "县", "县": "县"}
XXGK_PATH = re.compile(r"/(zfxxgk|xxgk|zwgk|gkml|zfgk|fdzdgknr)", re.I)


def portal_domain(host: str) -> str:
    host = (host or "").strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@functools.lru_cache(maxsize=1)
def _suffixes():
    import tldextract

    # the public suffix list shipped inside tldextract: nothing is downloaded
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_problem(host: str) -> str | None:
    """Why `host` is not a real registrable host name (None when it is)."""
    h = host.lower().rstrip(".")
    if not h or len(h) > 253 or not all(_LABEL.fullmatch(x) for x in h.split(".")):
        return "is not a host name"
    if re.fullmatch(r"[\d.]+", h):
        return "is an IP address, not a host name"
    parts = _suffixes()(h)
    if not parts.suffix or not parts.domain:
        return "is not under a public suffix" if not parts.suffix else "is a public suffix"
    return None


def text_problem(value: str) -> str | None:
    if _CONTROL.search(value):
        return "is not one line of text"
    from crawler.csvsafe import cell
    if cell(value) != value:
        return "starts like a spreadsheet formula"
    return None


def url_problem(url: str, registrable: bool = True) -> str | None:
    if not url:
        return None
    if _CONTROL.search(url) or " " in url:
        return "is not one URL"
    p = urllib.parse.urlsplit(url)
    if p.scheme not in ("http", "https") or not p.hostname:
        return "is not an http(s) URL with a host"
    return host_problem(p.hostname) if registrable else None


def check_row(r: dict, where: str) -> None:
    """Refuse a row whose values are not what they claim to be (see the module)."""
    for col in ("name", "parent_name", "province", "note"):
        why = text_problem((r.get(col) or "").strip())
        if why:
            raise RegistryError(f"{where}: {col} {r.get(col)!r} {why}")
    # a home page must be a portal's host; a budget page may sit on a bare address (it is
    # only used when it is on the portal's domain)
    for col, registrable in (("portal_url", True), ("budget_disclosure_url", False)):
        why = url_problem((r.get(col) or "").strip(), registrable)
        if why:
            raise RegistryError(f"{where}: {col} {r.get(col)!r} {why}")
    host = (r.get("portal_host") or "").strip()
    if host:
        why = host_problem(host)
        if why:
            raise RegistryError(f"{where}: portal_host {host!r} {why}")


def read_rows(path: str | pathlib.Path) -> tuple[list[dict], str]:
    """The rows of the file and the date of its probe column (YYYY-MM-DD, or "")."""
    path = pathlib.Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegistryError(f"cannot read {path}: {exc}") from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegistryError(f"{path}: not a division/portal list: no column(s) {', '.join(missing)}")
    probe = next((c for c in header if re.fullmatch(r"probe_\d{8}", c)), "")
    date = f"{probe[6:10]}-{probe[10:12]}-{probe[12:14]}" if probe else ""
    return [dict(r, _probe=r.get(probe, "") if probe else "") for r in rows], date


def import_rows(rows: list[dict], source: str, source_date: str) -> Registry:
    reg = Registry()
    by_name: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["code"]:
            by_name.setdefault((r["province"], r["name"]), []).append(r)
    for i, r in enumerate(rows, 2):
        where = f"line {i}"
        check_row(r, where)
        name = r["name"].strip()
        if not name:
            raise RegistryError(f"{where}: no name")
        code = r["code"].strip()
        level = LEVELS.get(r["level"].strip())
        parent = r["parent_code"].strip()
        host = r["portal_host"].strip() or urllib.parse.urlsplit(r["portal_url"]).hostname or ""
        domain = portal_domain(host)
        region = code
        if not code:
            cands = by_name.get((r["province"], r["parent_name"].strip()), [])
            if len(cands) != 1:
                raise RegistryError(f"{where}: {name} has no code and its parent "
                                    f"{r['parent_name']!r} is not one division of {r['province']}")
            parent = cands[0]["code"]
            label = domain.split(".")[0] if domain else ""
            if not label:
                raise RegistryError(f"{where}: {name} has neither a code nor a portal host")
            code = f"{parent}-{label}"
            region = parent
            level = BELOW[LEVELS[cands[0]["level"]]]
        elif not re.fullmatch(r"\d{6}", code):
            raise RegistryError(f"{where}: code {code!r} is not six digits")
        if level is None:
            raise RegistryError(f"{where}: unknown level {r['level']!r}")
        if code in reg:
            raise RegistryError(f"{where}: duplicate code {code}")
        xxgk = (r.get("budget_disclosure_url") or "").strip()
        if not (xxgk and domain and XXGK_PATH.search(urllib.parse.urlsplit(xxgk).path)
                and (urllib.parse.urlsplit(xxgk).hostname or "").lower().endswith(domain)):
            xxgk = ""
        notes = "; ".join(x for x in (r.get("note", "").strip(),
                                      f"probe {source_date}: {r['_probe']}" if r.get("_probe")
                                      else "") if x)
        reg[code] = Portal(
            code=code, agency=name, name=name, level=level, parent=parent, region_code=region,
            home_url=r["portal_url"].strip(), domains=[domain] if domain else [],
            xxgk_url=xxgk, status="unverified", source=source, source_date=source_date,
            notes=notes)
    return reg


def import_file(path: str | pathlib.Path, source: str | None = None,
                source_date: str | None = None) -> Registry:
    rows, probe_date = read_rows(path)
    return import_rows(rows, source or pathlib.Path(path).name, source_date or probe_date)


def merge_import(existing: Registry, imported: Registry) -> Registry:
    """The registry after an import: entries a person verified (or a tool's status an operator
    accepted) stay as they are; other entries take the imported values and keep what only
    they knew (columns, platform); entries the file does not name are kept."""
    from . import merge
    out = Registry(existing)
    for code, p in imported.items():
        old = existing.get(code)
        if old is None:
            out[code] = p
        elif old.status == "unverified":
            out[code] = merge(Registry({code: p}), Registry({code: old}))[code]
    return Registry(sorted(out.items()))
