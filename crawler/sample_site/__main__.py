"""Serve the sample site until killed: ``python -m crawler.sample_site [--articles N]``.

Prints the server's URL on one line (for subprocess tests), then serves.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from crawler.sample_site import build_site, serve


def main(argv: list[str] | None = None) -> int:
    """Build the site, serve it, print its URL, and wait for SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m crawler.sample_site", description=__doc__)
    parser.add_argument("--articles", type=int, default=64, help="number of articles (>= 12)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--links-per-page", type=int, default=None, help="links on article pages")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each response")
    args = parser.parse_args(argv)
    site = build_site(args.articles, args.seed, links_per_page=args.links_per_page)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with serve(site, args.host, args.port, delay=args.delay) as server:
        print(server.url, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
