"""Disclosure control benchmarks: threshold + cell key on 10M records; secondary suppression.

``privacy_10m_records``: 10 million synthetic trips (integer id, origin and destination among 290
municipality codes, skewed so many flows are small) are written to a temporary Parquet file
(not timed). Timed: Parquet → OD counts with cell keys → threshold + cell key noise, once through
ibis/DuckDB (``aggregate_od``, the policy inside the query) and once in plain pandas
(``read_parquet`` → ``record_keys`` → ``groupby`` → ``Policy.protect``). Target: < 3 s on DuckDB.

``secondary_1000x300``: secondary suppression of a 1000 × 300 table with totals.

Under ``--quick``: 20,000 records and a 40 × 12 table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import Row, median_seconds, row, sized, workload
from vizkit.privacy import (
    DEFAULT_POLICY,
    NoiseTable,
    aggregate_od,
    record_keys,
    secondary_suppression,
)
from vizkit.privacy.cellkey import MASK32

N_RECORDS = int(os.environ.get("PRIVACY_RECORDS", str(sized(10_000_000, 20_000))))
ROWS, COLUMNS = sized(1000, 40), sized(300, 12)
POLICY = DEFAULT_POLICY.with_(noise=NoiseTable(), flows="remove", seed=1)


def _write_records(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    origin = rng.integers(0, 290, n, dtype=np.int32)
    dest = (origin + np.minimum(rng.zipf(1.5, n), 289)) % 290
    pd.DataFrame({"id": rng.permutation(n).astype(np.int64), "origin": origin,
                  "destination": dest.astype(np.int32)}).to_parquet(path, row_group_size=1 << 20)


def _pandas(path: Path) -> pd.DataFrame:
    rec = pd.read_parquet(path)
    rec["_rk"] = record_keys(rec["id"].to_numpy(), POLICY.seed)
    od = rec.groupby(["origin", "destination"], sort=False).agg(
        volume=("_rk", "size"), cell_key=("_rk", "sum")).reset_index()
    od["cell_key"] &= MASK32
    return POLICY.protect(od, count="volume", keys=["origin", "destination"])


def _duckdb(path: Path) -> pd.DataFrame:
    return aggregate_od(path, origin="origin", destination="destination", record_id="id",
                        policy=POLICY).execute()


@workload("privacy_10m_records")
def privacy_10m_records() -> Iterator[Row]:
    """Threshold + cell key noise on 10M raw records: ibis/DuckDB vs plain pandas."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trips.parquet"
        _write_records(path, N_RECORDS)
        a, b = _duckdb(path), _pandas(path)
        key = ["origin", "destination"]
        a, b = (f.sort_values(key).reset_index(drop=True)[[*key, "volume"]] for f in (a, b))
        same = bool(a.equals(b.astype(a.dtypes.to_dict())))
        cells = len(a)
        hidden = int(a["volume"].isna().sum())
        duck = median_seconds(lambda: _duckdb(path), repeat=5)
        pand = median_seconds(lambda: _pandas(path), repeat=3)
    yield row("privacy_10m_records", "vizkit-duckdb", seconds_median=round(duck, 3),
              records=N_RECORDS, cells=cells, hidden=hidden, note_same_as_pandas=same,
              ratio_pandas_over_duckdb=round(pand / duck, 2))
    yield row("privacy_10m_records", "pandas", seconds_median=round(pand, 3),
              records=N_RECORDS, cells=cells)


@workload("secondary_1000x300")
def secondary_1000x300() -> Iterator[Row]:
    """Secondary suppression of a 1000 × 300 table with row, column and grand totals."""
    rng = np.random.default_rng(0)
    # row sizes and column shares vary a lot, as in region × category tables
    rows = np.exp(rng.normal(3.0, 1.3, (ROWS, 1)))
    cols = rng.dirichlet(np.full(COLUMNS, 0.8))[None, :] * COLUMNS
    sparse = (np.exp(rng.normal(4.5, 0.6, (ROWS, 1))) * rng.dirichlet(np.full(COLUMNS, 6.0))
              * COLUMNS)
    for name, table in (
        ("skewed, many small cells", rng.poisson(rows * cols)),
        ("few small cells", rng.poisson(sparse)),
        ("uniform mean 8", rng.poisson(8.0, (ROWS, COLUMNS))),
    ):
        hidden = secondary_suppression(table, k=5)
        primary = int(((table > 0) & (table < 5)).sum())
        secs = median_seconds(lambda t=table: secondary_suppression(t, k=5), repeat=3)
        yield row("secondary_1000x300", f"vizkit ({name})", seconds_median=round(secs, 3),
                  primary=primary, note_cells=f"{primary} primary + "
                  f"{int(hidden[:-1, :-1].sum()) - primary} complementary cells, "
                  f"{int(hidden[-1].sum() + hidden[:, -1].sum() - hidden[-1, -1])} totals hidden")
