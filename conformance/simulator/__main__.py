"""``python -m conformance.simulator [options]``: the same as ``conformance simulate
[options]`` (run the reference meter; ``--help`` lists the options)."""

from __future__ import annotations

import sys

from conformance.cli import main

if __name__ == "__main__":
    sys.exit(main(["simulate", *sys.argv[1:]]))
