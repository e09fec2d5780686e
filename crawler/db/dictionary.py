"""Datasette metadata (metadata.yml), generated from the format data: one source of truth.

`metadata()` returns the whole metadata dict: title, license, source, how to cite, caveats,
per-table and per-column descriptions in Chinese and English (the data dictionary: every
field of every format version with its row and column label and unit), facets, the canned
research queries and the datasette-dashboards configuration. `write(path)` writes
metadata.yml; tests/test_db_metadata.py fails when the committed file is out of date:

    .venv/bin/python -m crawler.db.dictionary > metadata.yml
"""
from __future__ import annotations

import copy
import functools
import sys
from pathlib import Path

import yaml

from parsers import formats

DB = "archive"
SNAPSHOT_MARK = "SNAPSHOT_DATE"  # replaced by archive_info.snapshot_date when served

TITLE = "政府信息公开工作年度报告档案 · Archive of China's government information disclosure annual reports"
DESCRIPTION_HTML = f"""<p>各级行政机关依《中华人民共和国政府信息公开条例》第四十九、五十条发布的<strong>政府信息公开工作年度报告</strong>：
原始文件（WARC 存档）、按国家格式（国办公开办函〔2021〕30号；〔2019〕60号试行格式）解析出的表格数字、勾稽关系检查和全文检索。</p>
<p>The annual reports on open-government-information work that every Chinese administrative body
publishes under art. 49–50 of the OGI Regulations: the archived original documents (WARC), the
numbers of their standard tables parsed field by field, arithmetic checks, and Chinese full-text
search. Every number links to its report, its capture (URL, time, sha256) and the archived original.
Each report has a <strong>report page</strong> (<code>/-/report/&lt;report id&gt;</code>, the 报告页 links beside every report id):
its tables as printed, each cell's evidence and checks, and the original document beside them.</p>
<p><strong>Snapshot:</strong> {SNAPSHOT_MARK} (date of the newest capture; see <a href="/{DB}/archive_info">archive_info</a>).
<strong>How to cite:</strong> ogi-archive, <em>Archive of 政府信息公开工作年度报告</em>, snapshot {SNAPSHOT_MARK},
table or query URL, accessed &lt;date&gt;. Cite the report itself by its agency, year, URL and sha256
(columns of <a href="/{DB}/reports">reports</a>).</p>
<p><strong>Caveats · 注意：</strong> numbers are recorded <em>as printed</em>; a printed total that breaks a rule
stays as printed and its failed check is listed in <a href="/{DB}/checks">checks</a>, never corrected.
A blank cell, <code>0</code>, <code>/</code> and <code>—</code> are different facts: <code>value</code> is NULL for
blanks, dashes and rows not printed, and <code>raw</code> keeps the printed text (see <code>flags</code>).
The 2019 trial format and the 2021 format differ in table 二 and in （六）其他处理: compare years with the
<code>format</code> column in view. Aggregate reports (scope = aggregate) cover a whole jurisdiction and
overlap the reports of its departments; the canned queries leave them out of sums. Coverage is what the
crawler found: a missing report may be unpublished, unreachable or not yet crawled (see
<a href="/{DB}/coverage">coverage</a>). Scanned (图片版) reports are read by OCR: their values carry the flag
<code>ocr</code> and a confidence, and a scan whose values fail a rule is <code>ocr_review</code>, left out of the sums.</p>
<p>Search 全文检索: <a href="/{DB}/search?q=复议">/{DB}/search?q=复议</a>, the search box of
<a href="/{DB}/search_index">search_index</a>, or <a href="/-/search">search all</a>; two-character words and long phrases both work.
Excel: use <code>ogi export</code> (UTF-8 with BOM) — Datasette's own CSV has no BOM and Excel shows mojibake.</p>"""

LICENSE = "Data: CC BY 4.0 (the compilation, parsed values and checks); the original documents remain public government information of their publishers"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "Government portals' 政府信息公开年报 columns, crawled by ogi-archive (WARC captures)"
SOURCE_URL = "/-/about#built"  # which portals, how they are crawled (crawler.web.home)


def field_description(f: formats.FieldDef) -> str:
    versions = [v for v in formats.VERSIONS if any(x.id == f.id for x in formats.get(v).fields)]
    return (f"表{f.table_name} {formats.TABLE_TITLES[f.table]} · {f.row_label} × {f.column_label}"
            f"（{f.unit}） — {f.en} [{f.unit}]; formats: {', '.join(versions)}")


SQL_OUTCOMES = """
    max(case when v.field_id = 't3.new.total' then v.value end) as new_applications,
    max(case when v.field_id = 't3.carried_over.total' then v.value end) as carried_over,
    max(case when v.field_id = 't3.result.disclosed.total' then v.value end) as disclosed,
    max(case when v.field_id = 't3.result.partial.total' then v.value end) as partly_disclosed,
    sum(case when v.field_id like 't3.result.withheld.%.total' then v.value end) as withheld,
    sum(case when v.field_id like 't3.result.unavailable.%.total' then v.value end) as unavailable,
    sum(case when v.field_id like 't3.result.not_processed.%.total' then v.value end) as not_processed,
    sum(case when v.field_id like 't3.result.other.%.total' then v.value end) as other_handling,
    max(case when v.field_id = 't3.result.total.total' then v.value end) as concluded,
    max(case when v.field_id = 't3.carried_forward.total' then v.value end) as carried_forward"""

