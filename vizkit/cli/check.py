"""``vizkit check``: read a data file and print its quality (and disclosure) report."""

from __future__ import annotations

import argparse
import sys

from vizkit.cli.common import EXIT_FAILED


def add_parser(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="read a data file and print its quality report",
                           description="Read DATA (JSON-stat, PxWeb json, CSV, Parquet, GeoJSON) "
                                       "and report rows, dimensions, missing and flagged cells, "
                                       "duplicates, timeliness and licence.")
    check.add_argument("data", help="data file")
    check.add_argument("--json", action="store_true", help="machine-readable JSON")
    check.add_argument("--min-count", type=int, default=None,
                       help="also report what disclosure control at this threshold changes")
    check.add_argument("--regions", default=None,
                       help="GeoJSON of regions: report codes without geometry")


def cmd_check(args: argparse.Namespace) -> int:
    try:
        from vizkit.quality import check_command
    except ImportError as exc:
        print(f"vizkit check: the data quality module is not available ({exc})",
              file=sys.stderr)
        return EXIT_FAILED
    return check_command(args.data, as_json=args.json, min_count=args.min_count,
                         regions=args.regions)
