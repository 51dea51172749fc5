"""``python -m scraper.sample_site``: serve the sample site until Ctrl-C."""

from __future__ import annotations

import argparse

from .model import SiteOptions
from .server import run_sample_site


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m scraper.sample_site", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--loadmore-shape", choices=("html", "contents"), default="html")
    parser.add_argument("--disallow-api", action="store_true", help="robots.txt disallows /api/")
    args = parser.parse_args(argv)
    options = SiteOptions(loadmore_shape=args.loadmore_shape, robots_disallow_api=args.disallow_api)
    run_sample_site(args.port, host=args.host, options=options)


if __name__ == "__main__":
    main()
