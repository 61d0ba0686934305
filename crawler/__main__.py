"""`python -m crawler` runs the `chinareport` command line."""

from __future__ import annotations

from crawler.cli import main

if __name__ == "__main__":
    main()
