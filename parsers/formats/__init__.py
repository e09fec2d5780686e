"""Load the declarative format description (formats.yml) into convenient objects.

Everything that knows a table layout, a row label, a field id, a unit or a check reads it from
here: the mapper, the checks, the database schema and the data dictionary.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FORMATS_FILE = Path(__file__).with_name("formats.yml")
VERSIONS = ("2021", "2019")
TABLE_NAMES = {"t2": "二", "t3": "三", "t4": "四"}
TABLE_TITLES = {
    "t2": "主动公开政府信息情况",
    "t3": "收到和处理政府信息公开申请情况",
    "t4": "政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class FieldDef:
    id: str
    table: str  # "t2" | "t3" | "t4"
    row_key: str
    column_key: str
    row_label: str
    column_label: str
    unit: str
    en: str
    decimal: bool = False
    signed: bool = False

    @property
    def table_name(self) -> str:
        return TABLE_NAMES[self.table]


@dataclass(frozen=True)
class RowDef:
    key: str
    label: str
    en: str
    match: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    result_leaf: bool = False
    group: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class ColumnDef:
    key: str
    label: str
    en: str
    unit: str = "件"
    match: tuple[str, ...] = ()
    decimal: bool = False
    signed: bool = False


@dataclass(frozen=True)
class T2Block:
    caption: str
    columns: tuple[ColumnDef, ...]
    rows: tuple[RowDef, ...]


@dataclass
class Format:
    version: str
    issued_by: str
    t2_signature: tuple[str, ...]
    t2_blocks: tuple[T2Block, ...]
    t3_rows: tuple[RowDef, ...]
    t3_columns: tuple[ColumnDef, ...]
    t4_blocks: tuple[RowDef, ...]
    t4_columns: tuple[ColumnDef, ...]
    fields: tuple[FieldDef, ...] = field(default=())

    @property
    def field_ids(self) -> list[str]:
        return [f.id for f in self.fields]

    def field(self, field_id: str) -> FieldDef:
        return self._by_id()[field_id]

    @functools.cache
    def _by_id(self) -> dict[str, FieldDef]:
        return {f.id: f for f in self.fields}

    def __hash__(self) -> int:  # cache key for _by_id
        return hash(self.version)


def _row(d: dict) -> RowDef:
    return RowDef(
        key=d["key"], label=d["label"], en=d.get("en", ""),
        match=tuple(d.get("match", ())), exact=tuple(d.get("exact", ())),
        result_leaf=bool(d.get("result_leaf")), group=d.get("group"), after=d.get("after"),
    )


def _col(d: dict, default_unit: str = "件") -> ColumnDef:
    return ColumnDef(
        key=d["key"], label=d["label"], en=d.get("en", ""), unit=d.get("unit", default_unit),
        match=tuple(d.get("match", ())), decimal=bool(d.get("decimal")), signed=bool(d.get("signed")),
    )


def _flatten(items: list) -> list:
    out: list = []
    for it in items:
        out.extend(_flatten(it) if isinstance(it, list) else [it])
    return out


@functools.cache
def raw_spec() -> dict:
    with FORMATS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@functools.cache
def get(version: str) -> Format:
    spec = raw_spec()["versions"][version]
    t2 = spec["t2"]
    blocks = tuple(
        T2Block(b["caption"], tuple(_col(c) for c in b["columns"]), tuple(_row(r) for r in b["rows"]))
        for b in t2["blocks"]
    )
    t3_rows = tuple(_row(r) for r in _flatten(spec["t3"]["rows"]))
    t3_cols = tuple(_col(c) for c in spec["t3"]["columns"])
    t4_blocks = tuple(_row(r) for r in spec["t4"]["blocks"])
    t4_cols = tuple(_col(c) for c in spec["t4"]["columns"])
    fields: list[FieldDef] = []
    for b in blocks:
        for r in b.rows:
            for c in b.columns:
                fields.append(FieldDef(
                    f"t2.{r.key}.{c.key}", "t2", r.key, c.key, r.label, c.label, c.unit,
                    f"{r.en}: {c.en}", c.decimal, c.signed))
    for r in t3_rows:
        for c in t3_cols:
            fields.append(FieldDef(
                f"t3.{r.key}.{c.key}", "t3", r.key, c.key, r.label, c.label, c.unit, f"{r.en}: {c.en}"))
    for b in t4_blocks:
        for c in t4_cols:
            fields.append(FieldDef(
                f"t4.{b.key}.{c.key}", "t4", b.key, c.key, b.label, c.label, c.unit, f"{b.en}: {c.en}"))
    return Format(
        version=version, issued_by=spec["issued_by"], t2_signature=tuple(t2["signature"]),
        t2_blocks=blocks, t3_rows=t3_rows, t3_columns=t3_cols, t4_blocks=t4_blocks,
        t4_columns=t4_cols, fields=tuple(fields),
    )


def fields(version: str) -> tuple[FieldDef, ...]:
    return get(version).fields


@functools.cache
def all_fields() -> dict[str, FieldDef]:
    """Every field id of every version (a shared id has one meaning in every version)."""
    out: dict[str, FieldDef] = {}
    for v in VERSIONS:
        for f in fields(v):
            out.setdefault(f.id, f)
    return out


def check_specs() -> list[dict]:
    return raw_spec()["checks"]
