"""python -m crawler.demo --port 8000: serve the demo portal on loopback until stopped."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import DEMO_COLUMN, serve


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.demo",
                                 description="Serve the demo portal on loopback.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args(argv)
    try:
        cm = serve(args.host, args.port)
        base = cm.__enter__()
    except OSError as exc:
        print(f"demo portal: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"serving the demo portal at {base} (report column: {base.url(DEMO_COLUMN)})",
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        cm.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