CANNED = {
    "agency_by_year": {
        "title": "一个机关历年申请与办理结果 · One agency's applications and outcomes by year",
        "description": "Table 三 totals (总计 column) per report of the agencies whose name contains the text given, one row per report (its canonical document; n_documents says how many documents it was captured in). Sums of sub-rows ignore blank cells; see the values table for raw text.",
        "sql": f"""select r.agency, r.year, r.format, r.scope, {SQL_OUTCOMES},
    r.check_status, r.n_documents, r.id as report_id, r.url
from agencies a  -- the agencies' names searched (a row an agency), then their reports
cross join reports r on r.agency_id = a.id
join "values" v on v.report_id = r.id
where a.name like '%' || :agency || '%' and r.parse_status in ('parsed', 'parsed_ocr')
group by r.id
order by r.agency, r.year, r.id""",
    },
    "withheld_unavailable_shares": {
        "title": "不予公开、无法提供占比（按省、年） · Shares withheld and unavailable by province and year",
        "description": "Σ（三）不予公开 and Σ（四）无法提供 as a percentage of （七）总计 (concluded applications), summed over the parsed reports of each province and year; a report captured as several documents (an HTML page and its attachment, versions) counts once (its canonical document), and aggregate (jurisdiction-wide) reports are left out, so that nothing is counted twice.",
        "sql": """select province, year, reports, concluded, withheld, unavailable,
    round(100.0 * withheld / nullif(concluded, 0), 2) as withheld_pct,
    round(100.0 * unavailable / nullif(concluded, 0), 2) as unavailable_pct
from province_year_totals
order by province, year""",
    },
    "review_litigation_correction_rates": {
        "title": "行政复议、行政诉讼纠错率 · Administrative review and litigation correction rates",
        "description": "结果纠正 as a percentage of 总计 in table 四 per block, by province and year (aggregate reports left out).",
        "sql": """select province, year, reports,
    review_total, review_corrected, round(100.0 * review_corrected / nullif(review_total, 0), 2) as review_corrected_pct,
    suit_total, suit_corrected, round(100.0 * suit_corrected / nullif(suit_total, 0), 2) as suit_corrected_pct
from province_year_totals
order by province, year""",
    },
    "failing_checks": {
        "title": "表格勾稽关系不符的报告 · Reports whose tables fail checks",
        "description": "Every failed arithmetic rule of a report's own tables, with the printed numbers (expected = what the rule requires, actual = as printed); in report order (region code, agency, year). Every row: ogi export --query failing_checks.",
        "sql": """select r.agency, r.year, k.rule_id, k.severity, c.expected, c.actual, k.fields,
    r.id as report_id, r.url, r.capture_sha256
from reports r
cross join check_results c on c.report_key = r.key and c.ok = 0
join check_rules k on k.key = c.rule_key and k.kind = 'report'
order by r.id, k.rule_id""",
    },
    "carry_mismatch": {
        "title": "上年结转与上年结转下年度不符 · Carried-over counts that do not match last year's carried-forward",
        "description": "rule.cross.carry.<column>: this year's 二、上年结转 differs from the same agency's previous report's 四、结转下年度继续办理.",
        "sql": """select r.agency, r.year, k.rule_id, c.actual as carried_over_this_year,
    c.expected as carried_forward_last_year, r.id as report_id, p.id as previous_report_id
from check_rules k
cross join check_results c on c.rule_key = k.key and c.ok = 0
join reports r on r.key = c.report_key
left join reports p on p.key = c.previous_report_key
where k.rule_id like 'rule.cross.carry.%'
order by r.agency, r.year, k.rule_id""",
    },
    "revised_reports": {
        "title": "发布后被修改的报告 · Reports whose numbers differ between their documents",
        "description": "Reports captured as several documents (a payload replaced at its address, a corrected re-publication, an attachment) whose numbers differ from the canonical document's, cell by cell: the document, when it was captured, its role, and each changed cell (that document's number → the canonical number). Only an archive that kept every capture can show a silent revision. Every cell: version_diffs.",
        "sql": """select r.agency, r.year, vd.report_id, vd.document_id, d.role, d.fetched_at,
    d.capture_sha256, count(*) as changed_cells,
    group_concat(vd.field_id || ': ' || coalesce(vd.document_raw, '∅') || ' → '
                 || coalesce(vd.canonical_raw, '∅'), '; ') as changes
from version_diffs vd
join reports r on r.id = vd.report_id
join documents d on d.id = vd.document_id
group by vd.report_id, vd.document_id
order by vd.report_id, d.fetched_at""",
    },
    "copied_reports": {
        "title": "表格或正文与其他报告雷同 · Reports whose tables or prose repeat another report",
        "description": "Reports whose table 二, 三 or 四 prints exactly the numbers of another report (at least 6 non-zero numbers outside the totals in 二 and 四, 10 in 三), or whose section 一, 五 or 六 is a near-duplicate of another report's (estimated Jaccard ≥ 0.8 of 5-character shingles): the presumed source (the earliest) is not listed, each later report is, with the report it repeats and whether that is the same agency's previous year; in report order (region code, agency, year). Filter report_flags for more.",
        "sql": """select r.agency, r.year, f.flag, f.part, f.relation, f.other_report_id, f.score, f.detail,
    r.id as report_id
from report_flags f join reports r on r.id = f.report_id
where +f.flag in ('tables_identical', 'prose_near_duplicate')
order by f.report_id, f.flag, f.part""",
    },
    "implausible_values": {
        "title": "异常数值 · Values far outside the agency's history or its peers",
        "description": "Key numbers (new applications, concluded, review and litigation totals) far outside the same agency's other years or the reports of the same province, level and year: at least 10× the group's median and at least 100 (or at most 1/10 of the median), at least 20 apart, and a robust z-score of log(1 + x) beyond ±5. Flagged, never changed: a real surge and a misprint look alike.",
        "sql": """select r.agency, r.year, f.flag, f.part as field_id, f.score as robust_z, f.detail,
    r.id as report_id, r.url
from report_flags f join reports r on r.id = f.report_id
where +f.flag in ('outlier_peers', 'outlier_history')
order by f.report_id, f.flag, f.part""",
    },
    "missing_reports": {
        "title": "缺少年度报告的机关 · Agencies missing a report for a year",
        "description": "Agency × year cells of the coverage table (rebuilt by every build) with no report found, between the first and last year in the archive. crawl_state is what the latest crawl of the agency's portal met (blocked, nothing_found, ok …; empty when no recorded crawl names it): a blocked portal's gap is not evidence that no report was published.",
        "sql": """select agency_id, agency, province, city, county, level, year, crawl_state, last_crawled
from coverage where status = 'missing'
order by province, agency_id, year""",
    },
    "search": {
        "title": "全文检索 · Full-text search (titles and section text)",
        "description": "Finds two-character words (复议, 诉讼) and long phrases (政府信息公开): the text is indexed as character bigrams and each phrase is then checked in the text (crawler/db/search.py). Several words separated by spaces must all occur. Up to 500 matches, the newest years first (of a year with more, 500 of its latest reports; the index is read for the latest 2,000 texts holding every bigram); the search box of search_index gives every match.",
        "sql": """select * from (
    select report_id, agency, year, part, heading,
        case when instr(text, :q) > 0
            then '…' || substr(text, max(1, instr(text, :q) - 30), 60 + length(:q)) || '…'
            else substr(text, 1, 90) end as excerpt
    from (select s.report_id, s.agency, s.year, s.part, s.heading, s.text
          from (select rowid as id from search_index_fts
                where search_index_fts match cjk_fts_query(:q) order by rowid desc limit 2000) f
          cross join search_index s on s.id = f.id
          limit 2000)
    where cjk_contains(text, :q)
    limit 500)
order by year desc, report_id, part""",
    },
}

BIG_VIEW_NOTE = (
    "行数与分面 · Its row count, whole or filtered by table, year, province, unit, field_id (values) "
    "or status, severity, kind, year, province, rule_id (checks), comes from the counts of the build "
    "(crawler/db/facet_counts.py); no facets are shown by default (summing them took ~20 ms each at "
    "national size), ?_facet=year and the like give them from the same counts.")
CANONICAL_RULE_TEXT = ("the canonical document is the one with the most complete text layer (read "
                       "from a text layer, then by OCR, then not read), then the most numbers read, "
                       "then the most text, then the latest capture")
FLAGS_TEXT = ("tables_identical: a table (二, 三, 四) prints exactly the numbers of another report's, "
              "with at least 6 (二, 四) or 10 (三) non-zero numbers outside its totals; prose_near_duplicate: a section (一, 五, 六) of at least 200 "
              "letters whose 5-character shingles have an estimated Jaccard similarity ≥ 0.8 with "
              "another report's (MinHash, 32 values; LSH 8 bands × 4) — in both the earliest report "
              "(year, publication or first capture) is the presumed source and is not flagged; "
              "outlier_peers / outlier_history: new applications, concluded, review or litigation "
              "totals against the median of the same province, level and year (≥ 10 reports) or of "
              "the agency's other years (≥ 2): at least 10× the median and at least 100, or at most "
              "1/10 of it, at least 20 apart, with a robust z-score of log(1 + x) beyond ±5 "
              "(MAD × 1.4826, at least 0.5).")

