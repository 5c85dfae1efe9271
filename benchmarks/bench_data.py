"""Data-in benchmarks: reading a 1M-cell JSON-stat table, gridding 10M points.

Synthetic inputs are generated into a temporary folder at run time (fixed seed). Timings are
the median wall time of whole calls (``median_seconds``), file reading and JSON parsing
included. Under ``--quick`` the table has 2,000 cells and the grid 10,000 points.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.harness import Row, median_seconds, row, sized, workload
from vizkit.data import grid_points, read_jsonstat

JSONSTAT_TARGET_S = 2.0
GRID_TARGET_S = 1.0


def make_jsonstat(path: Path, seed: int = 0) -> int:
    """Write a JSON-stat 2.0 dataset of 250 regions × 2 sexes × 100 ages × 20 years (1M cells;
    5 × 2 × 100 × 2 under ``--quick``) with 1 % nulls and a sparse status on 1 % of the cells;
    return the cell count."""
    rng = np.random.default_rng(seed)
    dims = {"Region": [f"{i:04d}" for i in range(sized(250, 5))], "Kon": ["1", "2"],
            "Alder": [str(i) for i in range(100)],
            "Tid": [str(2000 + i) for i in range(sized(20, 2))]}
    n = int(np.prod([len(v) for v in dims.values()]))
    values = rng.integers(0, 5000, n).astype(object)
    values[rng.random(n) < 0.01] = None
    flagged = np.flatnonzero(rng.random(n) < 0.01)
    doc = {
        "version": "2.0", "class": "dataset", "label": "Synthetic 1M-cell table",
        "source": "vizkit benchmark", "updated": "2024-01-01", "id": list(dims),
        "size": [len(v) for v in dims.values()],
        "dimension": {d: {"label": d, "category": {
            "index": {c: i for i, c in enumerate(codes)},
            "label": {c: f"{d} {c}" for c in codes}}} for d, codes in dims.items()},
        "value": values.tolist(),
        "status": {str(i): "." for i in flagged},
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return n


@workload("jsonstat_1m")
def jsonstat_1m() -> Iterator[Row]:
    """Read a 1M-cell JSON-stat 2.0 file into a tidy DataFrame (target < 2 s); vs pyjstat."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.json"
        n = make_jsonstat(path)
        size_mb = round(path.stat().st_size / 1e6, 1)
        frame = read_jsonstat(path)
        assert len(frame) == n
        ours = median_seconds(lambda: read_jsonstat(path), repeat=5)
        assert frame["value"].notna().sum() > 0.9 * n  # about 1 % nulls, the rest read
        yield row("jsonstat_1m", "vizkit", seconds_median=round(ours, 3), cells=n,
                  file_mb=size_mb, target_s=JSONSTAT_TARGET_S,
                  meets_target=ours < JSONSTAT_TARGET_S)
        try:
            from pyjstat import pyjstat
        except ImportError:
            yield row("jsonstat_1m", "pyjstat", note="skipped: pyjstat is not installed "
                      "(pip install vizkit[bench])")
            return

        def with_pyjstat() -> object:
            text = path.read_text(encoding="utf-8")
            return pyjstat.Dataset.read(text).write("dataframe")

        theirs = median_seconds(with_pyjstat, repeat=3)
        yield row("jsonstat_1m", "pyjstat", seconds_median=round(theirs, 3), cells=n,
                  note="pyjstat.Dataset.read(text).write('dataframe'): labels only, no codes "
                  "or status columns", ratio_pyjstat_over_vizkit=round(theirs / ours, 2))


@workload("grid_10m_points")
def grid_10m_points() -> Iterator[Row]:
    """Bin 10M weighted points into a 1 km grid (target < 1 s)."""
    rng = np.random.default_rng(1)
    n = sized(10_000_000, 10_000)
    # clustered like population: a few towns with Gaussian spread, in SWEREF99 TM metres
    centres = rng.uniform([550_000, 6_550_000], [750_000, 6_750_000], size=(20, 2))
    which = rng.integers(0, len(centres), n)
    x = centres[which, 0] + rng.normal(0, 8_000, n)
    y = centres[which, 1] + rng.normal(0, 8_000, n)
    w = rng.random(n)
    grid = grid_points(x, y, w, cell_size=1000)
    assert abs(grid.total() - w.sum()) < 1e-6 * n
    auto = median_seconds(lambda: grid_points(x, y, w, cell_size=1000), repeat=5)
    extent = (560_000.0, 6_560_000.0, 740_000.0, 6_740_000.0)
    clipped = median_seconds(lambda: grid_points(x, y, w, cell_size=250, extent=extent),
                             repeat=5)
    yield row("grid_10m_points", "vizkit", seconds_median=round(auto, 3), points=n,
              cells=int(np.prod(grid.shape)), target_s=GRID_TARGET_S,
              meets_target=auto < GRID_TARGET_S, note="weighted, 1 km cells, extent inferred")
    yield row("grid_10m_points", "vizkit (250 m, clipped)", seconds_median=round(clipped, 3),
              points=n, target_s=GRID_TARGET_S, meets_target=clipped < GRID_TARGET_S,
              note="weighted, 250 m cells, explicit extent with out-of-extent points dropped")
    bins = (np.arange(extent[0], extent[2] + 1, 250.0), np.arange(extent[1], extent[3] + 1, 250.0))
    hist = median_seconds(lambda: np.histogram2d(y, x, bins=bins[::-1], weights=w), repeat=3)
    yield row("grid_10m_points", "numpy.histogram2d (250 m)", seconds_median=round(hist, 3),
              points=n, note="same 250 m grid as the clipped row, for comparison",
              ratio_histogram2d_over_vizkit=round(hist / clipped, 2))
