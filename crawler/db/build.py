"""Build archive.db from the WARC archive: the contract the crawler calls after a crawl.

    build(archive_dir, db_path, full=False) -> summary dict

Everything in archive.db is derived from the archived captures (never the live site): the
captures table mirrors the WARC records, every role=report capture is parsed with the
current parser, and cross-report checks, the search index, the data dictionary and the
archive facts are recomputed. Building twice gives identical contents. One document that
cannot be parsed is recorded in parse_errors with its reason and never stops the build nor
touches what other documents (or earlier builds) loaded.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlite_utils

from parsers import checks, formats, guard
from parsers.document import UnreadableDocument

from . import (carry, compact, counts, documents, facet_counts, flags, load, peers, page_images, publish,
               regions, schema, search, texts)

log = logging.getLogger(__name__)


def _default_parse() -> tuple[Callable[..., dict], str | None]:
    from parsers import parse as parse_module

    return parse_module.parse_bytes, getattr(parse_module, "PARSER_VERSION", None)


def open_db(db_path: Path | str) -> sqlite_utils.Database:
    db = sqlite_utils.Database(str(db_path))
    # A 256 MB page cache (default 2 MB): at national scale the values indexes outgrow the
    # default and every insert turns into random reads (bench/, docs/benchmarks.md).
    db.execute("pragma cache_size = -262144")
    # search_index.text and report_sections.text read ogi_text(body); again after migrating
    # (migration 0020 writes the dictionary it reads)
    texts.register(db.conn)
    schema.migrate(db)
    texts.attach(db)
    return db


# A build that re-parses at least this share of the archive's reports (every --full build,
# a new parser version) re-indexes the search index once after loading instead of the loader
# updating it text by text (crawler.db.search.drop_search).
REINDEX_SHARE = 0.25


def build(archive_dir: Path, db_path: Path, *, full: bool = False,
          captures: Iterable[Any] | None = None, runs: Iterable[dict] | None = None,
          parse: Callable[..., dict] | None = None, parser_version: str | None = None,
          jobs: int = 1, max_memory: int = guard.MAX_MEMORY,
          max_seconds: float = guard.MAX_SECONDS,
          progress: Callable[[int, int], None] | None = None, ocr: Any = None) -> dict:
    """Parse every role=report capture of `archive_dir` into `db_path` and refresh derived data.

    `full` re-parses every document even when the same bytes were already parsed by the same
    parser version. `captures`, `runs` and `parse` replace crawler.archive and
    parsers.parse (tests, other archives); by default they are read from `archive_dir`.
    Each document is parsed in a guarded worker process (parsers.guard: `max_memory` bytes of
    address space, `max_seconds` per document). The build works on a private file beside
    `db_path` and replaces it atomically at the end (crawler.db.publish); a second build of the
    same file raises publish.BuildLocked.
    `progress(done, total)` is called before the first document and after each one parsed.
    A `full` build starts from an empty file (no copy of the old one: crawler.db.publish), an
    incremental one from a copy.
    `ocr` (parsers.readers.ocr.OcrOptions) sets how scanned reports are read; the images of a
    图片版 page are given to the page's parse (crawler.db.page_images), never parsed alone.
    """
    # a full build re-derives everything: it starts from an empty file, not a copy of the old
    # (whose layout must be today's, for what is carried over from it: else it is copied and
    # migrated, as an incremental build's)
    path = Path(db_path).absolute()
    fresh = full and (not path.exists() or schema.is_current(path))
    try:
        with publish.atomic_build(path, fresh=fresh) as work:
            return _build(Path(archive_dir), work, full=full, captures=captures, runs=runs,
                          parse=parse, parser_version=parser_version, jobs=jobs,
                          max_memory=max_memory, max_seconds=max_seconds, progress=progress,
                          ocr=ocr, previous=path if fresh else None)
    except (sqlite3.Error, OSError) as exc:
        if not publish.is_disk_full(exc):
            raise
        name = Path(db_path).name
        raise publish.DiskFull(
            f"the disk holding {name} is full ({str(exc).strip().splitlines()[0]}): the build "
            f"stopped and published nothing; {name} is unchanged. Free space and build "
            f"again") from None


def _build(archive_dir: Path, db_path: Path, *, full, captures, runs, parse, parser_version,
           jobs, max_memory, max_seconds, progress=None, ocr=None, previous=None) -> dict:
    damage: list = []
    if captures is None or runs is None:
        from crawler import archive as archive_module

        if captures is None:
            captures = archive_module.iter_captures(archive_dir, damage)
        if runs is None:
            runs = archive_module.iter_runs(archive_dir)
    if parse is None:
        parse, default_version = _default_parse()
        parser_version = parser_version or default_version

    db = open_db(db_path)
    # a fresh file: what no build derives comes from the archive it replaces
    prev = carry.Previous(db, previous) if previous is not None and Path(previous).exists() else None
    if prev is not None:
        prev.tables()
    summary = {"captures": 0, "reports": 0, "parsed": 0, "skipped": 0, "failed": 0,
               "not_reports": 0, "values": 0, "resource_limited": 0}
    all_caps = list(captures)
    summary["captures"] = len(all_caps)
    summary["damaged"] = [d.as_dict() for d in damage]
    with db.atomic():
        for cap in all_caps:
            load.upsert_capture(db, cap)
        load_runs(db, runs, all_caps)
        load_fields(db)

    todo = []
    report_caps, page_imgs = page_images.split_pages(current_report_captures(all_caps))
    # the page images of 图片版 pages are read with their page: no report of their own
    summary["page_images"] = len({id(cap) for imgs in page_imgs.values() for cap in imgs.values()})
    summary["not_reports"] += summary["page_images"]
    # every payload an address has held is a version of its report (latest first: an earlier
    # payload that reads as the latest one is then stored once, crawler.db.load.content_digest)
    versions = [(cap, None) for cap in report_caps] + [
        (cap, load.capture_dict(cap).get("sha256")) for cap in earlier_versions(all_caps, report_caps)]
    for cap, version in versions:
        c = load.capture_dict(cap)
        sha = c.get("sha256")
        if not full and parser_version and _already_done(db, sha, parser_version,
                                                         c.get("final_url") or c.get("url"), version):
            summary["skipped"] += 1
            continue
        todo.append((cap, c, version))

    if len(todo) >= REINDEX_SHARE * db.execute("select count(*) from reports").fetchone()[0]:
        with db.atomic():  # reloading much of the archive: one re-index after it is cheaper
            search.drop_search(db)
    if progress:
        progress(0, len(todo))
    version_of = {id(cap): version for cap, _, version in todo}
    done_count = 0
    for done, (cap, c, outcome) in enumerate(
            _parse_all([(cap, c) for cap, c, _ in todo], parse, jobs, max_memory, max_seconds,
                       page_imgs, ocr), 1):
        done_count = done
        if progress:
            progress(done, len(todo))
        sha = c.get("sha256")
        version = version_of.get(id(cap))
        try:
            if isinstance(outcome, BaseException):
                raise outcome
            result = outcome
            if result.get("parser_version") is None:
                result["parser_version"] = parser_version
        except Exception as exc:  # UnreadableDocument, or a parser bug: record, never abort
            if publish.is_disk_full(exc):
                raise
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            retryable = bool(getattr(exc, "retryable", False))
            if not isinstance(exc, (UnreadableDocument, guard.ResourceLimit)):
                reason = f"{type(exc).__name__}: {reason}"
                log.error("parser failed on %s: %s", c.get("url"), reason, exc_info=exc)
            with db.atomic():
                load.record_error(db, sha, c, reason, parser_version, load.capture_id(c),
                                  retryable=retryable)
                if prev is not None:  # what was loaded before stays
                    prev.reports_at(c.get("final_url") or c.get("url"))
                if version is None:  # an earlier payload that fails changes nothing current
                    _mark_failed(db, c, reason)
                    load.record_failed_report(db, c, reason, parser_version)
            summary["failed"] += 1
            summary["resource_limited"] += retryable
            continue
        try:
            rid = load.load_parsed(db, result, cap, version=version)
        except Exception as exc:  # a load error rolls back this document only
            if publish.is_disk_full(exc):
                raise  # not this document's fault: the whole build stops, unpublished
            log.exception("loading %s failed", c.get("url"))
            with db.atomic():
                load.record_error(db, sha, c, f"load failed: {type(exc).__name__}: {exc}",
                                  parser_version, load.capture_id(c))
                if prev is not None:
                    prev.reports_at(c.get("final_url") or c.get("url"))
            summary["failed"] += 1
            continue
        if rid is None:
            if prev is not None:  # no longer read as a report: the report read before stays
                with db.atomic():
                    prev.reports_at(c.get("final_url") or c.get("url"))
            summary["not_reports"] += 1
        else:
            summary["parsed"] += 1
            if result.get("ocr"):
                summary["ocr"] = summary.get("ocr", 0) + 1

    if prev is not None:
        prev.close()
    if done_count != len(todo):  # never publish an archive short of a document, unsaid
        raise RuntimeError(f"the build handled {done_count} of the {len(todo)} captures it "
                           f"meant to load: nothing was published")
    refresh_derived(db, parser_version)
    summary["reports"] = db["reports"].count
    summary["documents"] = summary["reports"] + db["documents"].count
    summary["values"] = db.execute('select count(*) from cells where value is not null').fetchone()[0]
    summary["parse_errors"] = db["parse_errors"].count
    db.close()
    return summary


def _parse_all(todo: list, parse: Callable[..., dict], jobs: int, max_memory: int,
               max_seconds: float, page_imgs: dict | None = None, ocr: Any = None) -> Iterable[tuple]:
    """(capture, capture dict, parse result or the exception) in the order of `todo`.

    Documents are parsed in guarded worker processes (parsers.guard; `jobs` of them, a
    bounded window of documents ahead); loading stays in this process, in order. A parse
    function that cannot be sent to a worker (a test's local function) runs here, unguarded.
    """
    def extra_for(c) -> dict:
        extra = {}
        imgs = (page_imgs or {}).get(c.get("final_url")) or (page_imgs or {}).get(c.get("url"))
        if imgs:
            # positions, not bytes: the worker reads each image itself (under its limits)
            extra["images"] = page_images.ArchivedImages(imgs)
        if ocr is not None:
            extra["ocr"] = ocr
        return extra

    def item(i, cap, c):
        try:
            return (i, cap.payload(), c.get("final_url") or c.get("url") or c.get("sha256"),
                    c.get("content_type"), extra_for(c))
        except Exception as exc:  # a damaged record, a missing WARC file: that document only
            return (i, exc)

    import pickle

    try:
        pickle.dumps(parse)
    except Exception:  # noqa: BLE001 - parse here
        for i, (cap, c) in enumerate(todo):
            it = item(i, cap, c)
            if len(it) == 2:
                yield cap, c, it[1]
                continue
            try:
                yield cap, c, parse(it[1], name=it[2], content_type=it[3], **it[4])
            except Exception as exc:  # noqa: BLE001 - recorded by the caller
                yield cap, c, exc
        return
    parser = guard.GuardedParser(parse, jobs=jobs, max_memory=max_memory,
                                 max_seconds=max_seconds)
    items = (item(i, cap, c) for i, (cap, c) in enumerate(todo))
    for i, outcome in parser.map(items):
        cap, c = todo[i]
        yield cap, c, outcome


def _already_done(db, sha: str, parser_version: str, url: str | None = None,
                  version: str | None = None) -> bool:
    """Whether this payload was loaded by this parser version, as what it is now: the latest
    payload of its address (a plain id) or an earlier one (an id ending in @<sha256[:12]>)."""
    suffix = "@" + (version or "")[:12]
    for table in ("reports", "documents"):
        for (rid,) in db.execute(f"select id from {table} where capture_sha256 = ? and "
                                 "parser_version = ? and parse_status != 'failed' "
                                 "and (? is null or url = ?)", [sha, parser_version, url, url]):
            if (rid.endswith(suffix) if version else "@" not in rid.rsplit("/", 1)[-1]):
                return True
    # a failure on a resource limit (memory, time, decompression bomb) is tried again
    return bool(db.execute("select 1 from parse_errors where capture_sha256 = ? and "
                           "parser_version = ? and retryable = 0",
                           [sha, parser_version]).fetchone())


def _mark_failed(db, cap: dict, reason: str) -> None:
    """A document that was parsed before keeps its values; its report row says it now fails."""
    url = cap.get("final_url") or cap.get("url")
    note = f"latest capture {(cap.get('sha256') or '')[:12]} could not be parsed: {reason}"
    for table in ("reports", "documents"):  # wherever the address's document now stands
        db.execute(f"update {table} set warnings = json_insert(coalesce(warnings, '[]'), '$[#]', ?) "
                   "where url = ? and capture_sha256 != ? and instr(coalesce(warnings, ''), ?) = 0",
                   [note, url, cap.get("sha256"), json.dumps(note, ensure_ascii=False)[1:-1]])


def current_report_captures(captures: Iterable[Any]) -> list[Any]:
    """The capture to parse for each report address: its latest successful fetch.

    A revisit record (same bytes as an earlier fetch) is replaced by the record holding the
    payload. An address whose latest fetch failed (404, 5xx) keeps its last good capture: a
    document deleted upstream stays in the archive.
    """
    by_url: dict[str, list[Any]] = defaultdict(list)
    for cap in captures:
        c = load.capture_dict(cap)
        if c.get("role") != "report":
            continue
        if c.get("status") not in (None, 200):
            continue
        by_url[c.get("final_url") or c.get("url")].append(cap)
    out = []
    for url in sorted(by_url):
        caps = sorted(by_url[url], key=lambda x: (load.capture_dict(x).get("fetched_at") or ""))
        latest = load.capture_dict(caps[-1])
        holders = [x for x in caps if load.capture_dict(x).get("sha256") == latest["sha256"]
                   and not load.capture_dict(x).get("revisit")]
        out.append(holders[-1] if holders else caps[-1])
    return out


def earlier_versions(captures: Iterable[Any], current: Iterable[Any]) -> list[Any]:
    """The earlier payloads of each current report address: for every payload (sha256) an
    address held before its current one, the last record holding it (never a revisit, never a
    failed fetch), oldest first. Raw captures are never deleted, so a replaced report keeps
    every version it was captured in."""
    now = {}
    for cap in current:
        c = load.capture_dict(cap)
        now[c.get("final_url") or c.get("url")] = c.get("sha256")
    held: dict[str, dict[str, Any]] = defaultdict(dict)
    for cap in sorted(captures, key=lambda x: load.capture_dict(x).get("fetched_at") or ""):
        c = load.capture_dict(cap)
        url = c.get("final_url") or c.get("url")
        if (c.get("role") != "report" or c.get("status") not in (None, 200) or c.get("revisit")
                or url not in now or c.get("sha256") in (None, now[url])):
            continue
        held[url][c["sha256"]] = cap
    return [cap for url in sorted(held) for cap in held[url].values()]


EXIT_STATES = {0: "ok", 1: "nothing_found", 2: "config_error", 3: "blocked", 4: "none_archived"}


def load_runs(db, runs: Iterable[dict] | None, captures: Iterable[Any] = ()) -> None:
    """crawl_runs, and portal_crawls: what each spider of a run found, with its agency (from the
    run's captures of that portal, else the shipped registry), so coverage can tell a blocked
    portal from a missing report. An agency crawled without any report found gets its row."""
    portal_agency: dict[str, tuple[str, str | None]] = {}
    for cap in captures:
        c = load.capture_dict(cap)
        if c.get("portal") and c.get("agency") and c["portal"] not in portal_agency:
            portal_agency[c["portal"]] = (c["agency"], c.get("region_code"))
    db.execute("delete from portal_crawls")
    for run in runs or []:
        run = dict(run)
        run_id = run.get("run_id") or run.get("id")
        if not run_id:
            continue
        exit_code = run.get("exit_code")
        db["crawl_runs"].upsert({
            "run_id": run_id,
            "started": _s(run.get("started") or run.get("started_at") or run.get("start_time")),
            "finished": _s(run.get("finished") or run.get("finished_at") or run.get("finish_time")),
            "spider": run.get("spider") or ",".join(run.get("spiders") or []) or None,
            "status": run.get("status") or run.get("finish_reason") or EXIT_STATES.get(exit_code),
            "exit_code": exit_code,
            "summary": json.dumps(run, ensure_ascii=False, sort_keys=True, default=str),
        }, pk="run_id")
        parts = run.get("per_spider") or []
        paused = bool(run.get("paused"))
        for seq, part in enumerate(parts):
            counts = part.get("counts") or {}
            found, blocked = counts.get("reports_found", 0), counts.get("blocked", 0)
            if found and blocked:
                state = "partly_blocked"
            elif found:
                state = "ok"
            elif blocked or (paused and len(parts) == 1):
                state = "blocked"
            elif part.get("finish_reason") not in (None, "finished"):
                state = "interrupted"
            else:
                state = "nothing_found"
            agency_id = None
            if portal := part.get("portal"):
                name, region = portal_agency.get(portal, (None, None))
                if name is None and (entry := regions.registry_entry(portal)) is not None:
                    name, region = entry.agency, entry.region_code or None
                if name:
                    agency_id = load.upsert_agency(db, name, region, {"portal": portal})["id"]
            db["portal_crawls"].insert({
                "run_id": run_id, "seq": seq, "spider": part.get("spider"), "portal": portal,
                "agency_id": agency_id,
                "start_urls": json.dumps(part.get("start_urls") or [], ensure_ascii=False),
                "finished": _s(run.get("finished")), "finish_reason": part.get("finish_reason"),
                **{k: counts.get(k, 0) for k in ("reports_found", "new", "changed", "unchanged",
                                                 "failed", "blocked")},
                "state": state,
                **list_completeness(part.get("columns")),
            })


def list_completeness(columns) -> dict:
    """portal_crawls' list columns from a spider's column summaries; all NULL for a
    run recorded before columns were counted."""
    if columns is None:
        return {}
    counted = [c for c in columns if c.get("expected") is not None]
    short = [c for c in counted if c.get("shortfall")]
    return {
        "list_columns": len(columns),
        "list_expected": sum(c["expected"] for c in counted) if counted else None,
        "list_found": sum(c.get("found") or 0 for c in columns),
        "list_shortfall": sum(c["shortfall"] for c in short) if counted else None,
        "incomplete_lists": json.dumps([{k: c.get(k) for k in (
            "column", "expected", "expected_basis", "found", "found_static", "found_api",
            "found_browser", "shortfall", "browser")} for c in short], ensure_ascii=False),
    }


def _s(v):
    return v if v is None or isinstance(v, str) else getattr(v, "isoformat", lambda: str(v))()


def load_fields(db) -> None:
    """The data dictionary as a table: every field id of every format version."""
    versions: dict[str, list[str]] = defaultdict(list)
    for v in formats.VERSIONS:
        for f in formats.get(v).fields:
            versions[f.id].append(v)
    db.execute("delete from fields")
    db["fields"].insert_all([{
        "id": f.id, "table_key": f.table, "table": f.table_name, "row_key": f.row_key,
        "column_key": f.column_key, "row_label": f.row_label, "column_label": f.column_label,
        "unit": f.unit, "en": f.en, "decimal": int(f.decimal), "signed": int(f.signed),
        "versions": ",".join(versions[f.id]),
    } for f in formats.all_fields().values()])


# ---------------------------------------------------------------- cross-report checks

def cross_checks(db) -> int:
    """Checks across one agency's consecutive years (formats.check_specs() with cross: true).

    Recomputed from the values table on every build, as warnings: a carried-over count that
    does not match last year's carried-forward is a fact about the two reports, not an error
    in either.
    """
    db.execute("delete from check_results where rule_key in "
               "(select key from check_rules where kind = 'cross')")
    reports = db.execute(
        "select key, id, agency_id, year, format, scope from reports "
        "where parse_status in ('parsed', 'parsed_ocr') and year is not null order by agency_id, year, id").fetchall()
    by_agency_year: dict[tuple, list] = defaultdict(list)
    for r in reports:
        by_agency_year[(r[2], r[3])].append(r)
    # Only the fields the rules name (about 20 of 200): memory stays bounded at national scale.
    keys = schema.field_keys(db)
    needed = {keys[f]: f for f in sorted(checks.cross_fields()) if f in keys}
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    marks = ",".join("?" for _ in needed)
    for rkey, fkey, val in db.execute(
            f"select report_key, field_key, value from cells where field_key in ({marks})",
            list(needed)):
        values[rkey][needed[fkey]] = val
    interner = compact.interner(db)
    rows = []
    for rkey, rid, agency_id, year, fmt, scope in reports:
        prevs = by_agency_year.get((agency_id, year - 1))
        if not prevs or fmt not in formats.VERSIONS:
            continue
        prev_key = sorted(prevs, key=lambda p: (p[5] != scope, p[1]))[0][0]
        for r in checks.evaluate_cross(fmt, values.get(rkey, {}), values.get(prev_key, {})):
            this_year = [f for f in r["fields"] if not f.startswith("prev:")]
            last_year = [f"{compact.PREV}:{f[len('prev:'):]}" for f in r["fields"] if f.startswith("prev:")]
            ok = None if r["ok"] is None else int(r["ok"])
            rule = interner.rule(r["id"], "cross", r["severity"],
                                 json.dumps(this_year + last_year, ensure_ascii=False))
            rows.append((rkey, rule, ok, r["expected"] if ok is not None else None,
                         r["actual"] if ok is not None else None, prev_key))
    compact.insert_check_results(db.conn, rows)
    return len(rows)


# province_year_totals: what each column sums (the parsed reports that are not aggregate),
# as patterns over the format's field ids.
TOTALS = {
    "concluded": ["t3.result.total.total"],
    "withheld": ["t3.result.withheld.*.total"],
    "unavailable": ["t3.result.unavailable.*.total"],
    "review_total": ["t4.review.total"],
    "review_corrected": ["t4.review.corrected"],
    "suit_total": ["t4.suit_direct.total", "t4.suit_after_review.total"],
    "suit_corrected": ["t4.suit_direct.corrected", "t4.suit_after_review.corrected"],
}


def _totals_fields() -> dict[str, list[str]]:
    """Each totals column -> the field ids (of every format version) it sums."""
    import fnmatch

    ids = formats.all_fields()
    return {col: sorted(f for f in ids if any(fnmatch.fnmatchcase(f, p) for p in pats))
            for col, pats in TOTALS.items()}


def refresh_totals(db) -> None:
    """Recompute province_year_totals from reports and cells (derived: rebuilt every build)."""
    fields = _totals_fields()
    keys = schema.field_keys(db)
    sums = []
    for ids in fields.values():
        sums.append(f"sum(case when c.field_key in ({', '.join(str(keys[i]) for i in ids)}) "
                    "then c.value end)")
    every = sorted({keys[f] for ids in fields.values() for f in ids})
    sum_sql = ",\n        ".join(sums)
    db.execute("delete from province_year_totals")
    db.execute(f"""insert into province_year_totals
    (province, year, reports, {", ".join(fields)})
    select r.province, r.year, count(distinct r.id),
        {sum_sql}
    from reports r join cells c on c.report_key = r.key
        and c.field_key in ({", ".join(str(k) for k in every)})
    where r.parse_status in ('parsed', 'parsed_ocr') and coalesce(r.scope, '') != 'aggregate'
    group by r.province, r.year
    order by r.province, r.year""")


def refresh_report_check_status(db) -> None:
    """reports.check_status and checks_failed from the report's own and cross checks (one pass
    over check_results in report order; a row is written only where it changes)."""
    results = db.execute("""select c.report_key, c.ok, k.severity from check_results c
        join check_rules k on k.key = c.rule_key and k.kind != 'text'
        order by c.report_key""")
    pending = next(results, None)
    updates = []
    for key, status, failed in db.execute(
            "select key, check_status, checks_failed from reports order by key").fetchall():
        while pending is not None and pending[0] < key:  # results of a report no longer there
            pending = next(results, None)
        cs = []
        while pending is not None and pending[0] == key:
            cs.append({"ok": None if pending[1] is None else bool(pending[1]), "severity": pending[2]})
            pending = next(results, None)
        new = load.check_status(cs)
        if new != (status, failed):
            updates.append((*new, key))
    db.conn.executemany("update reports set check_status = ?, checks_failed = ? where key = ?",
                        updates)


def write_archive_info(db, parser_version: str | None) -> None:
    """Facts about the snapshot, all derived from the data so that rebuilding changes nothing."""
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    info = {
        "snapshot_date": (one("select max(fetched_at) from captures") or "")[:10] or None,
        "first_capture": one("select min(fetched_at) from captures"),
        "last_capture": one("select max(fetched_at) from captures"),
        "captures": one("select count(*) from captures"),
        "reports": one("select count(*) from reports"),
        "documents": one("select (select count(*) from reports) + (select count(*) from documents)"),
        "agencies": one("select count(*) from agencies"),
        "years": one("select group_concat(year) from (select distinct year from reports order by year)"),
        "parser_version": parser_version or one("select max(parser_version) from reports"),
        "format_versions": ",".join(formats.VERSIONS),
        # kept, not derived: the segmenter the search index was built with (search.refresh_search)
        search.SEARCH_VERSION_KEY: (db.execute("select value from archive_info where key = ?",
                                             [search.SEARCH_VERSION_KEY]).fetchone() or [None])[0],
    }
    db.execute("delete from archive_info")
    db["archive_info"].insert_all([{"key": k, "value": None if v is None else str(v)}
                                   for k, v in info.items()])


def analyze(db) -> None:
    """Planner statistics for checks: without them SQLite reads failing_checks through the
    status index and sorts every failing check instead of walking the partial index
    idx_checks_failing in order (0.7 s -> 0.2 s a page at 1.3M reports). A full scan of checks'
    indexes: a sampled ANALYZE (analysis_limit) saw only the first rows and misjudged them."""
    db.execute("ANALYZE check_results")


def refresh_derived(db, parser_version: str | None) -> None:
    """Everything derived from the loaded reports: each report's canonical document and the
    diffs of its other documents, cross-year checks, check status, province totals, coverage,
    copy and outlier flags, planner statistics, the search index, archive facts, the views and,
    last, the facet counts of every faceted table and view (they count the views and
    every table written above)."""
    with db.atomic():
        documents.refresh(db)
        documents.refresh_diffs(db)
        cross_checks(db)
        refresh_report_check_status(db)
        refresh_totals(db)
        schema.refresh_coverage(db)
        flags.refresh(db)
        peers.refresh(db)
        analyze(db)
        search.refresh_search(db)
        write_archive_info(db, parser_version)
    schema.create_views(db)
    refresh_facet_counts(db)


def refresh_facet_counts(db) -> None:
    """Precomputed facet counts (crawler.db.facet_counts), then the row count of every table
    and view (crawler.db.counts): the last derived steps of a build, the counts in its last
    transaction."""
    with db.atomic():
        known = facet_counts.refresh(db)
    counts.refresh(db, known)


def rebuild_after_load(db) -> None:
    """Derived data after loading documents with load_parsed directly (tests, demos)."""
    with db.atomic():
        load_fields(db)
    refresh_derived(db, None)