OCR_NOTE = (
    "图片版 · Values flagged ocr were read by OCR from a scanned report (document_kind scanned, "
    "parse_status parsed_ocr or ocr_review): Tesseract 5 (Debian tesseract-ocr, chi_sim) reads each "
    "table cell on its own, cells found from the image's ruling lines (img2table); numbers by a "
    "digits-only pass (upscaled, characters 0-9 and '.'), labels with the Chinese model and matched "
    "to the format like any other report. A number read with confidence below 60 is NULL with flag "
    "low_confidence (never guessed); one read with confidence below 70 is kept only where an "
    "arithmetic rule over it holds (flag rule_confirmed) or fails (flag doubtful), else NULL with "
    "low_confidence; a cell whose readings disagreed keeps one of them only where every decided "
    "rule over it requires exactly that one (flag rule_chosen); a report whose OCR values fail an "
    "arithmetic rule is ocr_review and left out of the sums.")

TABLES = {
    "reports": {
        "description": "每份年度报告一行（机关 × 年度） · One row per report: one agency's report for one year (its own work, or an aggregate of a jurisdiction), counted once however many documents it was captured in. The row is the report's canonical document — " + CANONICAL_RULE_TEXT + " —; its other documents (an HTML page's Word or PDF attachment, a re-publication, each earlier payload of an address) are in documents and listed in report_documents. parse_status: parsed | parsed_ocr (a scan read by OCR, every rule holding) | ocr_review (a scan read by OCR whose values fail an arithmetic rule: marked for review, left out of the sums) | failed | scanned (not read) | pre2019 | no_tables; check_status: pass | warning | fail | undecidable | none.",
        "facets": ["province", "level", "year", "format", "check_status", "parse_status", "scope"],
        "sort_desc": "year",
        "label_column": "title",
        "columns": {
            "key": "报告键 · the report's small integer key (cells.report_key, check_results.report_key); a reloaded report gets a new one",
            "id": "报告编号 · report id: <agency id>/<year>/<variant>",
            "agency_id": "机关 · agency (region code/name)", "agency": "机关名称 · agency name",
            "region_code": "行政区划代码 · GB/T 2260 region code", "province": "省份 · province",
            "level": "层级 · level (省级/市级/县级)", "year": "报告年度 · year reported on",
            "variant": "版本 · document kind and address hash",
            "title": "标题 · title", "published": "发布日期 · publication date (YYYY-MM-DD)",
            "url": "文件地址 · document URL", "capture_id": "当前抓取 · the capture parsed (WARC record)",
            "capture_sha256": "文件摘要 · sha256 of the document parsed (links to the archived original)",
            "fetched_at": "抓取时间 · capture time (UTC)", "kind": "文件类型 · html | pdf | docx | doc | text",
            "document_kind": "文件性质 · annual_report | not_annual_report | scanned | pre2019 | template",
            "format": "格式版本 · national format version (2021 / 2019 trial)",
            "t2_version": "表二格式 · format of table 二 as printed", "t3_version": "表三格式 · format of table 三 as printed",
            "scope": "范围 · self (the agency's own work) | aggregate (a whole jurisdiction) | unknown",
            "parse_status": "解析状态 · parse status (parsed_ocr / ocr_review: read by OCR, see values.ocr_confidence)", "check_status": "检查结果 · worst check result",
            "checks_failed": "未通过检查数 · number of failed checks (incl. cross-year warnings)",
            "n_values": "数值个数 · numbers read", "warnings": "解析提示 · parser warnings (JSON)",
            "parser_version": "解析器版本 · parser version",
            "printed_agency": "印刷机关名 · the agency as printed in the title (a report's documents share it; agency is the registry's name)",
            "content_sha256": "内容摘要 · sha256 of what was read (numbers, printed cells, format, text): two payloads of one address with the same digest are one version",
            "same_as": "同内容文件 · the document whose numbers and text this payload reads as exactly (its own cells are not stored); empty for a report",
            "n_documents": "文件数 · documents of this report (份): 1, or more where it was captured as several files, addresses or versions (see report_documents)",
            "revised_cells": "修订单元格数 · cells whose number differs between the report's documents (a silent revision, a corrected re-publication, or two forms read differently; see version_diffs); empty for a single document",
            "flags": "标记 · JSON list of the report's flags (tables_identical, prose_near_duplicate, outlier_peers, outlier_history; see report_flags); empty when none",
        },
    },
    "documents": {
        "description": "报告的其他文件 · Every document of a report that is not its canonical one: the same columns as reports (numbers and checks of these documents are stored but left out of the values and checks views and of every sum), plus the report it belongs to and its role: version (another payload captured at the address of another document of the report: a revision, or the same text with other bytes) | alternate (another address: an attachment in another format, a re-publication, a mirror).",
        "facets": ["role", "kind", "year", "province"],
        "columns": {
            "id": "文件编号 · document id: <agency id>/<year>/<kind>-<address hash>[@<12 digits of the payload's sha256> for an earlier payload of the address]",
            "report_id": "所属报告 · the report (reports.id: its canonical document)",
            "role": "角色 · version | alternate",
            "key": "文件键 · the document's small integer key (cells.report_key: its numbers)",
        },
    },
    "report_documents": {
        "description": "报告文件清单 · Every document of every report, canonical first: its role (canonical | version | alternate), address, capture time and sha256 (links to the archived original). A report captured once has one row.",
        "columns": {
            "document_id": "文件编号 · document id (reports.id or documents.id)",
            "role": "角色 · canonical (the report's row in reports) | version | alternate",
            "document_key": "文件键 · cells.report_key of the document's numbers",
            "kind": "文件类型 · html | pdf | docx | doc | text",
            "published": "发布日期 · publication date (YYYY-MM-DD)",
            "parse_status": "解析状态 · parse status of the document",
            "n_values": "数值个数 · numbers read from the document",
            "same_as": "同内容文件 · the document it reads as exactly (its cells are not stored twice)",
        },
    },
    "version_diffs": {
        "description": "版本差异 · For every report with several documents, each cell whose number in another document differs from the canonical document's (a number against none counts): what an archive shows that a portal does not — the numbers of a report revised after publication.",
        "columns": {
            "document_id": "文件 · the other document (see report_documents)",
            "field_id": "字段 · field id (see fields)",
            "document_value": "该文件数值 · the number in that document",
            "document_raw": "该文件原文 · its printed text",
            "canonical_value": "规范文件数值 · the number in the canonical document",
            "canonical_raw": "规范文件原文 · its printed text",
        },
    },
    "report_flags": {
        "description": "报告标记 · Flags a researcher can filter on, recomputed by every build; a flag never changes a value. " + FLAGS_TEXT,
        "facets": ["flag", "part", "relation", "year", "province"],
        "columns": {
            "flag": "标记 · tables_identical | prose_near_duplicate | outlier_peers | outlier_history",
            "part": "部分 · t2 | t3 | t4 (a table) | s1 | s5 | s6 (a section) | the field id of an outlier",
            "relation": "关系 · previous_year (the same agency's previous year) | same_agency (another year) | other_agency; empty for outliers",
            "other_report_id": "对照报告 · the report it was found identical or near-identical to (the earliest: the presumed source)",
            "score": "分值 · tables: reports printing the table; prose: estimated Jaccard similarity; outliers: robust z-score of log(1 + value)",
            "detail": "说明 · what was found, in words",
        },
    },
    "report_sketches": {
        "description": "报告指纹 · The sketches copy detection buckets on, made when each document is loaded (crawler/db/sketches.py): a digest of each table's numbers (tables with at least 6 (二, 四) or 10 (三) non-zero numbers outside their totals) and a MinHash of each prose section (at least 200 letters): the MinHash of its 5-character shingles.",
        "columns": {
            "report_key": "文件键 · reports.key / documents.key",
            "part": "部分 · the part sketched: t2 | t3 | t4 (tables) | s1 | s5 | s6 (sections)",
            "size": "大小 · non-zero numbers (tables) | letters (prose)",
            "hash": "摘要 · 64-bit digest of the table's numbers (tables only)",
            "minhash": "最小哈希 · MinHash: 32 × uint32 (little-endian) of the prose's 5-character shingles",
        },
    },
    "values": {
        "description": "表格数字（长表） · Every printed cell of tables 二/三/四, one row per report × field, with its raw text and where it was read (a view over the compact cells table). value is NULL for a blank, a dash or a row not printed: read raw and flags. " + BIG_VIEW_NOTE + " " + OCR_NOTE,
        "columns": {
            "report_id": "报告 · report", "field_id": "字段 · field id (see fields)", "table": "表 · table 二/三/四",
            "row_label": "行 · row label (format)", "column_label": "列 · column label (format)",
            "value": "数值 · value as printed (NULL: blank, dash or absent)", "raw": "原文 · printed cell text, exactly",
            "unit": "单位 · unit", "flags": "标记 · blank | zero | na_marker | absent | positional | label_variant | ocr | low_confidence …",
            "agency_id": "机关 · agency", "year": "年度 · year", "province": "省份 · province",
            "capture_sha256": "文件摘要 · sha256 of the archived document (links to the original)",
            "url": "文件地址 · document URL", "page": "页 · page (PDF)", "table_index": "表序 · table index in the document (0-based)",
            "row_index": "行序 · row index in that table", "col_index": "列序 · column index",
            "printed_label": "印刷行名 · the row label as printed",
            "ocr_confidence": "识别置信度 · OCR recognition confidence 0-100 (Tesseract); NULL when read from a text layer",
        },
    },
    "checks": {
        "description": "勾稽关系检查 · Arithmetic checks: the format's rules per report (kind=report), across one agency's consecutive years (kind=cross, warnings) and the figures stated in the report's text against its tables (kind=text, advisory: not counted in check_status). ok NULL = undecidable (blank cells). " + BIG_VIEW_NOTE,
        "columns": {
            "rule_id": "规则 · rule id (rule.t3.balance.<col>, rule.cross.carry.<col> …)",
            "status": "结果 · pass | fail | undecidable", "expected": "应为 · what the rule requires",
            "actual": "实际 · as printed", "fields": "涉及字段 · field ids (JSON)",
            "previous_report_id": "上年报告 · previous year's report (cross checks)",
        },
    },
    "captures": {
        "description": "抓取记录 · One row per WARC record (response or revisit): URL, time, status, sha256, where in which WARC file. Never updated: the archive is append-only.",
        "facets": ["role", "status", "content_type", "run_id"],
        "columns": {"fetched_at": "抓取时间 · WARC-Date (UTC)"},
    },
    "agencies": {
        "description": "机关 · Agencies: region code (GB/T 2260), province, city and county (only where stated by the registry or the agency's own name), level.",
        "facets": ["province", "level"],
    },
    "report_sections": {
        "description": "报告正文（一至六） · The text of each document by section s1 … s6: a report's canonical document and its other documents (a view of search_index and document_texts, where each text is stored once).",
        "facets": ["section"],
    },
    "table_counts": {
        "description": "行数 · The rows of every table and view when the build ended (crawler/db/counts.py): the server answers row counts from it while the file is as the build left it (archive_info table_counts_stamp).",
        "hidden": True,
        "columns": {"tbl": "表 · table or view", "n": "行数 · its rows (行 · rows)"},
    },
    "text_dictionaries": {
        "description": "压缩词典 · The preset dictionaries the stored texts are compressed with (search_index.body; crawler/db/texts.py): the national formats' labels and headings.",
        "hidden": True,
        "columns": {"version": "版本 · dictionary version: the first byte of a compressed text",
                    "dict": "词典 · the zlib preset dictionary (UTF-8 words, one a line)"},
    },
    "document_texts": {
        "description": "其他文件正文 · The titles and section texts of the documents that are not their report's canonical one (see documents), stored once as search_index stores a report's; not searched (a report is found once, by its canonical document). report_sections shows them.",
        "hidden": True,
        "columns": {
            "id": "编号 · row id: the year, the document's key (documents.key) and the part (crawler.db.search.text_id), as in search_index",
            "document_id": "文件编号 · the document (see documents)",
            "part": "部分 · title | s1 … s6 (from the row id)",
            "text": "原文 · the text as extracted (read from body)",
            "body": "存储正文 · the text as stored: plain, or compressed with the archive's dictionary (crawler/db/texts.py; text reads it)",
        },
    },
    "search_index": {
        "description": "全文检索 · Titles and section texts, each stored once, searchable (two-character words and phrases). Use the search box, or the canned query search.",
        "facets": ["part", "year", "province"],
        "fts_table": "search_index_fts", "fts_pk": "id",
        "columns": {"text": "原文 · the text as extracted (read from body)",
                    "tokens": "分词 · always empty: the segmented copy (character bigrams) lives only in search_index_fts"},
    },
    "fields": {
        "description": "数据字典 · Data dictionary: every field id of the national formats with its Chinese row and column label, English meaning, unit and the format versions that print it.",
        "facets": ["table", "unit", "versions"],
    },
    "crawl_runs": {"description": "抓取运行 · Crawl runs: one row per run with its summary (JSON).",
                   "facets": ["status", "exit_code"]},
    "portal_crawls": {"description": "门户抓取 · What each spider of a crawl run found on its portal: reports found, new, blocked, and the resulting state (a portal that blocks the crawler is not a portal without reports).",
                      "facets": ["state", "portal"]},
    "province_year_totals": {
        "description": "省份 × 年度合计 · Sums by province and year over the parsed reports that are not aggregate (jurisdiction-wide) reports, recomputed from the values table on every build; the research queries read it.",
        "facets": ["province", "year"],
        "columns": {
            "reports": "报告数 · parsed reports summed (份)",
            "concluded": "办理结果总计 · Σ table 三（七）总计 × 总计 (件)",
            "withheld": "不予公开 · Σ table 三（三）不予公开 1–8 × 总计 (件)",
            "unavailable": "无法提供 · Σ table 三（四）无法提供 1–3 × 总计 (件)",
            "review_total": "行政复议总计 · Σ table 四 行政复议 总计 (件)",
            "review_corrected": "行政复议结果纠正 · Σ table 四 行政复议 结果纠正 (件)",
            "suit_total": "行政诉讼总计 · Σ table 四 行政诉讼 (未经复议 + 复议后) 总计 (件)",
            "suit_corrected": "行政诉讼结果纠正 · Σ table 四 行政诉讼 结果纠正 (件)",
        },
    },
    "cells": {
        "description": "数字存储（紧凑） · How the numbers are stored: one narrow row per report × field keyed by small integers (reports.key, field_keys.key); raw is NULL (nothing printed), an empty blob (printed exactly as the number) or the printed text. Read the values view instead: it gives every column back with labels, agency, year, URL and sha256.",
        "columns": {
            "report_key": "报告键 · reports.key", "field_key": "字段键 · field_keys.key",
            "value": "数值 · value as printed (NULL: blank, dash or absent)",
            "raw": "原文 · NULL = nothing printed; empty blob = printed exactly as the number; else the printed text",
            "place": "位置键 · cell_places.key: page, table, row, column, printed label and flags",
            "ocr_confidence": "识别置信度 · OCR recognition confidence 0-100 (Tesseract); NULL when read from a text layer",
        },
    },
    "cell_places": {
        "description": "单元格位置（紧凑） · Where a cell stood in its document and how it was flagged, stored once for every cell with the same page, table, row, column, printed label and flags (cells.place). Read the values view instead.",
        "columns": {
            "key": "位置键 · key",
            "flags": "标记键 · flag_sets.key (the JSON list of flags)",
            "page": "页 · page (PDF)", "table_index": "表序 · table index in the document (0-based)",
            "row_index": "行序 · row index in that table", "col_index": "列序 · column index",
            "label": "印刷行名键 · printed_labels.key",
        },
    },
    "check_results": {
        "description": "检查结果存储（紧凑） · How the check results are stored: one narrow row per report × rule (check_rules.key). Read the checks view instead.",
        "columns": {
            "report_key": "报告键 · reports.key", "rule_key": "规则键 · check_rules.key",
            "ok": "通过 · 1 pass, 0 fail, NULL undecidable", "expected": "应为 · what the rule requires",
            "actual": "实际 · as printed", "previous_report_key": "上年报告键 · reports.key of the previous year's report (cross checks)",
        },
    },
    "check_rules": {
        "description": "检查规则 · Each rule as applied: id, kind, severity and the fields it reads ({prev}:<field> = that field of the previous year's report).",
        "facets": ["kind", "severity"],
        "columns": {"key": "规则键 · key", "rule_id": "规则 · rule id", "kind": "类型 · report | cross | text",
                    "severity": "严重程度 · error | warning", "fields": "涉及字段 · field ids (JSON)"},
    },
    "field_keys": {
        "description": "字段键 · The small integer key of every field id (cells.field_key); never reused.",
        "columns": {"key": "字段键 · key", "field_id": "字段 · field id (see fields)"},
    },
    "flag_sets": {
        "description": "标记组合 · Every distinct list of cell flags (cell_places.flags), as values.flags shows it.",
        "columns": {"key": "标记键 · key", "flags": "标记 · JSON list"},
    },
    "printed_labels": {
        "description": "印刷行名 · Every distinct row label as printed (cell_places.label).",
        "columns": {"key": "键 · key", "label": "印刷行名 · the row label as printed"},
    },
    "parse_errors": {"description": "解析失败 · Documents that could not be parsed or are not annual reports, with the reason. Their captures stay archived."},
    "archive_info": {"description": "档案信息 · Facts about this snapshot (snapshot date = newest capture)."},
    "facet_counts": {
        "description": "分面计数 · The facet counts of every table and view page without filters (metadata facets), counted by every build so that pages of 1.3M reports do not count them per view; the server uses them only while facet_columns.fingerprint still matches the tables, else counts live.",
        "columns": {"tbl": "表 · table or view", "col": "列 · faceted column",
                    "value": "值 · the column's value (non-null)", "n": "行数 · rows with that value"},
    },
    "facet_cube": {
        "description": "分面立方 · The rows of each faceted table or view counted by every combination of its facet columns (v0 … v7 in facet_columns.pos order), counted by every build: the server sums it for a page filtered by facet values (?year=2023&province=…), while the fingerprint matches.",
        "columns": {"tbl": "表 · table or view", "n": "行数 · rows with these values",
                    **{f"v{i}": f"第{i}个分面列的值 · value of the facet column with pos {i}" for i in range(8)}},
    },
    "facet_columns": {
        "description": "分面列 · One row per counted facet: how many distinct values it has, how many facet_counts holds, and the fingerprint (row count, smallest and largest key of the tables read) when counted.",
        "columns": {"tbl": "表 · table or view", "col": "列 · faceted column",
                    "pos": "立方列 · its column v<pos> in facet_cube (empty: the table has no cube)",
                    "decl_type": "声明类型 · the column's declared type (how a filter value is compared with it)",
                    "distinct_values": "不同值数 · distinct non-null values",
                    "stored": "已存值数 · values kept in facet_counts (the most frequent first)",
                    "fingerprint": "指纹 · <table>:<rows>:<smallest key>:<largest key> of every table read, at counting time"},
    },
    "peer_groups": {
        "description": "同级同省组 · The groups a report page ranks a report in: parsed reports of one province, year and level, aggregate reports apart (crawler.db.peers), derived by every build.",
        "columns": {"key": "键 · the group's key", "province": "省份 · province", "year": "年度 · year", "level": "层级 · level",
                    "aggregate": "汇总 · 1: reports of scope aggregate"},
    },
    "report_peers": {
        "description": "同级同省报告 · Each peer group's agencies, one row each: the report standing for the agency (its first parsed report of the group with a 新收申请 cell, by agency name then id), its new applications (t3.new.total) and the agency's name; the report page ranks a report among them.",
        "columns": {"grp": "组 · peer_groups.key", "agency_id": "机关 · the agency ('' for reports of none)",
                    "report_key": "报告键 · reports.key of the report standing for the agency",
                    "agency": "机关名称 · reports.agency of that report",
                    "value": "新收申请 · its t3.new.total (empty: printed blank)"},
    },
    "filter_lists": {
        "description": "筛选名单 · For every field (values) and rule (checks) and year, how many reports hold a row of it, counted by every build; where at most a fifth of the year's reports do, filter_list_reports lists them, and the server reads a page filtered by that field or rule from the list (crawler.db.filter_lists), while the fingerprint in facet_columns matches.",
        "columns": {"tbl": "视图 · values or checks", "name": "名称 · the field_id or rule_id",
                    "year": "年度 · the reports' year (empty: reports of no year)",
                    "reports": "报告数 · reports of that year with a row of it",
                    "listed": "已列出 · 1: every one of them is in filter_list_reports"},
    },
    "filter_list_reports": {
        "description": "筛选名单报告 · The reports of each listed field or rule and year (filter_lists.listed = 1).",
        "columns": {"list": "名单 · filter_lists.id", "report_id": "报告 · a report in the list (reports.id)"},
    },
    "coverage": {
        "description": "覆盖情况 · Agency × year between the first and last year archived: found, missing, parsed, unparsed, failed checks, and the state of the latest crawl of the agency's portal.",
        "facets": ["status", "crawl_state", "province", "level", "year"],
    },
    "registry": {
        "description": "门户登记 · The portal registry as the last registry-driven crawl (or `ogi registry publish`) used it: every government of the GB/T 2260 list with its portal home page, the departments and townships found under it (by discovery, or by their reports' addresses in public pages), their 年报 columns and known report addresses, platform and verification status. Seed entries are unverified until `ogi registry check` and an operator's `accept`.",
        "facets": ["province", "level", "status", "platform"],
    },
    "registry_coverage": {
        "description": "登记覆盖 · Per province and level: governments and bodies known, with a home page, with a 年报 column found, verified, and the reports archived under them.",
        "facets": ["province", "level"],
    },
    "registry_reports": {
        "description": "年报归档统计 · Reports archived per year, by province and registry level (省 市 县 governments; 部门 乡 bodies filed under their own registry entry).",
        "facets": ["province", "level", "year"],
    },
}


