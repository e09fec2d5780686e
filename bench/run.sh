#!/usr/bin/env bash
# Every benchmark end to end, figures printed and collected in $OUT/results.jsonl.
#   bash bench/run.sh            # load, parse, build, crawl, serve at 10k synthetic reports
#   bash bench/run.sh --quick    # the same at a tiny scale (a smoke run, figures meaningless)
# Environment:
#   OGI_SHARED=../shared      the real corpus (parse; synthetic texts drawn from real reports)
#   BASELINE=<commit>         bench_load also loads the same reports with that commit's loader
#   PARSE_BASELINE=<commit>   bench_parse also parses the same documents with that commit's parsers
#   NATIONAL_DB=<archive.db>  also measure that archive (sizes; every page cold and concurrent);
#                             built beforehand by bench/bench_national.py (docs/benchmarks.md)
#   OCR=0                     leave out the OCR benches (about 10 minutes)
#   NATIONAL_LOG=<build.log>  the national build's own BENCH line (default: build.log beside it)
#   SERVE_SIZES="10000 100000", WORKERS=2, THINK=2   (bench_serve options)
#   NATIONAL_THINKS="2 1 0.5 0"   the national serve run once for each pause (default: THINK, then 0)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || bash scripts/setup.sh
OUT=${OUT:-/tmp/ogi-bench}
mkdir -p "$OUT"
if [ "${1:-}" = "--quick" ]; then
  LOAD=200; REPEAT=1; SERVE_SIZES=${SERVE_SIZES:-200}; BODIES=6; BENCH_SECONDS=2; ROUNDS=1; COPIES=1
else
  LOAD=5000; REPEAT=3; SERVE_SIZES=${SERVE_SIZES:-10000}; BODIES=150; BENCH_SECONDS=10; ROUNDS=4; COPIES=10
fi
WORKERS=${WORKERS:-1}; THINK=${THINK:-0}
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
run() { "$PY" "$@" | tee /dev/stderr | sed -n 's/^BENCH //p' >> "$RESULTS"; }
run bench/bench_machine.py
run bench/bench_prose.py --reports "$LOAD"
run bench/bench_load.py --reports "$LOAD" --dir "$OUT/load" --repeat "$REPEAT" ${BASELINE:+--baseline "$BASELINE"}
run bench/bench_parse.py ${PARSE_BASELINE:+--baseline "$PARSE_BASELINE"}
if [ "${1:-}" != "--quick" ] && [ "${OCR:-1}" != "0" ]; then
  run bench/bench_ocr.py --jobs 1
  run bench/bench_ocr.py --scan --dpi 150 --seeds 0 1 2 --jobs 2
fi
run bench/bench_build.py --copies "$COPIES"
run bench/bench_crawl.py --bodies "$BODIES" --bench-seconds "$BENCH_SECONDS"
for n in $SERVE_SIZES; do
  if [ -f "$OUT/synthetic-$n.db" ] && [ -z "${REBUILD:-}" ]; then
    run bench/bench_serve.py --db "$OUT/synthetic-$n.db" --rounds "$ROUNDS" --workers "$WORKERS" --think "$THINK"
  else
    run bench/bench_serve.py --reports "$n" --dir "$OUT" --rounds "$ROUNDS" --workers "$WORKERS" --think "$THINK"
  fi
done
# the national build's own figures (its peak RSS, build time), when its log is beside the file
NATIONAL_LOG=${NATIONAL_LOG:-${NATIONAL_DB:+$(dirname "$NATIONAL_DB")/build.log}}
if [ -n "${NATIONAL_DB:-}" ]; then
  # a build still writing the file (its log without its figures yet) is waited for
  while [ -f "$NATIONAL_LOG" ] && ! grep -q '^BENCH ' "$NATIONAL_LOG"; do sleep 15; done
  run bench/bench_national.py --db "$NATIONAL_DB"
  # readers pausing THINK s, then with no pause (the server's throughput); NATIONAL_THINKS
  # names the pauses instead (a sweep: where the national serve stops meeting its target)
  if [ -z "${NATIONAL_THINKS:-}" ]; then
    NATIONAL_THINKS="$THINK"; [ "$THINK" != "0" ] && NATIONAL_THINKS="$THINK 0"
  fi
  for t in $NATIONAL_THINKS; do
    run bench/bench_serve.py --db "$NATIONAL_DB" --rounds "$ROUNDS" --workers "$WORKERS" --think "$t"
  done
fi
"$PY" bench/summary.py "$RESULTS" ${NATIONAL_LOG:+$( [ -f "$NATIONAL_LOG" ] && echo "$NATIONAL_LOG")} > "$OUT/summary.md"
echo "figures: $RESULTS; as Markdown: $OUT/summary.md"
