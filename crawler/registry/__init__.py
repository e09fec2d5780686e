"""The portal registry: which portals to crawl, with real facts only (crawler/registry/portals.yaml).

Each entry: ``code`` (registry code; by convention the 6-digit GB/T 2260 region code, with a
suffix for a body other than the government itself, e.g. ``350128-gov``), ``agency``,
``region_code`` (6 digits), ``level`` (省/市/县/乡/部门), ``domains`` (official portal domains;
only these are followed), ``column_urls`` (report columns), ``platform`` (trs, hanweb, json,
generic), ``list_api`` (JSON list URL template with {page}, platform json), ``robots``
(``obey``, or ``ignore`` together with ``robots_reason``), ``source`` (where each URL was seen),
``notes``. A field that is not known for certain is left empty, never guessed.

A portal is crawlable only with a region code, at least one domain and one column URL, all
column URLs on its domains, and a reason if robots.txt is to be ignored.
"""
from __future__ import annotations

import dataclasses
import pathlib
from importlib import resources
import re
import urllib.parse

import yaml

REGISTRY_FILE = pathlib.Path(__file__).with_name("portals.yaml")
PLATFORMS = ("trs", "hanweb", "json", "generic")
LEVELS = ("省", "市", "县", "乡", "部门", "")


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
    platform: str = ""
    list_api: str = ""
    robots: str = "obey"
    robots_reason: str = ""
    source: str = ""
    notes: str = ""

    def crawl_problems(self) -> list[str]:
        p = []
        if not re.fullmatch(r"\d{6}", self.region_code or ""):
            p.append("no 6-digit GB/T 2260 region code")
        if not self.domains:
            p.append("no allowed domains")
        if not self.column_urls:
            p.append("no report column URL (unknown: left empty in the registry)")
        for u in self.column_urls:
            host = urllib.parse.urlsplit(u).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in self.domains):
                p.append(f"column URL {u} is not on the portal's domains")
        if self.robots not in ("obey", "ignore"):
            p.append(f"robots policy {self.robots!r} is neither obey nor ignore")
        if self.robots == "ignore" and not self.robots_reason.strip():
            p.append("robots.txt may be ignored only with a reason")
        if self.platform and self.platform not in PLATFORMS:
            p.append(f"unknown platform {self.platform!r}")
        return p

    @property
    def spider_name(self) -> str:
        return {"trs": "trs", "hanweb": "hanweb", "json": "jsonapi"}.get(self.platform,
                                                                          "discover")


class Registry(dict):
    def crawlable(self) -> list[Portal]:
        return [p for p in self.values() if not p.crawl_problems()]


def load_registry(path: str | pathlib.Path | None = None) -> Registry:
    try:
        if path:
            path = pathlib.Path(path)
            text = path.read_text("utf-8")
        else:
            # through importlib.resources: a scrapyd deploy runs the project from a zipped egg
            path = REGISTRY_FILE
            text = resources.files(__package__).joinpath("portals.yaml").read_text("utf-8")
        data = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"cannot read the portal registry {path}: {exc}") from exc
    reg = Registry()
    fields = {f.name for f in dataclasses.fields(Portal)}
    for i, raw in enumerate(data.get("portals") or []):
        if not isinstance(raw, dict) or not raw.get("code") or not raw.get("agency"):
            raise RegistryError(f"{path}: entry {i + 1} needs at least code and agency")
        unknown = set(raw) - fields
        if unknown:
            raise RegistryError(f"{path}: entry {raw['code']}: unknown field(s) "
                                f"{', '.join(sorted(unknown))}")
        vals = {k: ("" if v is None else v) for k, v in raw.items()}
        for k in ("domains", "column_urls"):
            v = vals.get(k) or []
            vals[k] = [v] if isinstance(v, str) else [str(x) for x in v]
        vals["region_code"] = str(vals.get("region_code") or "")
        vals["code"] = str(vals["code"])
        if vals["code"] in reg:
            raise RegistryError(f"{path}: duplicate code {vals['code']}")
        reg[vals["code"]] = Portal(**vals)
    return reg
