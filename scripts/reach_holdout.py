"""How far the registry's reach carries to report addresses it was not built from (a
maintainer's tool, run from a git checkout):

    .venv/bin/python scripts/reach_holdout.py [--base-rev REV]

The registry as imported, before any report address was read (``national.csv`` at ``--base-rev``,
with the hand-written ``portals.yaml``), is given the reach of part of the shipped addresses
(crawler/registry/report_addresses.csv) and measured on the rest, split two ways by the search
that first found each address: even-numbered searches against odd-numbered ones, and the first
round (searches 1–986) against the later rounds. For each held-out government (a division with
a held-out report address): has it a 年报 column of its own on that address's host, or one of
its own or of one of its bodies, among all held-out governments and among those the other part
had also found. Also printed: the capture–recapture (Lincoln–Petersen) estimate of how many
governments the searched pages hold, from the even and odd halves.
"""
from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.registry import REGISTRY_FILE, merge, parse_registry  # noqa: E402
from crawler.registry.addresses import read_addresses  # noqa: E402
from crawler.registry.reach import build, host_coverage  # noqa: E402
from spiders.discover import annual_root, column_of  # noqa: E402

# the commit before the first reach was written into national.csv: home pages only
BASE_REV = "9d483f5^"
ROUND_1 = 986


def measure(base, seen: list[dict], held: list[dict], label: str) -> None:
    reg, _ = build(base, seen, column_of, annual_root)
    found = {r["division"] for r in seen}
    every = host_coverage(reg, held)
    again = host_coverage(reg, [r for r in held if r["division"] in found])
    n, own, bodies = (every[k] for k in ("governments", "own_column_on_host", "own_or_body_column_on_host"))
    print(f"{label}: {n} governments held out; a column of their own on the held-out address's "
          f"host {own} ({own / n:.0%}), of their own or a body's {bodies} "
          f"({bodies / n:.0%}); of the {again['governments']} the other part had also found: "
          f"{again['own_column_on_host']} ({again['own_column_on_host'] / max(1, again['governments']):.0%})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-rev", default=BASE_REV)
    args = ap.parse_args()
    text = subprocess.run(["git", "show", f"{args.base_rev}:crawler/registry/national.csv"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    base = merge(parse_registry(REGISTRY_FILE.read_text("utf-8"), str(REGISTRY_FILE), "yaml"),
                 parse_registry(text, "national.csv", "csv"))
    rows = [r for r in read_addresses() if r["division"] and r["kind"] == "report"]

    def first(r):
        return int(r["queries"].split()[0])
    even = [r for r in rows if first(r) % 2 == 0]
    odd = [r for r in rows if first(r) % 2 == 1]
    measure(base, even, odd, "even searches -> odd searches")
    measure(base, [r for r in rows if first(r) <= ROUND_1], [r for r in rows if first(r) > ROUND_1],
            f"searches 1-{ROUND_1} -> later searches")
    e, o = {r["division"] for r in even}, {r["division"] for r in odd}
    print(f"governments found: {len(e | o)}; by even searches {len(e)}, by odd {len(o)}, by both "
          f"{len(e & o)}: the searched pages hold about {len(e) * len(o) // len(e & o)} "
          f"governments (Lincoln-Petersen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
