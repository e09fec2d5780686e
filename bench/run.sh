#!/usr/bin/env bash
# Every benchmark end to end, figures printed and collected in $OUT/results.jsonl.
#   bash bench/run.sh            # load 5000 reports, parse, crawl, serve at 10k and 100k reports
#   bash bench/run.sh --quick    # the same at a tiny scale (a smoke run, figures meaningless)
#   SERVE_SIZES="100000 1300000" bash bench/run.sh   # bigger archives (see docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || bash scripts/setup.sh
OUT=${OUT:-/tmp/ogi-bench}
mkdir -p "$OUT"
if [ "${1:-}" = "--quick" ]; then
  LOAD=200; SERVE_SIZES=${SERVE_SIZES:-200}; BODIES=6; BENCH_SECONDS=2; REQ=3; COPIES=1
else
  LOAD=5000; SERVE_SIZES=${SERVE_SIZES:-"10000 100000"}; BODIES=150; BENCH_SECONDS=10; REQ=20; COPIES=10
fi
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
run() { "$PY" "$@" | tee /dev/stderr | sed -n 's/^BENCH //p' >> "$RESULTS"; }
run bench/bench_load.py --reports "$LOAD" --dir "$OUT"
run bench/bench_parse.py
run bench/bench_build.py --copies "$COPIES"
run bench/bench_crawl.py --bodies "$BODIES" --bench-seconds "$BENCH_SECONDS"
for n in $SERVE_SIZES; do
  if [ -f "$OUT/synthetic-$n.db" ] && [ -z "${REBUILD:-}" ]; then
    run bench/bench_serve.py --db "$OUT/synthetic-$n.db" --requests "$REQ"
  else
    run bench/bench_serve.py --reports "$n" --dir "$OUT" --requests "$REQ"
  fi
done
echo "figures: $RESULTS"
