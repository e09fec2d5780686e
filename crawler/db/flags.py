"""Flags a researcher can filter on: copied tables, copied prose, implausible values.

Computed by every build over the reports (their canonical documents) into report_flags, with
the names of the flags of each report in reports.flags (a JSON list). A flag never changes a
value: it points at what to look at.

Copies (crawler.db.sketches makes the sketches when a document is loaded):

* tables_identical — a table (二, 三 or 四) prints exactly the same numbers, field by field, as
  another report's, and enough of them outside its totals are non-zero
  (sketches.TABLE_MIN_NONZERO: 二 6, 三 10, 四 6). Reports are
  bucketed by the table's digest (an index range of report_sketches), never compared pairwise.
* prose_near_duplicate — a section (一 总体情况, 五 问题及改进, 六 其他事项) of at least
  sketches.PROSE_MIN_CHARS letters whose 5-character shingles overlap another report's same
  section with an estimated Jaccard similarity of at least PROSE_MIN_JACCARD (MinHash of
  sketches.MINHASH_K values; candidates from locality-sensitive hashing: LSH_BANDS bands of
  LSH_ROWS values, so a pair at J = 0.8 is a candidate with probability ~0.98, at J = 0.5
  with ~0.4, and at J = 0.3 with ~0.06).

  Within a set of identical tables or near-duplicate sections, the earliest report (year, then
  publication date or else first capture, then capture time, then key) is the presumed source
  and is not flagged; every later one is, naming the source in other_report_id — or, where it
  exists, the same agency's previous year (relation previous_year). relation says whether the
  other report is the same agency's previous year, another year of the same agency, or another
  agency.

Implausible values (OUTLIER_FIELDS: new applications, concluded, review and litigation totals),
among parsed reports that are not aggregate:

* outlier_peers — against the same province, level and year (at least OUTLIER_MIN_GROUP
  reports with the value);
* outlier_history — against the same agency's other years (at least OUTLIER_MIN_HISTORY).

  A value x is flagged when, against the median m of the group, all three hold: the robust
  z-score of log(1 + x), (log(1+x) - median) / max(1.4826 · MAD, OUTLIER_MIN_SCALE), is beyond
  ±OUTLIER_Z; x ≥ OUTLIER_RATIO · max(m, OUTLIER_MIN_BASE) (or x ≤ m / OUTLIER_RATIO with
  m ≥ OUTLIER_MIN_DIFF); and |x − m| ≥ OUTLIER_MIN_DIFF. score is the z-score. (A body that
  received 0, 0 and 25 applications is not flagged: a small count that rises is no misprint.)
"""
from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict

import numpy as np

from . import sketches

PROSE_MIN_JACCARD = 0.8
LSH_BANDS = 8
LSH_ROWS = 4
STAR_LIMIT = 64        # a bucket this large is paired star-and-chain, not all pairs

OUTLIER_FIELDS = ("t3.new.total", "t3.result.total.total", "t4.review.total",
                  "t4.suit_direct.total", "t4.suit_after_review.total")
OUTLIER_Z = 5.0
OUTLIER_RATIO = 10.0
OUTLIER_MIN_BASE = 10   # against a median below this, a value must still reach RATIO × this
OUTLIER_MIN_DIFF = 20
OUTLIER_MIN_SCALE = 0.5
OUTLIER_MIN_GROUP = 10
OUTLIER_MIN_HISTORY = 2

TABLE_NAMES = {"t2": "二", "t3": "三", "t4": "四"}
SECTION_NAMES = {"s1": "一 总体情况", "s5": "五 存在的主要问题及改进情况", "s6": "六 其他需要报告的事项"}


def _reports(conn) -> dict[int, tuple]:
    """key -> (id, agency_id, year, age, province, level, aggregate, parsed) of every report."""
    out = {}
    for key, rid, agency_id, year, published, fetched, province, level, scope, status in conn.execute(
            "select key, id, agency_id, year, published, fetched_at, province, level, scope, "
            "parse_status from reports where key is not null"):
        age = (year or 0, published or (fetched or "")[:10] or "9999", fetched or "", key)
        out[key] = (rid, agency_id, year, age, province, level, (scope or "") == "aggregate",
                    status in ("parsed", "parsed_ocr"))
    return out


def _relation(me: tuple, other: tuple) -> str:
    if me[1] != other[1]:
        return "other_agency"
    return "previous_year" if (me[2] or 0) - 1 == other[2] else "same_agency"


def _source_for(me_key: int, members: list[int], reps: dict) -> int:
    """The report a later member is flagged against: the same agency's previous year when it is
    among the members, else the earliest member."""
    me = reps[me_key]
    for k in members:
        o = reps[k]
        if o[1] == me[1] and o[2] == (me[2] or 0) - 1:
            return k
    return members[0]


