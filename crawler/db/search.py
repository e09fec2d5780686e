"""Chinese full-text search on SQLite's default FTS5 tokenizer.

SQLite 3.40's `unicode61` tokenizer treats a run of Han characters as one token, and the
`trigram` tokenizer never matches fewer than three characters. So the archive indexes a
*segmented copy* of every text: each run of Han characters becomes its overlapping character
bigrams followed by its last character (政府信息公开 → 政府 府信 信息 息公 公开 开); everything
else is left to unicode61. A query is segmented the same way:

* a run of two or more Han characters becomes a phrase of its bigrams, which matches exactly
  where the run occurs ("复议" → "复议"; "政府信息公开" → "政府 府信 信息 息公 公开");
* a single Han character becomes a prefix query (议*), which matches a bigram starting with it
  or the single character closing a run;
* other words are quoted as Datasette's own `escape_fts` does.

`fts_query` replaces Datasette's `escape_fts` SQL function (see crawler.db.plugin), so the
table search box, datasette-search-all and the canned `search` query all go through it.
"""
from __future__ import annotations

import operator
import re

# The version of index_text's output. The index is kept up to date as reports are loaded and
# deleted (crawler.db.load), and an FTS5 delete must repeat the tokens that were indexed: bump
# this whenever index_text changes, and the next build re-indexes everything (load.refresh_search).
VERSION = "1"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_HAN}]+|[^{_HAN}\\s]+")
_IS_HAN = re.compile(f"[{_HAN}]")
# characters FTS5 would read as query syntax inside a bareword
_WORD = re.compile(r"[\w]+", re.UNICODE)
# a run of Han characters, or a word of other characters: a maximal run of word characters
# that are not Han (= _WORD's words inside _RUN's non-Han runs)
_PIECE = re.compile(f"([{_HAN}]+)|([^\\W{_HAN}]+)")


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None) -> str:
    """The segmented copy of `text` that goes into the FTS index.

    Written for speed (the loader segments every text it writes): one regex pass gives each run
    of Han characters or each word of other characters (the words of _WORD inside the runs of
    _RUN), and a run's bigrams are built by map() rather than index by index; the output is
    the definition in this module's docstring, character for character (tests/test_db_search.py)."""
    if not text:
        return ""
    out: list[str] = []
    extend, append = out.extend, out.append
    for han, word in _PIECE.findall(text):
        if han:
            extend(map(operator.add, han, han[1:]))
            append(han[-1])
        else:
            append(word)
    return " ".join(out)


def fts_query(query: str | None) -> str:
    """Turn what a reader typed into an FTS5 query over `index_text` output (terms ANDed)."""
    if not query:
        return '""'
    parts: list[str] = []
    for term in query.split():
        tokens: list[str] = []
        prefix_only: str | None = None
        for m in _RUN.finditer(term):
            piece = m.group(0)
            if _IS_HAN.match(piece):
                if len(piece) == 1:
                    prefix_only = piece
                    continue
                tokens.extend(_bigrams(piece))
            else:
                tokens.extend(_WORD.findall(piece))
        if tokens:
            parts.append('"' + " ".join(t.replace('"', '""') for t in tokens) + '"')
        if prefix_only and not tokens:
            parts.append(f'"{prefix_only}"*')
    return " ".join(parts) if parts else '""'