# Column descriptions shared by every table and view that has the column (a table's own
# "columns" above take precedence). Every column of every table and view must be described
# (schema_columns() reads them from the migrated schema; metadata() fails on a gap).
COMMON_COLUMNS = {
    "id": "编号 · row id",
    "report_id": "报告 · report id (see reports)",
    "agency_id": "机关 · agency id: <region code>/<name> (see agencies)",
    "agency": "机关名称 · agency name (as in the portal registry, else as printed)",
    "name": "机关名称 · agency name (as in the portal registry, else as printed)",
    "region_code": "行政区划代码 · GB/T 2260 six-digit region code",
    "province_code": "省级区划代码 · province code (first two digits + 0000)",
    "province": "省份 · province, from the region code (GB/T 2260)",
    "city": "地市 · prefecture-level city, only where the registry or the agency's own name states it (else empty, never guessed)",
    "county": "区县 · county-level division, only where the registry or the agency's own name states it (else empty, never guessed)",
    "level": "层级 · level: 省级 / 市级 / 县级 (from the region code) or 乡级 (a township government)",
    "portal": "门户 · portal registry code (crawler/registry/portals.yaml)",
    "year": "年度 · year reported on (calendar year)",
    "format": "格式版本 · national format version (2021 / 2019 trial)",
    "table_version": "本表格式 · format version of this table as printed",
    "scope": "范围 · self (the agency's own work) | aggregate (a whole jurisdiction) | unknown",
    "check_status": "检查结果 · worst check result: pass | warning | fail | undecidable | none",
    "url": "地址 · URL",
    "final_url": "最终地址 · URL after redirects",
    "title": "标题 · title (as linked or printed)",
    "status": "状态 · status",
    "fetched_at": "抓取时间 · capture time (UTC, ISO 8601)",
    "capture_id": "抓取记录 · capture id: <WARC file>#<offset> (see captures)",
    "capture_sha256": "文件摘要 · sha256 of the archived document (links to the original)",
    "sha256": "文件摘要 · sha256 of the payload (links to the archived original)",
    "run_id": "抓取运行 · crawl run id (see crawl_runs)",
    "spider": "爬虫 · Scrapy spider name(s)",
    "started": "开始时间 · start time (UTC)",
    "finished": "结束时间 · end time (UTC)",
    "parser_version": "解析器版本 · parser version",
    "heading": "标题 · section heading (一、总体情况 …)",
    "text": "原文 · the text as extracted",
    "kind": "类型 · kind",
    "severity": "严重程度 · error (a rule of the format) | warning (cross-year or advisory)",
    "ok": "通过 · 1 pass, 0 fail, empty undecidable",
}

