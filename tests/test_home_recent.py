"""The home page's newest reports (crawler.web.home.figures.recent_reports): the reports whose
tables were read, newest year first and the last loaded first within a year, read a few index
rows at a time; the same list as ordering every report at once."""
from __future__ import annotations

import random
import sqlite3

from crawler.web.home import figures as figs

ORDERED_AT_ONCE = ("select id, title, agency, year, province, format, check_status, parse_status "
                   "from reports where year is not null and parse_status in "
                   "('parsed', 'parsed_ocr', 'ocr_review') order by year desc, rowid desc limit ?")


def archive(rows):
    conn = sqlite3.connect(":memory:")
    conn.execute("create table reports (id text primary key, title text, agency text, year integer, "
                 "province text, format text, check_status text, parse_status text)")
    conn.execute("create index idx_reports_parse_status on reports (parse_status, year)")
    conn.executemany("insert into reports values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return conn


def at_once(conn, limit):
    cur = conn.execute(ORDERED_AT_ONCE, [limit])
    return [dict(zip(figs.RECENT_COLUMNS, r)) for r in cur.fetchall()]


def test_the_newest_reports_whatever_their_years_and_statuses():
    rng = random.Random(7)
    statuses = ["parsed", "parsed_ocr", "ocr_review", "no_tables", "unreadable", None]
    for trial in range(30):
        rows = [(f"r{i}", f"t{i}", "a", rng.choice([None, 2019, 2020, 2021, 2023, 2024]), "p", "2021",
                 "pass", rng.choice(statuses)) for i in range(rng.randint(0, 60))]
        conn = archive(rows)
        for limit in (1, 5, 12, 100):
            assert figs.recent_reports(conn, limit) == at_once(conn, limit), (trial, limit)


def test_a_newest_year_of_few_reports_is_followed_by_the_years_before():
    rows = [("old%d" % i, "t", "a", 2020, "p", "2021", "pass", "parsed") for i in range(20)]
    rows += [("new1", "t", "a", 2024, "p", "2021", "pass", "parsed_ocr"),
             ("new2", "t", "a", 2024, "p", "2021", "pass", "no_tables")]
    got = [r["id"] for r in figs.recent_reports(archive(rows), 12)]
    assert got[0] == "new1" and got[1:] == ["old%d" % i for i in range(19, 8, -1)]
