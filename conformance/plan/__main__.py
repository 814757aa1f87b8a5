"""``python -m conformance.plan``: validate plans, show them, maintain the published schema.

::

    python -m conformance.plan validate testplans/*.yaml   # one line per mistake, exit 1
    python -m conformance.plan show testplans/simulator.yaml  # effective plan, secrets hidden
    python -m conformance.plan write-schema                # regenerate plan.schema.json
    python -m conformance.plan check-schema                # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from conformance.errors import PlanError
from conformance.plan.dump import dump_plan
from conformance.plan.loader import load_plan
from conformance.plan.schema import check_schema, schema_path, write_schema


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m conformance.plan",
                                     description="Test plan tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="load plans and report every mistake")
    validate.add_argument("plans", nargs="+")
    show = sub.add_parser("show", help="print the effective plan (secrets hidden)")
    show.add_argument("plan")
    sub.add_parser("write-schema", help="regenerate the published JSON Schema")
    sub.add_parser("check-schema", help="fail when the published JSON Schema is stale")
    args = parser.parse_args(argv)

    if args.command == "write-schema":
        print(f"wrote {write_schema()}")
        return 0
    if args.command == "check-schema":
        if check_schema():
            return 0
        print(f"{schema_path()} is stale: run python -m conformance.plan write-schema",
              file=sys.stderr)
        return 1
    if args.command == "show":
        try:
            sys.stdout.write(dump_plan(load_plan(args.plan)))
        except PlanError as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    status = 0
    for path in args.plans:
        try:
            plan = load_plan(path)
        except PlanError as exc:
            print(exc, file=sys.stderr)
            status = 1
        else:
            print(f"{path}: ok ({len(plan.meters)} meter(s))")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
