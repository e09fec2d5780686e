"""The arithmetic rules (勾稽关系) of formats.yml, evaluated on printed values.

A rule whose cells are blank or marked is undecidable (ok = None), never failed or passed by
reading a blank as 0 — except that counts are never negative: when the parts a sum rule has
already exceed its total, it fails whatever the unread parts hold (``bound: "at least"``, the
expected figure being the parts read). A failed rule is reported; the values are never altered.
"""
from __future__ import annotations

from decimal import Decimal

from . import formats
from .numbers import to_json_number


def _expand(spec: dict, fmt: formats.Format, present_rows: list[str]) -> list[dict]:
    (var, source), = spec["each"].items() if spec.get("each") else ((None, None),)
    if isinstance(source, list):
        keys = source
    elif source == "t3.columns":
        keys = [c.key for c in fmt.t3_columns]
    elif source == "t3.rows":
        keys = present_rows
    elif source == "t4.blocks":
        keys = [b.key for b in fmt.t4_blocks]
    else:
        keys = [None]
    out = []
    for k in keys:
        def sub(s: str) -> str:
            return s.replace(f"<{var}>", k) if var else s
        d = {key: ([sub(x) for x in val] if isinstance(val, list) else val) for key, val in spec.items()}
        d["id"] = sub(spec["id"])
        out.append(d)
    return out


def _total(ids: list[str], values: dict) -> tuple[Decimal | None, bool]:
    total = Decimal(0)
    for i in ids:
        v = values.get(i)
        if v is None:
            return None, False
        total += Decimal(str(v))
    return total, True


def _rule(rule: dict, left: list[str], right: list[str], values: dict, minus: list[str] = (),
          counts: bool = False) -> dict:
    actual, ok_l = _total(left, values)
    expected, ok_r = _total(right, values)
    sub, ok_m = _total(list(minus), values)
    decided = ok_l and ok_r and ok_m
    if decided:
        expected = expected - sub
    out = {
        "id": rule["id"],
        "ok": (actual == expected) if decided else None,
        "expected": to_json_number(expected) if decided else None,
        "actual": to_json_number(actual) if ok_l else None,
        "severity": rule.get("severity", "error"),
        "fields": left + right + list(minus),
    }
    if not decided and counts and ok_l and not minus:
        # counts are never negative: parts already printed beyond the total decide the rule
        # whatever the parts left unread hold (a 19 read among a row whose total is 0)
        known = sum((Decimal(str(values[f])) for f in right if values.get(f) is not None), Decimal(0))
        if known > actual:
            out.update(ok=False, expected=to_json_number(known), bound="at least")
    return out


def rules(version: str, t3_version: str | None = None) -> list[dict]:
    """Every in-document rule for a report of `version`, expanded: id, severity, `left` and
    `right` (field ids, Σ left = Σ right) and `counts` (every field a count, never negative).

    `t3_version` names the layout of table 三's （六） rows when it differs from `version` (a
    hybrid)."""
    fmt = formats.get(version)
    rows = [r for r in fmt.t3_rows if not r.key.startswith("result.other.")]
    other = [r for r in formats.get(t3_version or version).t3_rows if r.key.startswith("result.other.")]
    pos = next(i for i, r in enumerate(rows) if r.key == "result.total")
    rows = rows[:pos] + other + rows[pos:]
    present_rows = [r.key for r in rows]
    leaf_rows = [r.key for r in rows if r.result_leaf]
    not_counts = {f.id for f in fmt.fields if f.signed or f.decimal}
    out = []
    for spec in formats.check_specs():
        if spec.get("cross"):
            continue
        for rule in _expand(spec, fmt, present_rows):
            right = []
            for r in rule["right"]:
                if r.startswith("leaves."):
                    col = r.split(".", 1)[1]
                    right.extend(f"t3.{k}.{col}" for k in leaf_rows)
                else:
                    right.append(r)
            counts = not any(f in not_counts for f in rule["left"] + right)
            out.append({**rule, "right": right, "counts": counts})
    return out


def applies(rule: dict, values: dict) -> bool:
    """Is an in-document rule (from `rules`) one to evaluate over `values`: every field of it in
    the layout, and a rule that stands `instead_of` a field (two rules joined where the field
    between them is not read) only where that field is null."""
    return (all(f in values for f in rule["left"] + rule["right"])
            and all(values.get(f) is None for f in rule.get("instead_of", ())))


def evaluate(version: str, values: dict, t3_version: str | None = None) -> list[dict]:
    """Every in-document rule for a report of `version` with the given values (field -> number).

    A row the layout has but the document did not yield is null, so the rules that need it are
    undecidable: they are never evaluated over the rows that happened to be found.
    """
    return [_rule(rule, rule["left"], rule["right"], values, counts=rule["counts"])
            for rule in rules(version, t3_version) if applies(rule, values)]


def holds(rule: dict, values: dict) -> bool:
    """Does an in-document rule (from `rules`) hold over `values`, every field of it read?"""
    left, ok_l = _total(rule["left"], values)
    right, ok_r = _total(rule["right"], values)
    return ok_l and ok_r and left == right


def required(rule: dict, field: str, values: dict) -> Decimal | None:
    """The value `field` must hold for an in-document rule (from `rules`) to hold, given the
    other fields of the rule; None when it is not decided by them. Decided: every other field
    read, or — counts being never negative — the parts read already make up the total read, so
    every part not read is 0 (a row whose total is 0, two of its cells unread)."""
    fields = rule["left"] + rule["right"]
    if field not in fields or any(f not in values for f in fields):
        return None
    unread = [f for f in fields if f != field and values.get(f) is None]

    def read(side: list[str]) -> Decimal:  # the side's numbers read, the cell asked about left out
        return sum((Decimal(str(values[f])) for f in side if f != field and values.get(f) is not None),
                   Decimal(0))

    left, right = read(rule["left"]), read(rule["right"])
    if not unread:
        return right - left if field in rule["left"] else left - right
    parts_only = field in rule["right"] and all(f in rule["right"] for f in unread)
    return Decimal(0) if rule["counts"] and parts_only and left == right else None


def cross_fields() -> set[str]:
    """Every field id a rule across reports reads, in any format version."""
    out: set[str] = set()
    for version in formats.VERSIONS:
        for spec in formats.check_specs():
            if spec.get("cross"):
                for rule in _expand(spec, formats.get(version), []):
                    for key in ("left", "right", "minus", "right_previous_year"):
                        out.update(rule.get(key, []))
    return out


def evaluate_cross(version: str, values: dict, previous: dict) -> list[dict]:
    """Rules across two reports of one agency: `previous` holds last year's values. A rule
    whose rows are in neither report's format (this year's or last year's) is not evaluated;
    last year's cells are named "prev:<field id>" in `fields`."""
    fmt = formats.get(version)
    results = []
    for spec in formats.check_specs():
        if not spec.get("cross") or version not in spec.get("formats", formats.VERSIONS):
            continue
        for rule in _expand(spec, fmt, []):
            merged = dict(values)
            prev_ids = []
            for fid in rule["right_previous_year"]:
                merged["prev:" + fid] = previous.get(fid)
                prev_ids.append("prev:" + fid)
            if not all(f in values for f in rule["left"] + rule.get("right", []) + rule.get("minus", [])):
                continue
            if not any(f in previous for f in rule["right_previous_year"]):
                continue
            results.append(_rule(rule, rule["left"], prev_ids + rule.get("right", []), merged,
                                 rule.get("minus", [])))
    return results
