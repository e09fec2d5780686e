#!/usr/bin/env bash
# README command 1: set up (if needed), then the main job end to end on the built-in offline
# default: the demo portal on 127.0.0.1 -> Scrapy crawl -> WARC -> archive.db -> Datasette.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ogi demo "$@"
