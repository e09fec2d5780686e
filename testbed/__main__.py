"""python -m testbed --site trs --port 8000 [--fault 500 --fault challenge | --fault all]"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import DEMO_COLUMN, FAULTS, SITE_NAMES, serve


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m testbed",
                                 description="Serve a simulated government portal on loopback.")
    ap.add_argument("--site", default="demo", choices=SITE_NAMES)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--fault", action="append", default=[],
                    help="switch a fault on (repeatable): all, " + ", ".join(FAULTS))
    ap.add_argument("--documents-dir", default=None,
                    help="real PDF/DOCX files to serve as report attachments (test bed sites)")
    args = ap.parse_args(argv)
    try:
        cm = serve(args.site, args.host, args.port, faults=args.fault,
                   documents_dir=args.documents_dir)
        base = cm.__enter__()
    except (OSError, ValueError) as exc:
        print(f"portal: cannot serve {args.site!r} on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 2
    column = DEMO_COLUMN if args.site == "demo" else getattr(base.site, "column_path", "/")
    print(f"serving site {args.site!r} at {base} (report column: {base.url(column)})", flush=True)
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
