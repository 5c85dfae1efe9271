"""The benchmark runner CI uses: quick mode reaches every workload, and a broken one fails the
run with its name and error, after the others have run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import sys
    from benchmarks import __main__ as cli, harness

    harness.set_quick()
    cli.load_modules = lambda: None          # only the two workloads below

    @harness.workload("broken")
    def broken():
        raise RuntimeError("disclosure control hid every flow")
        yield

    @harness.workload("fine")
    def fine():
        times = harness.time_frames(lambda i: None, lambda: None)
        yield harness.row("fine", "vizkit", times, size=harness.sized(1000, 10),
                          repeats=len([harness.median_seconds(lambda: None)]))

    sys.exit(cli.main(["--quick", "--json", "broken", "fine"]))
""")


def test_quick_run_reports_a_broken_workload_and_still_runs_the_rest() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         cwd=ROOT, check=False, timeout=120)
    assert run.returncode == 1, run.stderr
    # the workload after the broken one ran, with quick sizes and quick frame counts
    assert '"workload": "fine"' in run.stdout
    assert '"frames": 2' in run.stdout and '"size": 10' in run.stdout
    assert '"peak_rss_mb": ' in run.stdout                  # every row carries its memory
    err = run.stderr
    assert "FAILED broken after" in err
    assert err.rstrip().endswith("1 of 2 workload(s) failed:\n"
                                 "  broken: RuntimeError: disclosure control hid every flow")


def test_every_workload_is_registered_in_quick_mode() -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--list"],
                         capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    names = {line.split()[0] for line in run.stdout.splitlines() if line.strip()}
    assert {"example_scene", "jsonstat_1m", "grid_10m_points", "privacy_10m_records",
            "secondary_1000x300"} <= names


def test_setup_times_are_put_side_by_side_with_vispys(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.harness import setup_check

    rows = [{"workload": "w", "impl": "floor-moderngl", "setup_s": 0.1},
            {"workload": "w", "impl": "vizkit-terrain", "setup_s": 0.5},
            {"workload": "w", "impl": "vizkit-terrain-lit", "setup_s": 1.0},
            {"workload": "w", "impl": "vispy-surfaceplot", "setup_s": 3.0}]
    check = setup_check("w", rows)
    assert check is not None and check["impl"] == "setup-vs-vispy"
    assert check["vispy_setup_s"] == 3.0
    assert check["ratio_setup_vispy_to_vizkit"] == {"vizkit-terrain": 6.0,
                                                    "vizkit-terrain-lit": 3.0}
    assert check["setup_at_least_4x_faster"] is False          # 3.0 / 1.0 is below 4
    assert setup_check("w", rows[:3]) is None                   # no peer, no check
    skipped = [*rows[:3], {"workload": "w", "impl": "vispy-markers", "note": "skipped"}]
    assert setup_check("w", skipped) is None                    # a skipped peer has no time
