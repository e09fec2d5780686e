"""Helpers for crawl tests: run `ogi crawl` in a subprocess against a simulated portal."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OGI = [str(pathlib.Path(sys.executable).with_name("ogi"))]
from tests.conftest import CORPUS

CORPUS_REAL = CORPUS / "real"

# no delays, short timeouts: the whole crawl suite must stay within a few minutes on 2 cores
FAST = ["--delay", "0", "--timeout", "2", "--set", "RETRY_TIMES=2", "--set", "LOG_LEVEL=INFO", "-v"]


def run_crawl(*args: str, archive: pathlib.Path, timeout: float = 120, fast: bool = True,
              **popen) -> subprocess.CompletedProcess:
    cmd = OGI + ["crawl", "--archive", str(archive), "--allow-private", *(FAST if fast else []),
                 *args]
    env = dict(os.environ, OGI_CONTACT="tests@localhost")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=env, **popen)


def write_registry(path: pathlib.Path, *portals: dict, extra: str = "") -> pathlib.Path:
    """A registry file of test-bed portals (crawler/registry format): each portal a dict of
    code, agency, column URL and optionally region_code (default: the code), level, platform
    (trs), domains (127.0.0.1), source (test bed); `extra` is appended verbatim (YAML)."""
    lines = ["portals:"]
    for p in portals:
        p = {"region_code": p["code"], "platform": "trs", "domains": ["127.0.0.1"],
             "source": "test bed", **p}
        lines.append(f'  - code: "{p["code"]}"')
        lines.append(f'    agency: {p["agency"]}')
        lines.append(f'    region_code: "{p["region_code"]}"')
        if p.get("level"):
            lines.append(f'    level: {p["level"]}')
        lines.append(f'    domains: [{", ".join(p["domains"])}]')
        lines.append("    column_urls: [" + ", ".join(f'"{u}"' for u in p.get("column_urls", [])) + "]")
        if p.get("platform"):
            lines.append(f'    platform: {p["platform"]}')
        lines.append(f'    source: {p["source"]}')
    path.write_text("\n".join(lines) + "\n" + extra, "utf-8")
    return path


def last_run(archive: pathlib.Path) -> dict:
    runs = sorted((archive / "runs").glob("*.json"))
    assert runs, f"no run summary in {archive}/runs"
    return json.loads(runs[-1].read_text("utf-8"))


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr (tail)\n{proc.stderr[-6000:]}"
