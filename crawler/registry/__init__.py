"""The portal registry: which portals to crawl, with real facts only.

Two shipped files, merged: ``portals.yaml`` (entries written by hand from research notes) and
``national.csv`` (every government of the GB/T 2260 list with its portal home page, written by
``ogi registry import``; see crawler/registry/national.py). Where both name a code, the hand-written
entry's values win and the imported one only fills its empty fields. ``--registry PATH`` names one
file instead (``.csv`` or YAML).

Each entry: ``code`` (registry code; by convention the 6-digit GB/T 2260 region code, with a
suffix for a body other than the government itself, e.g. ``350128-gov``), ``agency``,
``region_code`` (6 digits), ``level`` (省/市/县/乡/部门), ``domains`` (official portal domains;
only these are followed), ``column_urls`` (report columns; an address holding ``{year}`` is a
report viewer asked for every year), ``known_reports`` (report addresses crawled directly: where
no column is known, or the column is another entry's), ``platform`` (trs, hanweb, json, vsb,
jeecms, openness, generic), ``list_api`` (JSON list URL template with {page}, platform json), ``robots``
(``obey``, or ``ignore`` together with ``robots_reason``), ``source`` (where each URL was seen),
``notes``. A field that is not known for certain is left empty, never guessed.

National fields: ``name`` (the division's name, 东城区, compared with a home page's <title>),
``parent`` (the parent's registry code: a province for a prefecture, a government for its
departments and townships), ``home_url`` (portal home page), ``xxgk_url`` (a page under the
portal's 信息公开 path, from the seed data), ``status`` (unverified, verified, moved,
unreachable, blocked), ``checked`` (when a person or ``ogi registry check/discover`` last looked,
UTC), ``source_date`` (date of the source). Tools never write this file: ``ogi registry check``
and ``discover`` write proposals (crawler/registry/proposals.py) that an operator reviews
(``ogi registry diff``) and takes (``ogi registry accept``); until then a proposal only fills
what an entry leaves empty, and never touches a ``verified`` entry.

A portal is crawlable only with a region code, at least one domain and one column URL or known
report, all column URLs and known reports on its domains, a reason if robots.txt is to be ignored, and a status that is not
moved, unreachable or blocked.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import os
import pathlib
from importlib import resources
import re
import urllib.parse

import yaml

REGISTRY_FILE = pathlib.Path(__file__).with_name("portals.yaml")
NATIONAL_FILE = pathlib.Path(__file__).with_name("national.csv")
# the platforms of spiders/platforms.py (a test holds the two lists together)
PLATFORMS = ("trs", "hanweb", "json", "vsb", "jeecms", "openness", "generic")
LEVELS = ("省", "市", "县", "乡", "部门", "")
STATUSES = ("unverified", "verified", "moved", "unreachable", "blocked")
NOT_CRAWLED = ("moved", "unreachable", "blocked")
LIST_FIELDS = ("domains", "column_urls", "known_reports")


NO_COLUMN = "no report column URL or known report (unknown: left empty in the registry)"


class RegistryError(ValueError):
    pass


@dataclasses.dataclass
class Portal:
    code: str
    agency: str
    region_code: str = ""
    level: str = ""
    domains: list[str] = dataclasses.field(default_factory=list)
    column_urls: list[str] = dataclasses.field(default_factory=list)
    known_reports: list[str] = dataclasses.field(default_factory=list)
    platform: str = ""
    list_api: str = ""
    robots: str = "obey"
    robots_reason: str = ""
    source: str = ""
    notes: str = ""
    name: str = ""
    parent: str = ""
    home_url: str = ""
    xxgk_url: str = ""
    status: str = "unverified"
    checked: str = ""
    source_date: str = ""

    def crawl_problems(self) -> list[str]:
        p = []
        if not re.fullmatch(r"\d{6}", self.region_code or ""):
            p.append("no 6-digit GB/T 2260 region code")
        if not self.domains:
            p.append("no allowed domains")
        if not self.column_urls and not self.known_reports:
            p.append(NO_COLUMN)
        for u in self.column_urls + self.known_reports:
            host = urllib.parse.urlsplit(u).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in self.domains):
                what = "column URL" if u in self.column_urls else "known report"
                p.append(f"{what} {u} is not on the portal's domains")
        if self.robots not in ("obey", "ignore"):
            p.append(f"robots policy {self.robots!r} is neither obey nor ignore")
        if self.robots == "ignore" and not self.robots_reason.strip():
            p.append("robots.txt may be ignored only with a reason")
        if self.platform and self.platform not in PLATFORMS:
            p.append(f"unknown platform {self.platform!r}")
        if self.status not in STATUSES:
            p.append(f"unknown status {self.status!r}")
        elif self.status in NOT_CRAWLED:
            p.append(f"status {self.status} (see `ogi registry check`)")
        return p

    def on_domains(self, url: str) -> bool:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


FIELDS = tuple(f.name for f in dataclasses.fields(Portal))
# the column order of a CSV registry (national.csv)
CSV_FIELDS = ("code", "agency", "name", "level", "parent", "region_code", "home_url", "domains",
              "platform", "column_urls", "known_reports", "list_api", "xxgk_url", "status", "checked", "robots",
              "robots_reason", "source", "source_date", "notes")
assert set(CSV_FIELDS) == set(FIELDS)


class Registry(dict):
    def crawlable(self) -> list[Portal]:
        return [p for p in self.values() if not p.crawl_problems()]

    def on_domain(self, domain: str) -> list[Portal]:
        """Entries with a column on *domain* (or a subdomain of it), from an index built once."""
        index = getattr(self, "_by_domain", None)
        if index is None:
            index = {}
            for p in self.values():
                for d in p.domains:
                    index.setdefault(d, []).append(p)
            self._by_domain = index
        return index.get(domain, [])


def _entry(raw: dict, where: str) -> Portal:
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("agency"):
        raise RegistryError(f"{where} needs at least code and agency")
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise RegistryError(f"{where}: entry {raw['code']}: unknown field(s) "
                            f"{', '.join(sorted(unknown))}")
    vals = {k: ("" if v is None else v) for k, v in raw.items()}
    for k in LIST_FIELDS:
        v = vals.get(k) or []
        vals[k] = v.split() if isinstance(v, str) else [str(x) for x in v]
    for k in set(FIELDS) - set(LIST_FIELDS):
        if k in vals:
            vals[k] = str(vals[k])
    if vals.get("level", "") not in LEVELS:
        raise RegistryError(f"{where}: entry {vals['code']}: level {vals['level']!r} is not one "
                            f"of {', '.join(x for x in LEVELS if x)}")
    for k in ("agency", "name"):
        if re.search(r"[\x00-\x1f\x7f\u2028\u2029]", vals.get(k, "")):
            raise RegistryError(f"{where}: entry {vals['code']}: {k} {vals[k]!r} is not one line")
    for k in ("home_url", "xxgk_url", "list_api"):
        v = vals.get(k, "")
        if v and urllib.parse.urlsplit(v).scheme not in ("http", "https"):
            raise RegistryError(f"{where}: entry {vals['code']}: {k} {v!r} is not an http(s) URL")
    for v in vals.get("column_urls", []):
        if urllib.parse.urlsplit(v).scheme not in ("http", "https"):
            raise RegistryError(f"{where}: entry {vals['code']}: column URL {v!r} is not an "
                                f"http(s) URL")
    if not vals.get("status"):
        vals["status"] = "unverified"
    if vals["status"] not in STATUSES:
        raise RegistryError(f"{where}: entry {vals['code']}: status {vals['status']!r} is not one "
                            f"of {', '.join(STATUSES)}")
    return Portal(**vals)


def parse_registry(text: str, where: str, kind: str) -> Registry:
    """A registry from the text of a YAML (kind "yaml") or CSV (kind "csv") file."""
    reg = Registry()
    if kind == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        except yaml.YAMLError as exc:
            raise RegistryError(f"cannot read the portal registry {where}: {exc}") from exc
        rows = data.get("portals") or []
    for i, raw in enumerate(rows):
        if kind == "csv":  # written by write_registry: formula-like text came with a '
            from crawler.csvsafe import unquote
            raw = {k: unquote(v) for k, v in raw.items() if k is not None and v not in (None, "")}
        p = _entry(raw, f"{where}: entry {i + 1}")
        if p.code in reg:
            raise RegistryError(f"{where}: duplicate code {p.code}")
        reg[p.code] = p
    return reg


def registry_kind(path) -> str:
    return "csv" if str(path).lower().endswith(".csv") else "yaml"


def merge(hand: Registry, imported: Registry) -> Registry:
    """Hand-written entries over imported ones: an imported value fills only an empty field."""
    out = Registry(imported)
    for code, p in hand.items():
        base = imported.get(code)
        if base is None:
            out[code] = p
            continue
        vals = dataclasses.asdict(base)
        for k, v in dataclasses.asdict(p).items():
            if v not in ("", [], None) and not (k == "status" and v == "unverified"):
                vals[k] = v
        out[code] = Portal(**vals)
    return Registry(sorted(out.items()))


_CACHE: dict = {}


def _mtime(path) -> float | None:
    try:
        return os.stat(path).st_mtime_ns
    except (OSError, TypeError):
        return None


def _shipped(name: str) -> str | None:
    # through importlib.resources: a scrapyd deploy runs the project from a zipped egg
    try:
        return resources.files(__package__).joinpath(name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None


def load_registry(path: str | pathlib.Path | None = None,
                  proposals: str | pathlib.Path | None = None) -> Registry:
    """The registry: the shipped files (merged) or the file *path*; with *proposals*, the
    effective registry a crawl uses (proposals fill what entries leave empty, see proposals.py)."""
    key = (str(path) if path else None, _mtime(path) if path else None,
           str(proposals) if proposals else None, _mtime(proposals) if proposals else None)
    if key in _CACHE:  # shared: callers read it, never change it
        return _CACHE[key]
    if path:
        path = pathlib.Path(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RegistryError(f"cannot read the portal registry {path}: {exc}") from exc
        reg = parse_registry(text, str(path), registry_kind(path))
    else:
        text = _shipped("portals.yaml")
        if text is None:
            raise RegistryError(f"cannot read the portal registry {REGISTRY_FILE}")
        reg = parse_registry(text, str(REGISTRY_FILE), "yaml")
        national = _shipped("national.csv")
        if national is not None:
            reg = merge(reg, parse_registry(national, str(NATIONAL_FILE), "csv"))
    if proposals:
        from .proposals import load_proposals, overlay
        reg = overlay(reg, load_proposals(proposals))
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = reg
    return load_registry(path, proposals)


def write_registry(reg: Registry | list, path: str | pathlib.Path) -> None:
    """Write a registry as CSV (atomically; the CSV_FIELDS columns, lists space-separated;
    a text starting a spreadsheet formula gets a ``'`` prefix, crawler.csvsafe)."""
    from crawler.csvsafe import mapping

    path = pathlib.Path(path)
    if registry_kind(path) != "csv":
        raise RegistryError(f"{path}: tools write CSV registries only; a YAML registry is "
                            f"edited by hand")
    entries = sorted(reg.values() if isinstance(reg, dict) else reg, key=lambda p: p.code)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for p in entries:
        row = dataclasses.asdict(p)
        for k in LIST_FIELDS:
            row[k] = " ".join(row[k])
        w.writerow(mapping(row))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue(), "utf-8")
    os.replace(tmp, path)
    _CACHE.clear()
