"""SQL scripts as statements, for migrations that must run inside one transaction."""
from __future__ import annotations


def statements(script: str) -> list[str]:
    """Split a DDL script on `;` at line ends, comments dropped (executescript would commit
    mid-migration, and a plain split on `;` breaks on a semicolon inside a comment)."""
    out, buf = [], []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buf.append(code)
        if code.rstrip().endswith(";"):
            out.append("\n".join(buf).strip().rstrip(";"))
            buf = []
    return [s for s in out if s]
