"""What a fresh build takes from the archive.db it replaces (crawler.db.publish).

A full build re-derives everything from the WARC archive into an empty file, so it never copies
the old one. Two things it cannot derive come from the old file, attached as ``previous``:

* the tables no build writes (the portal registry of `ogi registry publish`): ``tables``;
* the reports of a document that now fails (a parser regression, a resource limit, a load
  error) or is no longer read as a report: a build never loses what was loaded before, so the
  report rows parsed from that address are carried over as they were: ``reports_at``.

A document carried over (its report's canonical one or another: it goes into reports, and the
build chooses each report's canonical document again) gets a key of the new file; its cells,
report and text checks, sketches and texts are copied with the interned keys (fields, flags,
printed labels, rules) translated, its texts re-packed unless both files hold the same
dictionary. Cross-year checks, copy flags and version diffs are derived again by the build.
"""
from __future__ import annotations

from pathlib import Path

from . import compact, search, texts

KEPT_TABLES = ("registry",)


class Previous:
    """The archive a fresh build replaces, attached to the new one's connection as `previous`."""

    def __init__(self, db, path: Path | str):
        self.db = db
        self.path = Path(path)
        db.conn.execute("attach database ? as previous", [str(self.path)])
        mine = texts.codec(db.conn).dictionaries
        try:
            theirs = {int(v): bytes(d) for v, d in
                      db.execute("select version, dict from previous.text_dictionaries").fetchall()}
        except Exception:  # noqa: BLE001 - an archive from before migration 0020
            theirs = None
        self.same_texts = theirs == mine
        self.codec = texts.Codec(theirs or {})

    def close(self) -> None:
        self.db.conn.execute("detach database previous")

    def has(self, table: str) -> bool:
        return bool(self.db.execute("select 1 from previous.sqlite_master where type = 'table' "
                                    "and name = ?", [table]).fetchone())

    def _columns(self, table: str, into: str | None = None) -> str:
        """The columns of previous.`table` that main.`into` (default: the same table) has."""
        theirs = [r[1] for r in self.db.execute(f'pragma previous.table_info("{table}")')]
        mine = {r[1] for r in self.db.execute(f'pragma main.table_info("{into or table}")')}
        return ", ".join(f'"{c}"' for c in theirs if c in mine)

    def tables(self, names=KEPT_TABLES) -> int:
        """Copy the rows of the tables no build derives. Returns the rows copied."""
        n = 0
        with self.db.atomic():
            for t in names:
                if not self.has(t):
                    continue
                cols = self._columns(t)
                self.db.execute(f'delete from main."{t}"')
                n += self.db.conn.execute(
                    f'insert into main."{t}" ({cols}) select {cols} from previous."{t}"').rowcount
        return n

    def reports_at(self, url: str | None) -> list[str]:
        """Carry over the documents the old file parsed from `url` that the new one lacks
        (inside the caller's transaction): a report's canonical document or another of its
        documents (they go into reports; the build then chooses each report's canonical
        document again: crawler.db.documents). Returns their ids."""
        if not url or not self.has("cells"):
            return []
        db = self.db
        ids = []
        for table in ("reports", "documents"):
            if not self.has(table):
                continue
            ids += [(r[0], table) for r in db.execute(
                f"select p.id from previous.{table} p where p.url = ? and p.parse_status != 'failed' "
                "and not exists (select 1 from main.reports m where m.id = p.id) "
                "and not exists (select 1 from main.documents m where m.id = p.id)", [url]).fetchall()]
        for rid, table in ids:
            self._report(rid, table)
        return [rid for rid, _ in ids]

    def _report(self, rid: str, held: str = "reports") -> None:
        db = self.db
        old_key, year = db.execute(f"select key, year from previous.{held} where id = ?",
                                   [rid]).fetchone()
        key = compact.next_report_key(db.conn)
        db.execute("insert into main.agencies select * from previous.agencies where id = "
                   f"(select agency_id from previous.{held} where id = ?) on conflict do nothing", [rid])
        cols = [c.strip('"') for c in self._columns(held, "reports").split(", ")]
        sel = ", ".join("?" if c == "key" else f'p."{c}"' for c in cols)
        db.execute(f'insert into main.reports ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                   f"select {sel} from previous.{held} p where p.id = ?", [key, rid])
        # the interned keys the report's rows name, then its rows with the keys translated
        places = "select place from previous.cells where report_key = ?"
        for table, column, source in (
                ("field_keys", "field_id", "select field_key from previous.cells where report_key = ?"),
                ("flag_sets", "flags", f"select flags from previous.cell_places where key in ({places})"),
                ("printed_labels", "label", f"select label from previous.cell_places where key in ({places})")):
            db.execute(f"insert or ignore into main.{table} ({column}) select {column} from "
                       f"previous.{table} where key in ({source})", [old_key])
        # a place in the new file's keys: its flags and label translated, the rest as it was
        translated = """select distinct ms.key as flags, pp.page, pp.table_index, pp.row_index,
                pp.col_index, ml.key as label, pp.key as old
            from previous.cell_places pp
            left join previous.flag_sets ps on ps.key = pp.flags
            left join main.flag_sets ms on ms.flags = ps.flags
            left join previous.printed_labels pl on pl.key = pp.label
            left join main.printed_labels ml on ml.label = pl.label
            where pp.key in (""" + places + ")"
        cols = ", ".join(compact.PLACE_COLUMNS)
        db.execute(f"""insert into main.cell_places ({cols}) select {cols} from ({translated}) t
            where not exists (select 1 from main.cell_places m
                              where {compact.PLACE_MATCH.format(a="m", b="t")})""", [old_key])
        db.execute(f"""insert into main.cells
            select ?, mf.key, c.value, c.raw, mp.key, c.ocr_confidence
            from previous.cells c
            join previous.field_keys pf on pf.key = c.field_key
            join main.field_keys mf on mf.field_id = pf.field_id
            left join ({translated}) t on t.old = c.place
            left join main.cell_places mp on {compact.PLACE_MATCH.format(a="mp", b="t")}
            where c.report_key = ?""", [key, old_key, old_key])
        db.execute("""insert or ignore into main.check_rules (rule_id, kind, severity, fields)
            select rule_id, kind, severity, fields from previous.check_rules
            where kind != 'cross' and key in (select rule_key from previous.check_results
                                              where report_key = ?)""", [old_key])
        db.execute("""insert into main.check_results
            select ?, mk.key, c.ok, c.expected, c.actual, null
            from previous.check_results c
            join previous.check_rules pk on pk.key = c.rule_key and pk.kind != 'cross'
            join main.check_rules mk on mk.rule_id = pk.rule_id and mk.kind is pk.kind
                and mk.severity is pk.severity and mk.fields is pk.fields
            where c.report_key = ?""", [key, old_key])
        if self.has("report_sketches"):
            db.execute("insert or replace into main.report_sketches select ?, part, size, hash, "
                       "minhash from previous.report_sketches where report_key = ?", [key, old_key])
        self._texts(rid, old_key, key, year, held)
        compact.interner(db).reset()  # keys were written behind its back

    def _texts(self, rid: str, old_key: int, key: int, year, held: str = "reports") -> None:
        db = self.db
        if self.has("report_sections"):  # a file from before migration 0020: texts twice
            rows = db.execute(f"select 'title', title from previous.{held} where id = ? and title "
                              "is not null union all select section, text from "
                              "previous.report_sections where report_id = ?", [rid, rid]).fetchall()
            bodies = [(part, text, None) for part, text in rows if text]
        else:
            lo, hi = search.text_id_range(year, old_key)
            stored = "document_texts" if held == "documents" else "search_index"
            bodies = [(search.PARTS[i & 7], None, body) for i, body in db.execute(
                f"select id, body from previous.{stored} where id between ? and ?", [lo, hi])]
        mine = texts.codec_of(db)
        agency, province = db.execute("select agency, province from main.reports where id = ?",
                                      [rid]).fetchone()
        rows, index = [], []
        for part, text, body in bodies:
            if body is not None and not self.same_texts:
                text, body = self.codec.unpack(body), None
            if body is None:
                body = mine.pack(text)
            i = search.text_id(year, key, part)
            rows.append((i, rid, agency, province, body))
            index.append((i, text if text is not None else mine.unpack(body)))
        db.conn.executemany("insert into search_index (id, report_id, agency, province, body) "
                            "values (?, ?, ?, ?, ?)", rows)
        if search.search_is_current(db):
            search.index_texts(db, index)