COLUMNS = {
    "agencies": {
        "id": "机关编号 · agency id: <region code>/<name>",
    },
    "captures": {
        "id": "抓取编号 · capture id: <WARC file>#<offset of the record>",
        "status": "HTTP 状态码 · HTTP status code",
        "size": "大小 · payload size (bytes 字节)",
        "content_type": "文件类型 · media type as served (Content-Type)",
        "encoding": "文字编码 · detected text encoding (utf-8, gb18030 …; empty for binary files)",
        "role": "角色 · report (an annual report) | list (a column page, a list API answer, a list script) | rendered_list (a column page as the browser showed it: its DOM after scripts ran) | other",
        "title": "链接标题 · the link text or page title the crawler classified",
        "agency": "机关 · the registry's agency of the portal (empty for a crawl by URL)",
        "referer": "来源页 · the page the link was found on",
        "warc_file": "WARC 文件 · file relative to the archive",
        "warc_offset": "WARC 偏移 · record offset (bytes 字节)",
        "revisit": "重复抓取 · 1 = revisit record (same payload as an earlier capture), 0 = new payload",
    },
    "report_sections": {
        "report_id": "文件 · the document (reports.id for a report's canonical document, else documents.id: see report_documents)",
        "section": "部分 · section s1 … s6 (一 总体情况 … 六 其他需要报告的事项)",
        "text": "正文 · the section's text as extracted",
    },
    "checks": {
        "report_id": "报告 · the report checked (see reports)",
        "kind": "类型 · report (the report's own tables) | cross (against the previous year's report) | text (figures stated in section 一 against table 三)",
        "expected": "应为 · what the rule requires (件 · count, as the fields' unit)",
        "actual": "实际 · as printed (件 · count, as the fields' unit)",
    },
    "crawl_runs": {
        "status": "运行结果 · ok | nothing_found | blocked | config_error | none_archived (from the exit code), or the run's own status",
        "exit_code": "退出码 · ogi crawl exit code: 0 ok, 1 nothing found, 2 configuration error, 3 blocked",
        "summary": "运行摘要 · the run summary (JSON: counts, failures with URL and reason, paused hosts)",
    },
    "portal_crawls": {
        "seq": "序号 · the spider's place in its run",
        "spider": "爬虫 · Scrapy spider",
        "portal": "门户 · registry code of the portal crawled (empty for a crawl by URL)",
        "agency_id": "机关 · the portal's agency (see agencies)",
        "start_urls": "起始地址 · start URLs (JSON list)",
        "finished": "结束时间 · end of the run (UTC)",
        "finish_reason": "结束原因 · Scrapy finish reason (finished, shutdown …)",
        "reports_found": "发现报告 · reports found (份 · documents)",
        "new": "新增 · new captures (份 · documents)",
        "changed": "变更 · changed documents (份)",
        "unchanged": "未变 · unchanged documents (份; stored as revisits)",
        "failed": "失败 · failed fetches (次 · requests)",
        "blocked": "被拦截 · blocked responses: 403/429/WAF pages (次 · requests)",
        "state": "抓取状态 · ok | partly_blocked | blocked | nothing_found | interrupted",
        "list_columns": "年报栏目数 · report columns read (list pages counted per column)",
        "list_expected": "应有条目 · items the columns say they hold (recordCount, 共 N 条, pages × size; 条 · items), summed over columns that state a count",
        "list_found": "找到条目 · distinct items found in the columns: static HTML, list APIs, the browser (条 · items)",
        "list_shortfall": "缺少条目 · items the columns' own counts say exist but no mechanism reached (条 · items); 0 = complete, empty = no column stated a count",
        "incomplete_lists": "不完整栏目 · JSON list of the columns short of their count: column, expected, found (static/API/browser), shortfall, what the browser did",
    },
    "parse_errors": {
        "capture_sha256": "文件摘要 · sha256 of the document that failed (links to the original)",
        "agency": "机关 · agency of the capture (registry)",
        "title": "标题 · link title of the capture",
        "reason": "原因 · why it could not be parsed (one line)",
        "retryable": "可重试 · 1 = failed on a resource limit (memory, time, decompression bomb): "
                     "the next incremental build parses it again",
    },
    "fields": {
        "table_key": "表代码 · table key: t2 | t3 | t4", "table": "表 · table 二/三/四",
        "row_key": "行代码 · row key", "column_key": "列代码 · column key",
        "en": "英文含义 · English meaning",
        "decimal": "小数 · 1 = may have decimals (万元 amounts), 0 = whole numbers",
        "signed": "可为负 · 1 = may be negative (增减 changes), 0 = never negative",
    },
    "search_index": {
        "id": "编号 · row id: the year, the report's key (reports.key) and the part (crawler.db.search.text_id; the search reads it in descending order: newest first)",
        "part": "部分 · title | s1 … s6 (from the row id)",
        "year": "年度 · year reported on (from the row id)",
        "body": "存储正文 · the text as stored, once: plain, or compressed with the archive's dictionary (crawler/db/texts.py; text reads it)",
        "agency": "机关 · agency name",
    },
    "archive_info": {
        "key": "项目 · fact: snapshot_date, first_capture, last_capture, captures, reports (each counted once), documents (every document of every report), agencies, years, parser_version, format_versions",
        "value": "值 · its value (dates UTC; counts 份 · documents)",
    },
    "registry": {
        "code": "登记编号 · registry code: GB/T 2260 code of a government; <parent code>-d…/-t… for a department/township found by discovery; <parent code>-<host> for a unit outside GB/T 2260",
        "agency": "机关名称 · the body's name as registered (a government's division name as listed, a body's name as its directory writes it)",
        "name": "区划名称 · division name (compared with the home page's <title> by `ogi registry check`)",
        "level": "层级 · 省 / 市 / 县 (governments) or 部门 / 乡 (departments, townships and street offices)",
        "parent": "上级 · registry code of the parent (province of a prefecture, government of a body)",
        "home_url": "首页 · portal home page (a body's own page for a department or township)",
        "domains": "域名 · the portal's official domains (only these are crawled), space-separated",
        "platform": "平台 · CMS family by fingerprint: trs | hanweb | json | vsb | generic (decides the spider)",
        "column_urls": "年报栏目 · 政府信息公开年报 column(s), space-separated (empty: not found yet); an address with {year} is a report viewer asked for every year",
        "known_reports": "已知年报地址 · report addresses crawled directly (where no column is known, or the column is another entry's), space-separated; each with its source in `source`",
        "status": "核实状态 · unverified | verified | moved | unreachable | blocked",
        "checked": "核查时间 · when a person or `ogi registry check/discover` last looked (UTC)",
        "robots": "robots 规则 · obey | ignore (with robots_reason)",
        "robots_reason": "忽略 robots 的理由 · why robots.txt may be ignored for this portal",
        "source": "来源 · where the entry comes from (file, or the page discovery found it on)",
        "source_date": "来源日期 · date of the source",
        "notes": "备注 · notes (seed probe result, codes outside GB/T 2260 …)",
    },
    "registry_coverage": {
        "known": "已登记 · entries known (机关数)",
        "with_home_page": "有首页 · entries with a home page",
        "with_column": "有年报栏目 · entries whose 年报 column is known",
        "with_known_reports_only": "仅有年报地址 · entries known only by report addresses (no column yet)",
        "with_home_page_only": "仅有首页 · entries known only by their home page (no column, no report address)",
        "verified": "已核实 · entries verified by an operator",
        "reports": "已归档报告 · reports archived under these entries (份)",
    },
    "registry_reports": {
        "reports": "已归档报告 · reports archived (份)",
    },
    "coverage": {
        "agency_id": "机关 · agency (see agencies)",
        "found": "找到 · reports found for the year (份 · documents)",
        "missing": "缺失 · 1 = no report found for the year",
        "parsed": "已解析 · reports parsed (份)",
        "unparsed": "未解析 · reports archived but not parsed: failed, scanned, no tables (份)",
        "failed_checks": "未通过检查 · failed checks in the year's reports (条 · rules)",
        "status": "覆盖状态 · ok | checks failed | unparsed | missing",
        "crawl_state": "最近抓取状态 · the latest crawl of the agency's portal: ok | partly_blocked | blocked | nothing_found | interrupted; empty when no recorded crawl names the agency",
        "last_crawled": "最近抓取时间 · end of that crawl (UTC)",
        "list_shortfall": "栏目缺少条目 · items the agency's report columns said they hold but the latest crawl could not reach (条 · items): a missing year may be among them",
        "incomplete_lists": "不完整栏目数 · report columns short of their own count in that crawl",
    },
}


