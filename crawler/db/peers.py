"""Peers of a report — the parsed reports of its province, level and year, with their new
applications — derived by every build for the report page (crawler.web.report_page.data.peers).

The page ranks a report among its peers. Read live, that is one cell looked up per peer: ~4,000
reports for a township of a large province, each a separate cold page of the 259M-cell table at
national scale — most of the report page's 308 / 620 ms p50 / p95 (docs/benchmarks.md). Here
every build writes the peers of each group once, one row per agency (its first report of the
group by agency name, then id, as the page picks it), in the group's order, so the page reads
one short range.

``peer_groups``: (province, year, level, aggregate) — aggregate reports (scope ``aggregate``)
are compared with aggregates only. ``report_peers``: a group's agencies with the report that
stands for each, its new applications (``t3.new.total``, NULL when printed blank) and its
agency's name (the page's tie-break and its labels).

Nothing here is Scrapy.
"""
from __future__ import annotations

NEW = "t3.new.total"

TABLES = """
CREATE TABLE peer_groups (
    key INTEGER PRIMARY KEY,
    province TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    aggregate INTEGER NOT NULL,     -- 1: reports of scope 'aggregate'
    UNIQUE (province, year, level, aggregate)
);
CREATE TABLE report_peers (
    grp INTEGER NOT NULL,           -- peer_groups.key
    agency_id TEXT NOT NULL,        -- the agency (one row each; '' for reports of none)
    report_key INTEGER NOT NULL,    -- reports.key of the report standing for it
    agency TEXT,                    -- reports.agency of that report
    value NUMERIC,                  -- its t3.new.total (NULL: printed blank)
    PRIMARY KEY (grp, agency_id, report_key)
) WITHOUT ROWID;
"""

# The peers of the report page, as the page read them live: parsed reports of one province,
# year and level with a t3.new.total cell, aggregates with aggregates; the first per agency by
# agency name, then id
_MEMBERS = """
select g.key as grp, coalesce(r.agency_id, '') as agency_id, r.key as report_key, r.agency, c.value,
       row_number() over (partition by g.key, r.agency_id order by r.agency, r.id) as n
from reports r
join peer_groups g on g.province = r.province and g.year = r.year and g.level = r.level
     and g.aggregate = (coalesce(r.scope, '') = 'aggregate')
join cells c on c.report_key = r.key and c.field_key = (select key from field_keys where field_id = ?)
where r.parse_status = 'parsed'"""


def refresh(db) -> int:
    """Rewrite peer_groups and report_peers from the reports as they now are; returns the rows."""
    db.execute("delete from report_peers")
    db.execute("delete from peer_groups")
    db.execute("insert into peer_groups (province, year, level, aggregate) "
               "select distinct province, year, level, coalesce(scope, '') = 'aggregate' "
               "from reports where parse_status = 'parsed' and province is not null and "
               "year is not null and level is not null order by 1, 2, 3, 4")
    return db.execute(f"insert into report_peers (grp, agency_id, report_key, agency, value) "
                      f"select grp, agency_id, report_key, agency, value from ({_MEMBERS}) "
                      f"where n = 1 order by 1, 2, 3", [NEW]).rowcount
