"""Policies on count tables: threshold, rounding, cell key noise, statements, opt-out."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vizkit.privacy import (
    DEFAULT_POLICY,
    NoiseTable,
    Policy,
    record_keys,
    round_to_base,
)
from vizkit.privacy.cellkey import KEY_RANGE, MASK32


def table(values, codes=None) -> pd.DataFrame:
    codes = codes if codes is not None else [f"{i:04d}" for i in range(len(values))]
    return pd.DataFrame({"region": codes, "label": [f"Region {c}" for c in codes],
                         "value": values})


POLICIES = [
    DEFAULT_POLICY,
    DEFAULT_POLICY.with_(k=3),
    DEFAULT_POLICY.with_(rounding=5),
    DEFAULT_POLICY.with_(rounding=3, random_rounding=True, seed=4),
    DEFAULT_POLICY.with_(noise=NoiseTable()),
    DEFAULT_POLICY.with_(k=7, rounding=5, random_rounding=True, noise=NoiseTable(3, 2.0)),
    DEFAULT_POLICY.with_(k=10, rounding=10, noise=NoiseTable()),
]


def test_default_policy_hides_small_values_and_keeps_the_rest():
    out = DEFAULT_POLICY.protect(table([0, 1, 4, 5, 120]))
    assert out["value"].isna().tolist() == [False, True, True, False, False]
    assert out["suppressed"].tolist() == [False, True, True, False, False]
    assert out["value"].iloc[[0, 3, 4]].tolist() == [0, 5, 120]
    assert out["rule"].tolist() == ["", "threshold", "threshold", "", ""]
    assert out["label"].tolist()[1] == "Region 0001"


def test_protect_returns_a_new_frame_without_raw_values():
    df = table([3, 7, 2, 40]).assign(raw_share=[0.1, 0.2, 0.3, 0.4])
    before = df.copy()
    out = DEFAULT_POLICY.protect(df, keys=["region"])
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert "raw_share" not in out.columns  # other numbers might be raw values
    assert not {3, 2} & set(out["value"].dropna())
    attrs = json.dumps(out.attrs)  # serialisable, and holds no raw value or the seed
    assert out.attrs["privacy"]["statement"] == "Values below 5 are not shown."
    assert "seed" not in attrs and out.attrs["privacy"]["policy"]["k"] == 5


@pytest.mark.parametrize("policy", POLICIES)
def test_statement_names_the_threshold(policy):
    assert f"below {policy.k} are not shown" in policy.statement
    if policy.rounding:
        assert f"multiple of {policy.rounding}" in policy.statement
    if policy.noise:
        assert f"±{policy.noise.max_deviation}" in policy.statement


def test_statement_examples():
    assert DEFAULT_POLICY.with_(rounding=5).statement == (
        "Values below 5 are not shown. Other values are rounded to a multiple of 5, so parts "
        "need not add up to totals.")


def test_opt_out_is_explicit_and_logged(caplog):
    with pytest.raises(ValueError, match="reason"):
        Policy(enabled=False)
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        off = Policy.off("synthetic demo data, no persons")
        out = off.protect(table([1, 2, 30]))
    assert out["value"].tolist() == [1, 2, 30]
    messages = [r.getMessage() for r in caplog.records if r.name == "vizkit.privacy"]
    assert len(messages) == 2 and all("synthetic demo data" in m for m in messages)
    assert "without disclosure protection" in off.statement


def test_policy_from_exhibit_config_round_trips(caplog):
    p = Policy.from_config({"k": 10, "rounding": 5, "noise": {"max_deviation": 3,
                                                             "variance": 2.0}})
    assert p == Policy(k=10, rounding=5, noise=NoiseTable(3, 2.0))
    assert Policy.from_config(p.params()) == p
    assert Policy.from_config({}) == DEFAULT_POLICY
    assert Policy.from_config({"noise": True}).noise == NoiseTable()
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        off = Policy.from_config({"off": "weather stations"})
    assert not off.enabled and "weather stations" in caplog.text
    with pytest.raises(ValueError, match="treshold"):
        Policy.from_config({"treshold": 5})


def test_invalid_policies_are_refused():
    with pytest.raises(ValueError):
        Policy(k=0)
    with pytest.raises(ValueError):
        Policy(random_rounding=True)
    with pytest.raises(ValueError):
        Policy(flows="hide")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NoiseTable(2, 5.0)


def test_duplicate_cells_are_refused():
    with pytest.raises(ValueError, match="more than one row per cell"):
        DEFAULT_POLICY.protect(table([1, 2], codes=["a", "a"]))


# ---- rounding ------------------------------------------------------------------------------

@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=200), st.sampled_from([2, 3, 5, 10]),
       st.booleans(), st.integers(0, 2**31))
def test_rounding_bounds(counts, base, random, seed):
    n = np.array(counts)
    keys = record_keys(np.arange(n.size) + seed) if random else None
    r = round_to_base(n, base, keys=keys)
    assert (r % base == 0).all()
    assert (np.abs(r - n) < base).all()
    if not random:
        assert (np.abs(r - n) <= base / 2).all()


def test_random_rounding_is_unbiased_over_seeds():
    n = np.arange(0, 40)
    seeds = 4000
    keys = np.stack([record_keys(np.arange(n.size), seed=s) for s in range(seeds)])
    mean = round_to_base(np.broadcast_to(n, keys.shape).ravel(), 5, keys=keys.ravel())
    mean = mean.reshape(keys.shape).mean(axis=0)
    # the standard error is at most 2.5 / sqrt(4000) ≈ 0.04
    np.testing.assert_allclose(mean, n, atol=0.15)


def test_random_rounding_is_the_same_in_every_run_and_view():
    df = table(np.arange(5, 60))
    p = DEFAULT_POLICY.with_(rounding=10, random_rounding=True, seed=11)
    a = p.protect(df)
    b = p.protect(df.iloc[::-1].reset_index(drop=True))  # another view of the same cells
    merged = a.merge(b, on="region")
    assert (merged["value_x"] == merged["value_y"]).all()
    assert (a["rule"] == "rounding").any()


# ---- cell key noise --------------------------------------------------------------------------

@pytest.mark.parametrize("noise", [NoiseTable(), NoiseTable(1, 0.5), NoiseTable(3, 2.5)])
def test_noise_table_is_documented_and_unbiased(noise):
    t = noise.table(k=5)
    assert set(t.columns) >= {"n", "v", "p", "key_from", "key_to", "row_variance"}
    for _, row in t.groupby("n"):
        assert row["p"].sum() == pytest.approx(1.0)
        assert (row["p"] * row["v"]).sum() == pytest.approx(0.0, abs=1e-12)  # unbiased
        assert row["key_from"].iloc[0] == 0 and row["key_to"].iloc[-1] == KEY_RANGE
    full = t[t["n"].str.startswith(">=")]
    assert full["row_variance"].iloc[0] == pytest.approx(noise.variance, rel=1e-6)
    assert full["v"].abs().max() == noise.max_deviation
    # empirically, uniform keys give the documented distribution
    keys = record_keys(np.arange(200_000))
    v = noise.noise(np.full(keys.size, 100), keys, k=5)
    assert np.abs(v).max() == noise.max_deviation
    assert v.mean() == pytest.approx(0, abs=0.02)
    assert v.var() == pytest.approx(noise.variance, rel=0.03)


def _cells_from_records(rec: pd.DataFrame, keys: list[str], seed: int) -> pd.DataFrame:
    rec = rec.assign(_rk=record_keys(rec["person_id"], seed))
    out = rec.groupby(keys).agg(value=("_rk", "size"), cell_key=("_rk", "sum")).reset_index()
    out["cell_key"] &= MASK32
    return out


def test_cell_key_noise_is_the_same_across_runs_and_tables():
    rng = np.random.default_rng(5)
    rec = pd.DataFrame({"person_id": rng.permutation(50_000),
                        "region": rng.choice(["0114", "0115", "0117", "0120"], 50_000),
                        "sex": rng.choice(["men", "women"], 50_000),
                        "age": rng.integers(0, 100, 50_000) // 10})
    policy = DEFAULT_POLICY.with_(noise=NoiseTable(), seed=99)
    by_region_sex = policy.protect(_cells_from_records(rec, ["region", "sex"], 99))
    again = policy.protect(_cells_from_records(rec.sample(frac=1, random_state=1),
                                               ["region", "sex"], 99))
    pd.testing.assert_frame_equal(by_region_sex, again)
    # another table holding the same cells: region × sex × an all-ages column
    wider = _cells_from_records(rec.assign(all_ages="all"), ["region", "sex", "all_ages"], 99)
    other = policy.protect(wider).drop(columns="all_ages")
    pd.testing.assert_frame_equal(by_region_sex, other)
    assert (by_region_sex["rule"] == "cell_key").any()
    # and the noise is real: not every cell equals its raw count
    raw = _cells_from_records(rec, ["region", "sex"], 99)["value"]
    assert (by_region_sex["value"] != raw).any()
    assert (by_region_sex["value"] - raw).abs().max() <= 2


def test_noise_without_record_keys_uses_the_cell_identity():
    p = DEFAULT_POLICY.with_(noise=NoiseTable())
    df = table(np.arange(5, 105))
    a = p.protect(df)
    b = p.protect(df.sample(frac=1, random_state=0).iloc[:50])
    m = a.merge(b, on="region")
    assert (m["value_x"] == m["value_y"]).all()


# ---- the main promise, on random tables ------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 12), st.integers(0, 10**6)), min_size=1, max_size=60),
       st.sampled_from(range(len(POLICIES))), st.booleans())
def test_no_shown_value_is_below_k(values, which, secondary):
    policy = POLICIES[which].with_(secondary=secondary)
    out = policy.protect(table(values), totals=secondary)
    shown = out.loc[~out["suppressed"], "value"]
    assert shown.notna().all() and out.loc[out["suppressed"], "value"].isna().all()
    positive = shown[shown > 0]
    assert (positive >= policy.k).all()
    # zero stays zero; a hidden cell is never zero
    raw = np.array(values)
    cells = out.iloc[: len(values)]
    assert (cells.loc[raw == 0, "value"] == 0).all()
    assert not cells.loc[raw == 0, "suppressed"].any()
    # legend extremes come from the protected data and respect k
    if positive.size:
        assert positive.min() >= policy.k
    # noise and rounding stay within their documented bounds
    bound = (policy.noise.max_deviation if policy.noise else 0) + (policy.rounding or 1) - 1
    dev = (cells["value"] - raw)[~cells["suppressed"]]
    assert (dev.abs() <= bound).all()