def table_flags(conn, reps: dict) -> list[tuple]:
    rows = []
    cur_part = cur_hash = None
    bucket: list[int] = []

    def close():
        members = sorted((k for k in bucket if k in reps), key=lambda k: reps[k][3])
        for k in members[1:]:
            src = _source_for(k, members[:members.index(k)], reps)
            rows.append((k, "tables_identical", cur_part, src, float(len(members)),
                         f"表{TABLE_NAMES[cur_part]}: the same numbers in {len(members)} reports"))

    for part, h, key in conn.execute(
            "select part, hash, report_key from report_sketches where part in ('t2', 't3', 't4') "
            "order by part, hash"):
        if (part, h) != (cur_part, cur_hash):
            if len(bucket) > 1:
                close()
            cur_part, cur_hash, bucket = part, h, []
        bucket.append(key)
    if len(bucket) > 1:
        close()
    return rows


def prose_flags(conn, reps: dict) -> list[tuple]:
    keys, parts, sigs = [], [], []
    for key, part, blob in conn.execute(
            "select report_key, part, minhash from report_sketches "
            "where part in ('s1', 's5', 's6') and minhash is not null"):
        if key in reps:
            keys.append(key)
            parts.append(sketches.PROSE.index(part))
            sigs.append(blob)
    if len(keys) < 2:
        return []
    keys_a = np.array(keys, dtype=np.int64)
    parts_a = np.array(parts, dtype=np.int64)
    sig = np.frombuffer(b"".join(sigs), dtype=np.uint32).reshape(len(keys), sketches.MINHASH_K)
    del sigs
    # age rank of every row: within a bucket, the earliest report sorts first
    order_by_age = sorted(range(len(keys)), key=lambda i: reps[keys[i]][3])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.array(order_by_age, dtype=np.int64)] = np.arange(len(keys))
    n = len(keys)
    mult = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                     0xD6E8FEB86659FD93], dtype=np.uint64)
    kept = []
    for b in range(LSH_BANDS):
        band = sig[:, b * LSH_ROWS:(b + 1) * LSH_ROWS].astype(np.uint64)
        with np.errstate(over="ignore"):
            h = ((band * mult[:LSH_ROWS]).sum(axis=1, dtype=np.uint64)
                 + parts_a.astype(np.uint64) * np.uint64(0x100000001B3))
        # rows sorted by (band hash, age): equal hashes are a bucket, its first row the earliest
        idx = np.lexsort((rank, h))
        hs = h[idx]
        starts = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
        sizes = np.diff(np.r_[starts, n])
        head = idx[starts][np.repeat(np.arange(len(starts)), sizes)]   # each row's bucket head
        prev = np.r_[idx[0], idx[:-1]]                                  # its predecessor
        not_head = np.ones(n, dtype=bool)
        not_head[starts] = False
        later = idx[not_head]
        band_pairs = [later * n + head[not_head], later * n + prev[not_head]]
        for s_ in np.flatnonzero((sizes > 2) & (sizes <= STAR_LIMIT)):  # small buckets: all pairs
            m = idx[starts[s_]:starts[s_] + sizes[s_]]
            ii, jj = np.triu_indices(len(m), 1)
            band_pairs.append(m[jj] * n + m[ii])
        cand = np.unique(np.concatenate(band_pairs))
        i, j = cand // n, cand % n
        ok = (i != j) & (keys_a[i] != keys_a[j]) & (parts_a[i] == parts_a[j])
        cand, i, j = cand[ok], i[ok], j[ok]
        for lo in range(0, len(cand), 200_000):
            e = (sig[i[lo:lo + 200_000]] == sig[j[lo:lo + 200_000]]).mean(axis=1)
            kept.append(cand[lo:lo + 200_000][e >= PROSE_MIN_JACCARD])
    if not kept:
        return []
    cand = np.unique(np.concatenate(kept))
    ci, cj = cand // n, cand % n
    est = (sig[ci] == sig[cj]).mean(axis=1) if len(cand) else np.empty(0)
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for i, j, e in zip(ci.tolist(), cj.tolist(), est.tolist()):
        if rank[i] < rank[j]:
            i, j = j, i          # i: the later report, j: the earlier (presumed source)
        ki, kj = keys[i], keys[j]
        me, other = reps[ki], reps[kj]
        pref = (other[1] == me[1] and other[2] == (me[2] or 0) - 1, e, -rank[j])
        cur = best.get((ki, parts[i]))
        if cur is None or pref > cur[0]:
            best[(ki, parts[i])] = (pref, kj)
    rows = []
    for (ki, p), ((_, e, _), kj) in sorted(best.items()):
        part = sketches.PROSE[p]
        rows.append((ki, "prose_near_duplicate", part, kj, round(e, 3),
                     f"{SECTION_NAMES[part]}: estimated Jaccard {e:.2f} of 5-character shingles"))
    return rows