@functools.lru_cache(maxsize=1)
def schema_columns() -> dict:
    """{table or view: [columns]} of the migrated schema (an in-memory archive.db)."""
    import sqlite_utils

    from . import schema

    db = sqlite_utils.Database(memory=True)
    schema.migrate(db)
    names = [n for n in db.table_names() if not n.startswith(("search_index_fts", "_"))]
    # table_xinfo: generated columns too (search_index.text, part, heading, year)
    return {n: [r[1] for r in db.execute(f"pragma table_xinfo([{n}])").fetchall() if r[6] != 1]
            for n in names + db.view_names()}


def column_descriptions(table: str, own: dict | None = None) -> dict:
    """Every column of `table` described in Chinese and English (own > COLUMNS > COMMON)."""
    out = {}
    for col in schema_columns()[table]:
        desc = (own or {}).get(col) or COLUMNS.get(table, {}).get(col) or COMMON_COLUMNS.get(col)
        if desc is None:
            raise KeyError(f"crawler/db/dictionary.py: column {table}.{col} has no description")
        out[col] = desc
    return out


WIDE_FACETS = ("province", "level", "year", "format", "check_status")


def wide_view(table: str) -> dict:
    fields = {f.id: field_description(f) for f in formats.all_fields().values() if f.table == table}
    cols = column_descriptions(f"{table}_wide", {"report_id": "报告 · report (see reports)", **fields})
    return {
        "description": f"表{formats.TABLE_NAMES[table]} {formats.TABLE_TITLES[table]}（宽表） · Table {formats.TABLE_NAMES[table]} as one row per report, one column per field (field ids of every format version; a column is empty where the report's format has no such field).",
        "facets": list(WIDE_FACETS),
        # 20 rows a page: t3_wide has ~200 columns, and 100 rows of them (20,000 cells) took
        # ~0.8 s to render (docs/benchmarks.md); ?_size= still asks for more.
        "size": 20,
        "columns": cols,
    }


