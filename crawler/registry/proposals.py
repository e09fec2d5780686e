"""What tools found, kept apart from the registry until an operator takes it.

``ogi registry check`` and ``ogi registry discover`` never write the registry: they write
proposals, one record per registry code, into a JSON file (default: beside the registry,
``<registry>.proposals.json``, or ``registry-proposals.json`` in the working directory for the
shipped registry)::

    {"proposals": {"110101": {"code": "110101", "new": false, "at": "2026-…Z",
                              "tools": ["check", "discover"], "fields": {"platform": "trs",
                              "column_urls": ["https://…/zfxxgknb/"], …},
                              "evidence": {"title": "…", "final_url": "…", …}}, …}}

A record is either about an existing entry (``new`` false: the fields it would change) or a
body the registry does not know yet (``new`` true: a department or township found in a
government's directory, with its parent's code, its own name and column).

``overlay`` gives the effective registry that ``ogi crawl --all`` uses ("verified or
discovered"): a proposal fills only what an entry leaves empty, may mark a non-verified entry
moved/unreachable/blocked, and never touches a ``verified`` entry; new bodies are added.
``ogi registry diff`` shows every proposal against the registry and ``ogi registry accept``
writes the chosen ones into it (the operator's review is what makes an entry ``verified``).
"""
from __future__ import annotations

import dataclasses
import json
import os
import pathlib

from . import FIELDS, LIST_FIELDS, Portal, Registry, RegistryError

TOOL_STATUSES = ("moved", "unreachable", "blocked")


def default_path(registry: str | pathlib.Path | None) -> pathlib.Path:
    if registry:
        p = pathlib.Path(registry)
        return p.with_name(p.name + ".proposals.json")
    return pathlib.Path("registry-proposals.json")


def load_proposals(path: str | pathlib.Path | None) -> dict[str, dict]:
    if not path:
        return {}
    path = pathlib.Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryError(f"cannot read the registry proposals {path}: {exc}") from exc
    props = data.get("proposals") if isinstance(data, dict) else None
    if not isinstance(props, dict):
        raise RegistryError(f"{path}: not a proposals file (no 'proposals' object)")
    return props


def save_proposals(props: dict[str, dict], path: str | pathlib.Path) -> None:
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"proposals": dict(sorted(props.items()))}, ensure_ascii=False,
                              indent=1), "utf-8")
    os.replace(tmp, path)
    from . import _CACHE
    _CACHE.clear()


def record(props: dict, code: str, tool: str, at: str, fields: dict, evidence: dict | None = None,
           new: bool = False) -> dict:
    """Add one tool's findings about *code* to *props* (a later finding of a field wins)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown registry field(s) {sorted(unknown)}")
    rec = props.setdefault(code, {"code": code, "new": new, "tools": [], "fields": {},
                                  "evidence": {}})
    rec["new"] = rec.get("new", False) or new
    rec["at"] = at
    if tool not in rec["tools"]:
        rec["tools"].append(tool)
    rec["fields"].update(fields)
    rec["evidence"].update(evidence or {})
    return rec


def propose_columns(found: list[dict], path: str | pathlib.Path, at: str) -> int:
    """Columns a crawl read off known reports' pages (their breadcrumb or 栏目 link), as
    proposals of tool ``crawl`` for review (``ogi registry diff``/``accept``); returns how many
    entries got one."""
    if not found:
        return 0
    props = load_proposals(path)
    codes = set()
    for f in found:
        rec = props.get(f["portal"])
        cols = list((rec or {}).get("fields", {}).get("column_urls") or [])
        if f["column"] not in cols:
            cols.append(f["column"])
        record(props, f["portal"], "crawl", at, {"column_urls": cols},
               evidence={"column_read_off": f["report"], "breadcrumb": f["evidence"]})
        codes.add(f["portal"])
    save_proposals(props, path)
    return len(codes)


def _empty(v) -> bool:
    return v in ("", None, []) or v == "unverified"


def overlay(reg: Registry, props: dict[str, dict]) -> Registry:
    """The effective registry: entries with the proposals laid over what they leave empty."""
    out = Registry(reg)
    for code, rec in props.items():
        fields = {k: v for k, v in (rec.get("fields") or {}).items() if k in FIELDS}
        p = out.get(code)
        if p is None:
            if not rec.get("new") or not fields.get("agency"):
                continue
            vals = {k: (list(v) if k in LIST_FIELDS else str(v)) for k, v in fields.items()}
            vals["code"] = code
            if vals.get("status") not in ("unverified",) + TOOL_STATUSES:
                vals["status"] = "unverified"
            out[code] = Portal(**vals)
            continue
        if p.status == "verified":
            continue  # a person's facts: a proposal only shows in the diff
        vals = dataclasses.asdict(p)
        for k, v in fields.items():
            if k == "status":
                if v in TOOL_STATUSES:
                    vals[k] = v
            elif k == "checked":
                vals[k] = str(v)
            elif _empty(vals.get(k)) and not _empty(v):
                vals[k] = list(v) if k in LIST_FIELDS else str(v)
        out[code] = Portal(**vals)
    return out


def diff(reg: Registry, props: dict[str, dict]) -> list[dict]:
    """Each proposal as {code, name, new, verified, changes: [(field, old, new)]}."""
    out = []
    for code, rec in sorted(props.items()):
        p = reg.get(code)
        changes = []
        for k, v in sorted((rec.get("fields") or {}).items()):
            old = getattr(p, k) if p is not None else ([] if k in LIST_FIELDS else "")
            if k == "status" and v == "verified" and p is not None and p.status == "verified":
                continue
            if old != v:
                changes.append((k, old, v))
        out.append({"code": code, "name": (p.agency if p else rec["fields"].get("agency", "")),
                    "new": p is None, "verified": bool(p and p.status == "verified"),
                    "tools": rec.get("tools", []), "at": rec.get("at"), "changes": changes,
                    "evidence": rec.get("evidence", {})})
    return out


def accept(reg: Registry, props: dict[str, dict], codes) -> tuple[Registry, list[str]]:
    """Take the proposals of *codes* into the registry: their fields replace the entry's, and
    the entry becomes ``verified`` (an operator reviewed it) unless the proposal says it moved,
    is unreachable or blocked. Returns the new registry and the codes taken."""
    out = Registry(reg)
    taken = []
    for code in codes:
        rec = props.get(code)
        if rec is None:
            raise RegistryError(f"no proposal for {code}")
        fields = dict(rec.get("fields") or {})
        p = out.get(code)
        if p is None:
            if not fields.get("agency"):
                raise RegistryError(f"proposal {code} is a new entry without a name")
            vals = {"code": code}
        else:
            vals = dataclasses.asdict(p)
        for k, v in fields.items():
            vals[k] = list(v) if k in LIST_FIELDS else str(v)
        status = fields.get("status")
        vals["status"] = status if status in TOOL_STATUSES else "verified"
        vals["checked"] = str(rec.get("at") or vals.get("checked") or "")
        out[code] = Portal(**vals)
        taken.append(code)
    return Registry(sorted(out.items())), taken