def _stats(xs: list[float]) -> tuple[float, float, float]:
    """(median, median of log1p, robust scale of log1p) of a group's values."""
    logs = [math.log1p(max(x, 0)) for x in xs]
    med_log = statistics.median(logs)
    mad = statistics.median(abs(v - med_log) for v in logs)
    return statistics.median(xs), med_log, max(1.4826 * mad, OUTLIER_MIN_SCALE)


def _outlier(x: float, m: float, med_log: float, scale: float) -> float | None:
    z = (math.log1p(max(x, 0)) - med_log) / scale
    if abs(x - m) < OUTLIER_MIN_DIFF:
        return None
    if z >= OUTLIER_Z and x >= OUTLIER_RATIO * max(m, OUTLIER_MIN_BASE):
        return z
    if z <= -OUTLIER_Z and m >= OUTLIER_MIN_DIFF and x <= m / OUTLIER_RATIO:
        return z
    return None


def outlier_flags(conn, reps: dict) -> list[tuple]:
    fkeys = dict(conn.execute("select field_id, key from field_keys where field_id in (%s)"
                              % ",".join("?" * len(OUTLIER_FIELDS)), OUTLIER_FIELDS).fetchall())
    if not fkeys:
        return []
    by_key = {v: k for k, v in fkeys.items()}
    values: dict[tuple[int, str], float] = {}
    for rkey, fkey, value in conn.execute(
            "select report_key, field_key, value from cells where field_key in (%s) "
            "and value is not null" % ",".join("?" * len(fkeys)), list(fkeys.values())):
        r = reps.get(rkey)
        if r is not None and r[7] and not r[6]:
            values[(rkey, by_key[fkey])] = float(value)
    peers: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
    history: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
    for (rkey, fid), x in values.items():
        r = reps[rkey]
        peers[(fid, r[4], r[5], r[2])].append((rkey, x))
        history[(fid, r[1])].append((rkey, x))
    rows = []
    for (fid, province, level, year), members in peers.items():
        if len(members) < OUTLIER_MIN_GROUP:
            continue
        m, med_log, scale = _stats([x for _, x in members])
        for rkey, x in members:
            z = _outlier(x, m, med_log, scale)
            if z is not None:
                rows.append((rkey, "outlier_peers", fid, None, round(z, 2),
                             f"{fid} = {x:g} against a median of {m:g} among {len(members)} "
                             f"reports of {province} {level} {year}"))
    for (fid, agency_id), members in history.items():
        if len(members) < OUTLIER_MIN_HISTORY + 1:
            continue
        for rkey, x in members:
            others = [v for k, v in members if k != rkey]
            m, med_log, scale = _stats(others)
            z = _outlier(x, m, med_log, scale)
            if z is not None:
                years = sorted(reps[k][2] for k, _ in members if k != rkey)
                rows.append((rkey, "outlier_history", fid, None, round(z, 2),
                             f"{fid} = {x:g} against a median of {m:g} in the agency's other "
                             f"years ({', '.join(str(y) for y in years)})"))
    return rows


def refresh(db) -> dict:
    """report_flags and reports.flags from the reports as they now are (derived data)."""
    conn = db.conn
    reps = _reports(conn)
    found = table_flags(conn, reps) + prose_flags(conn, reps) + outlier_flags(conn, reps)
    conn.execute("delete from report_flags")
    out = []
    for rkey, flag, part, other, score, detail in found:
        r = reps[rkey]
        o = reps.get(other) if other is not None else None
        out.append((r[0], flag, part, _relation(r, o) if o else None, o[0] if o else None,
                    score, detail, r[1], r[2], r[4]))
    conn.executemany("insert or replace into report_flags values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out)
    names: dict[str, set] = defaultdict(set)
    for row in out:
        names[row[0]].add(row[1])
    want = {rid: json.dumps(sorted(v)) for rid, v in names.items()}
    have = dict(conn.execute("select id, flags from reports where flags is not null").fetchall())
    updates = [(None, rid) for rid in have if rid not in want]
    updates += [(v, rid) for rid, v in want.items() if have.get(rid) != v]
    conn.executemany("update reports set flags = ? where id = ?", updates)
    counts: dict[str, int] = defaultdict(int)
    for row in out:
        counts[row[1]] += 1
    return dict(counts)