FILTERS = """ [[ AND r.province = :province ]] [[ AND r.level = :level ]]"""


def dashboards() -> dict:
    base = "from reports r join \"values\" v on v.report_id = r.id where r.parse_status in ('parsed', 'parsed_ocr') and coalesce(r.scope, '') != 'aggregate'"
    return {"national-trends": {
        "title": "全国趋势 · National trends",
        "description": "Applications, outcome shares and administrative review/litigation over the years, from the parsed reports (aggregate reports left out). Filter by province and level.",
        "layout": [["reports-count", "applications-count"], ["applications", "outcomes"],
                   ["review", "review"]],
        "filters": {
            "province": {"name": "省份 Province", "type": "select", "db": DB,
                         "query": "SELECT DISTINCT province FROM reports WHERE province IS NOT NULL ORDER BY province"},
            "level": {"name": "层级 Level", "type": "select", "db": DB,
                      "query": "SELECT DISTINCT level FROM reports WHERE level IS NOT NULL ORDER BY level"},
        },
        "charts": {
            "reports-count": {
                "title": "已解析报告 · Parsed reports", "db": DB, "library": "metric",
                "query": "SELECT count(*) AS n FROM reports r WHERE r.parse_status in ('parsed', 'parsed_ocr')" + FILTERS,
                "display": {"field": "n", "prefix": "", "suffix": " 份"},
            },
            "applications-count": {
                "title": "新收申请合计 · New applications (all years)", "db": DB, "library": "metric",
                "query": "SELECT coalesce(sum(v.value), 0) AS n " + base + " AND v.field_id = 't3.new.total'" + FILTERS,
                "display": {"field": "n", "prefix": "", "suffix": " 件"},
            },
            "applications": {
                "title": "新收政府信息公开申请 · New applications by year", "db": DB, "library": "vega-lite",
                "query": "SELECT r.year AS year, sum(v.value) AS applications " + base
                         + " AND v.field_id = 't3.new.total'" + FILTERS + " GROUP BY r.year ORDER BY r.year",
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                                         "y": {"field": "applications", "type": "quantitative", "title": "件"}}},
            },
            "outcomes": {
                "title": "办理结果占比 · Outcome shares by year", "db": DB, "library": "vega-lite",
                "query": """SELECT r.year AS year, CASE
    WHEN v.field_id LIKE 't3.result.disclosed.%' THEN '予以公开 disclosed'
    WHEN v.field_id LIKE 't3.result.partial.%' THEN '部分公开 partly'
    WHEN v.field_id LIKE 't3.result.withheld.%' THEN '不予公开 withheld'
    WHEN v.field_id LIKE 't3.result.unavailable.%' THEN '无法提供 unavailable'
    WHEN v.field_id LIKE 't3.result.not_processed.%' THEN '不予处理 not processed'
    ELSE '其他处理 other' END AS outcome, sum(v.value) AS n """ + base
                         + " AND v.field_id LIKE 't3.result.%.total' AND v.field_id != 't3.result.total.total'"
                         + FILTERS + " GROUP BY r.year, outcome ORDER BY r.year, outcome",
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                                         "y": {"field": "n", "type": "quantitative", "stack": "normalize", "title": "share"},
                                         "color": {"field": "outcome", "type": "nominal", "title": "结果 outcome"}}},
            },
            "review": {
                "title": "行政复议与行政诉讼 · Administrative review and litigation by year", "db": DB, "library": "vega-lite",
                "query": """SELECT r.year AS year, CASE
    WHEN v.field_id LIKE 't4.review.%' THEN '行政复议 review'
    ELSE '行政诉讼 litigation' END || ' · ' || CASE
    WHEN v.field_id LIKE '%.corrected' THEN '纠正 corrected'
    ELSE '总计 total' END AS series, sum(v.value) AS n """ + base
                         + " AND v.field_id LIKE 't4.%' AND (v.field_id LIKE '%.total' OR v.field_id LIKE '%.corrected')"
                         + FILTERS + " GROUP BY r.year, series ORDER BY r.year, series",
                "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                                         "y": {"field": "n", "type": "quantitative", "title": "件"},
                                         "color": {"field": "series", "type": "nominal", "title": ""}}},
            },
        },
    }}


