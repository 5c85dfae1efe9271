"""Raw records → protected aggregates with ibis: equal to the pandas path on DuckDB and Spark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vizkit.privacy import (
    DEFAULT_POLICY,
    NoiseTable,
    Policy,
    aggregate_grid,
    aggregate_od,
    protect_flows,
    protect_grid,
    record_keys,
)
from vizkit.privacy.cellkey import MASK32

CELL = 1000.0
FACTOR = 5
POLICIES = {
    "default": DEFAULT_POLICY,
    "remove": DEFAULT_POLICY.with_(flows="remove"),
    "noise+random-rounding": DEFAULT_POLICY.with_(noise=NoiseTable(), rounding=3,
                                                  random_rounding=True, seed=7),
    "k3-rounding": DEFAULT_POLICY.with_(k=3, rounding=5, noise=NoiseTable(1, 0.5), seed=2),
}


def make_records(n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # skewed destinations: many small flows, some large ones
    dest = np.minimum(rng.zipf(1.6, n), 60)
    return pd.DataFrame({
        "trip_id": rng.choice(np.arange(-(2**40), 2**40, 2**20), n, replace=False),
        "origin": rng.choice([f"{c:04d}" for c in (114, 115, 117, 120, 123, 125)], n),
        "destination": dest,
        "hour": rng.integers(6, 9, n),
        "x": rng.uniform(0, 20 * CELL, n) ** 1.0,
        "y": rng.exponential(4 * CELL, n).clip(0, 20 * CELL - 1),
    })


def od_reference(rec: pd.DataFrame, policy: Policy, by: list[str]) -> pd.DataFrame:
    rec = rec.assign(_rk=record_keys(rec["trip_id"], policy.seed))
    keys = ["origin", "destination", *by]
    counts = rec.groupby(keys).agg(volume=("_rk", "size"), cell_key=("_rk", "sum")).reset_index()
    counts["cell_key"] &= MASK32
    return protect_flows(counts, policy=policy, by=by)


def normalise(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.copy()
    for k in keys:
        out[k] = out[k].astype(str)
    out = out.sort_values(keys).reset_index(drop=True)
    return out[[*keys, *[c for c in out.columns if c not in keys]]]


def assert_od_equal(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    got, want = normalise(got, keys), normalise(want, keys)
    assert list(got.columns) == [*keys, "volume", "suppressed", "rule"]
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return make_records()


@pytest.mark.parametrize("name", list(POLICIES))
@pytest.mark.parametrize("by", [[], ["hour"]])
def test_od_on_duckdb_equals_pandas(records, name, by):
    policy = POLICIES[name]
    expr = aggregate_od(records, origin="origin", destination="destination",
                        time=by[0] if by else None, record_id="trip_id", policy=policy)
    assert "_n" not in expr.columns and "_ck" not in expr.columns  # raw never selected
    got = expr.execute()
    want = od_reference(records, policy, by)
    assert_od_equal(got, want, ["origin", "destination", *by])
    shown = got.loc[~got["suppressed"], "volume"]
    assert (shown[shown > 0] >= policy.k).all()
    assert got["rule"].isin(["merged", "threshold"]).any()


def test_od_from_parquet_out_of_core(records, tmp_path):
    path = tmp_path / "trips.parquet"
    records.to_parquet(path)
    policy = POLICIES["noise+random-rounding"]
    got = aggregate_od(path, origin="origin", destination="destination", record_id="trip_id",
                       policy=policy).execute()
    assert_od_equal(got, od_reference(records, policy, []), ["origin", "destination"])


def test_od_with_a_record_key_column(records):
    policy = POLICIES["noise+random-rounding"]
    rec = records.assign(rkey=record_keys(records["trip_id"], policy.seed))
    got = aggregate_od(rec, origin="origin", destination="destination", record_key="rkey",
                       category="hour", policy=policy).execute()
    assert_od_equal(got, od_reference(records, policy, ["hour"]),
                    ["origin", "destination", "hour"])


def test_opt_out_returns_raw_counts_and_logs(records, caplog):
    with caplog.at_level("WARNING", logger="vizkit.privacy"):
        got = aggregate_od(records, origin="origin", destination="destination",
                           policy=Policy.off("synthetic trips")).execute()
    assert "synthetic trips" in caplog.text
    want = records.groupby(["origin", "destination"]).size()
    got = got.set_index(["origin", "destination"])["volume"].sort_index()
    np.testing.assert_array_equal(got.to_numpy(), want.sort_index().to_numpy())


def test_noise_needs_record_keys(records):
    with pytest.raises(ValueError, match="record_id"):
        aggregate_od(records, origin="origin", destination="destination",
                     policy=POLICIES["noise+random-rounding"])


def grid_reference(rec: pd.DataFrame, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    ix = np.floor(rec["x"] / CELL).astype(int)
    iy = np.floor(rec["y"] / CELL).astype(int)
    counts = np.zeros((20, 20))
    keys = np.zeros((20, 20), np.int64)
    np.add.at(counts, (iy, ix), 1)
    np.add.at(keys, (iy, ix), record_keys(rec["trip_id"], policy.seed))
    return protect_grid(counts, policy=policy, factor=FACTOR, cell_keys=keys & MASK32)


@pytest.mark.parametrize("name", ["default", "noise+random-rounding", "k3-rounding"])
@pytest.mark.parametrize("mode", ["drop", "coarsen"])
def test_grid_on_duckdb_equals_pandas(records, name, mode):
    policy = POLICIES[name].with_(grid=mode)
    got = aggregate_grid(records, x="x", y="y", cell_size=CELL, record_id="trip_id",
                         policy=policy, factor=FACTOR).execute()
    assert_grid_equal(got, *grid_reference(records, policy), policy)


def assert_grid_equal(got: pd.DataFrame, shown: np.ndarray, mask: np.ndarray,
                      policy: Policy) -> None:
    assert list(got.columns) == ["x", "y", "size", "value", "suppressed", "rule"]
    fine = got[got["size"] == CELL]
    r, c = (fine["y"] // CELL).astype(int), (fine["x"] // CELL).astype(int)
    np.testing.assert_array_equal(fine["value"].to_numpy(), shown[r, c])
    np.testing.assert_array_equal(fine["suppressed"].to_numpy(), mask[r, c])
    coarse = got[got["size"] == CELL * FACTOR]
    if policy.grid == "drop":
        assert coarse.empty
        return
    assert len(coarse) > 0 and (coarse["rule"].isin(["coarsened", "threshold"])).all()
    r, c = (coarse["y"] // CELL).astype(int), (coarse["x"] // CELL).astype(int)
    np.testing.assert_array_equal(coarse["value"].to_numpy(), shown[r, c])
    assert mask[r, c].all()


@pytest.mark.slow
def test_same_code_on_spark_local_mode(records):
    pytest.importorskip("pyspark")
    import ibis
    from pyspark.sql import SparkSession

    conf = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "1",
        "spark.default.parallelism": "1",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",  # tiny data: skip Java code generation
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
    }
    builder = SparkSession.builder.master("local[2]").appName("vizkit-privacy-test")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        con = ibis.pyspark.connect(spark)
        small = records.iloc[:3000]
        for name in ("default", "noise+random-rounding"):
            policy = POLICIES[name]
            got = con.execute(aggregate_od(small, origin="origin", destination="destination",
                                           time="hour", record_id="trip_id", policy=policy,
                                           backend=con))
            assert_od_equal(got, od_reference(small, policy, ["hour"]),
                            ["origin", "destination", "hour"])
        policy = POLICIES["noise+random-rounding"].with_(grid="coarsen")
        got = con.execute(aggregate_grid(small, x="x", y="y", cell_size=CELL,
                                         record_id="trip_id", policy=policy, backend=con))
        assert_grid_equal(got, *grid_reference(small, policy), policy)
    finally:
        spark.stop()
