"""Command line: ``python -m benchmarks [WORKLOAD ...] [--json] [--list] [--quick]``.

Every named workload runs (all of them by default), even when an earlier one fails. A failing
workload is reported with its error as it happens and once more in a closing list; the exit
status is 1 when any workload failed, so ``python -m benchmarks --quick`` in CI fails on a
broken workload and says which.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback

import benchmarks
from benchmarks import harness
from benchmarks.harness import WORKLOADS

RATIO_KEYS = ("ms_per_frame_median", "setup_s", "seconds_median")


def load_modules() -> None:
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{info.name}")


def print_table(rows: list[dict]) -> None:
    """Print rows grouped by workload with ratios to the 'floor' row where there is one."""
    by_workload: dict[str, list[dict]] = {}
    for r in rows:
        by_workload.setdefault(str(r["workload"]), []).append(r)
    for name, group in by_workload.items():
        floor = next((r for r in group if str(r["impl"]).startswith("floor")), None)
        print(f"\n== {name}")
        print(f"{'impl':38s} {'ms/frame':>10s} {'cpu issue ms':>12s} {'setup s':>8s} "
              f"{'upload B/frame':>14s} {'seconds':>8s} {'peak RSS MB':>11s} "
              f"{'ratio/floor':>11s}")
        for r in group:
            ratio = ""
            if floor is not None and r is not floor:
                for key in RATIO_KEYS:
                    if r.get(key) is not None and floor.get(key):
                        ratio = f"{float(r[key]) / float(floor[key]):.2f}x"
                        break

            def fmt(key: str, spec: str, r: dict = r) -> str:
                v = r.get(key)
                return format(v, spec) if isinstance(v, (int, float)) else "-"

            print(f"{r['impl']!s:38s} {fmt('ms_per_frame_median', '10.1f')} "
                  f"{fmt('cpu_issue_ms_median', '12.3f')} {fmt('setup_s', '8.2f')} "
                  f"{fmt('upload_bytes_per_frame', '14d')} {fmt('seconds_median', '8.3f')} "
                  f"{fmt('peak_rss_mb', '11.1f')} {ratio:>11s}")
            notes = {k: v for k, v in r.items() if k.startswith("note") or k.startswith("ratio_")}
            for k, v in notes.items():
                print(f"    {k}: {v}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("workloads", nargs="*", help="workload names (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--list", action="store_true", help="list workloads and exit")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, a few frames: check every workload runs (no timing "
                             "claims)")
    args = parser.parse_args(argv)
    if args.quick:
        harness.set_quick()
    load_modules()
    if args.list:
        for w in WORKLOADS.values():
            print(f"{w.name:28s} {w.description}")
        return 0
    names = args.workloads or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        print(f"unknown workload(s): {', '.join(unknown)}; known: {', '.join(WORKLOADS)}",
              file=sys.stderr)
        return 2
    rows: list[dict] = []
    failures = run(names, rows, as_json=args.json)
    if not args.json:
        print_table(rows)
        if args.quick:
            print("\n(--quick: tiny sizes and 2 frames; these timings mean nothing)")
    if failures:
        print(f"\n{len(failures)} of {len(names)} workload(s) failed:", file=sys.stderr)
        for name, error in failures.items():
            print(f"  {name}: {error}", file=sys.stderr)
        return 1
    return 0


def run(names: list[str], rows: list[dict], *, as_json: bool = False) -> dict[str, str]:
    """Run each workload, collecting its rows; return workload name → one-line error for
    those that raised (the traceback goes to stderr as it happens)."""
    failures: dict[str, str] = {}
    for name in names:
        started = time.perf_counter()
        harness.reset_peak_rss()
        try:
            mine: list[dict] = []
            for r in WORKLOADS[name].fn():
                r.setdefault("peak_rss_mb", harness.peak_rss_mb())
                mine.append(r)
                rows.append(r)
                if as_json:
                    print(json.dumps(r), flush=True)
            check = harness.setup_check(name, mine)   # setup side by side with vispy's
            if check is not None:
                rows.append(check)
                if as_json:
                    print(json.dumps(check), flush=True)
        except Exception as exc:  # a broken workload must not hide the others
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            failures[name] = error
            traceback.print_exc(file=sys.stderr)
            print(f"FAILED {name} after {time.perf_counter() - started:.1f} s: {error}",
                  file=sys.stderr, flush=True)
    return failures


if __name__ == "__main__":
    sys.exit(main())