REGISTRY_FILTERS = """ [[ AND province = :province ]]"""


def html_text(column: str) -> str:
    """SQL for `column` as HTML text (& < > " ' escaped): what a dashboard chart that writes
    its cells with innerHTML (the table library) must be given for every text column."""
    expr = f'"{column}"'
    for ch, ent in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        expr = f"replace({expr}, '{ch.replace(chr(39), chr(39) * 2)}', '{ent}')"
    return expr


def coverage_dashboard() -> dict:
    """Governments and bodies known, columns found, reports archived per year (registry)."""
    def metric(title: str, where: str) -> dict:
        return {"title": title, "db": DB, "library": "metric",
                "query": "SELECT count(*) AS n FROM registry WHERE " + where + REGISTRY_FILTERS,
                "display": {"field": "n", "prefix": "", "suffix": " 个"}}

    return {
        "title": "登记覆盖 · Registry coverage",
        "description": "What the portal registry knows (governments of the GB/T 2260 list, the departments and townships found under them by discovery or by their report addresses), how many have a 年报 column, how many are known by report addresses only, and the reports archived per year by level. Filter by province.",
        "layout": [["governments", "bodies", "columns", "known-reports-only"],
                   ["reports-by-year", "reports-by-year", "reports-by-year", "reports-by-year"],
                   ["by-province", "by-province", "by-province", "by-province"]],
        "filters": {
            "province": {"name": "省份 Province", "type": "select", "db": DB,
                         "query": "SELECT DISTINCT province FROM registry WHERE province IS NOT NULL ORDER BY province"},
        },
        "charts": {
            "governments": metric("已登记政府 · Governments known", "level IN ('省', '市', '县')"),
            "bodies": metric("已发现部门和乡镇 · Departments and townships known", "level IN ('部门', '乡')"),
            "columns": metric("已找到年报栏目 · 年报 columns found", "column_urls <> ''"),
            "known-reports-only": metric("仅有年报地址 · Known by report addresses only",
                                         "column_urls = '' AND coalesce(known_reports, '') <> ''"),
            "reports-by-year": {
                "title": "已归档报告（按年度、层级） · Reports archived per year by level", "db": DB, "library": "vega-lite",
                "query": "SELECT year, level, sum(reports) AS reports FROM registry_reports WHERE year IS NOT NULL"
                         + REGISTRY_FILTERS + " GROUP BY year, level ORDER BY year, level",
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                                         "y": {"field": "reports", "type": "quantitative", "title": "份"},
                                         "color": {"field": "level", "type": "nominal", "title": "层级 level"}}},
            },
            "by-province": {
                "title": "各省登记与归档 · Known, with column, archived, by province and level", "db": DB, "library": "table",
                # datasette-dashboards writes a table chart's cells (and headers) with innerHTML:
                # its text columns leave SQL as HTML text, so a registry value never runs
                "query": "SELECT " + html_text("province") + " AS province, " + html_text("level")
                         + " AS level, known, with_home_page, with_column, with_known_reports_only, with_home_page_only, verified, reports FROM registry_coverage WHERE 1 = 1"
                         + REGISTRY_FILTERS + " ORDER BY province, level",
            },
        },
    }


def facets() -> dict[str, list[str]]:
    """The facets metadata.yml declares, by table or view (what crawler.db.facet_counts counts)."""
    out = {name: list(spec["facets"]) for name, spec in TABLES.items() if spec.get("facets")}
    for t in ("t2", "t3", "t4"):
        out[f"{t}_wide"] = list(WIDE_FACETS)
    return out


def metadata() -> dict:
    tables = {name: dict(spec) for name, spec in TABLES.items()}
    tables["fields"]["columns"] = {
        "id": "字段编号 · field id: <table>.<row key>.<column key>; the same id means the same thing in every format",
        "row_label": "行名（格式原文） · row label in the format", "column_label": "列名 · column label",
        "en": "英文含义 · English meaning", "unit": "单位 · unit (件 count, 条 items, 个 bodies, 万元 10k yuan …)",
        "versions": "格式版本 · format versions printing it",
    }
    for t in ("t2", "t3", "t4"):
        tables[f"{t}_wide"] = wide_view(t)
    # documents has reports' columns: described as there, unless said otherwise
    tables["documents"] = {**tables["documents"], "columns": {
        **TABLES["reports"]["columns"], **TABLES["documents"]["columns"]}}
    for name in schema_columns():
        if not name.endswith("_wide"):
            if name not in tables:
                raise KeyError(f"crawler/db/dictionary.py: table {name} has no description")
            tables[name]["columns"] = column_descriptions(name, tables[name].get("columns"))
    return copy.deepcopy({  # Datasette annotates the dict it is given: never hand out the module's
        "title": TITLE,
        "description_html": DESCRIPTION_HTML,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "source": SOURCE,
        "source_url": SOURCE_URL,
        "about": "ogi-archive: how it is built, the format and the checks",
        "about_url": "/-/about",  # the archive's own About page (crawler.web.home)
        "databases": {DB: {
            "description": "The archive: reports, their numbers, checks, text and captures. 年度报告、数字、检查、正文与抓取记录。",
            "tables": tables,
            "queries": CANNED,
        }},
        "plugins": {"datasette-dashboards": {**dashboards(), "registry-coverage": coverage_dashboard()}},
    })


def dump(meta: dict | None = None) -> str:
    header = ("# GENERATED by `python -m crawler.db.dictionary > metadata.yml` from parsers/formats:"
              " do not edit by hand.\n# The text SNAPSHOT_DATE is replaced by the archive's snapshot date"
              " when served by `ogi serve`.\n")
    return header + yaml.safe_dump(meta or metadata(), allow_unicode=True, sort_keys=False, width=100)


def write(path: Path) -> None:
    Path(path).write_text(dump(), encoding="utf-8")


if __name__ == "__main__":
    sys.stdout.write(dump())
