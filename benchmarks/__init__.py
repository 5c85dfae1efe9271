"""vizkit benchmarks: run as ``python -m benchmarks [WORKLOAD ...] [--json]``.

Each ``benchmarks/bench_*.py`` module registers workloads with :func:`benchmarks.harness.workload`.
A workload returns rows (dicts) for vizkit *and* its comparison implementations measured in the
same run; the harness prints a table with ratios to the ``floor`` (raw moderngl) row, or JSON
lines with ``--json``. Benchmarks are run on demand, never by the test suite.
"""
