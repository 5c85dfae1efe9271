"""Flows (remove / merge into "other") and grids (drop / coarsen)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vizkit.privacy import DEFAULT_POLICY, NoiseTable, Policy, protect_flows, protect_grid

K = 5


def od(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "volume"])


def test_small_flows_are_merged_into_other_and_totals_kept():
    df = od([("A", "B", 2), ("A", "C", 3), ("A", "D", 40), ("B", "A", 3), ("B", "C", 9),
             ("B", "D", 30), ("C", "A", 50), ("D", "A", 2), ("D", "B", 2), ("D", "C", 40)])
    out = protect_flows(df, policy=DEFAULT_POLICY)
    a = out[out["origin"] == "A"].set_index("destination")
    assert a.loc["other", "volume"] == 5 and a.loc[["B", "C"], "suppressed"].all()
    assert a.loc["D", "volume"] == 40
    # B has one small flow: the next smallest is pooled with it, so 3 is not revealed
    b = out[out["origin"] == "B"].set_index("destination")
    assert b.loc["other", "volume"] == 12
    assert b.loc[["A", "C"], "rule"].tolist() == ["merged", "merged"]
    assert "other" not in set(out.loc[out["origin"] == "C", "destination"])
    # D's small flows pool to 4 < k: the smallest large flow joins them
    d = out[out["origin"] == "D"].set_index("destination")
    assert d.loc["other", "volume"] == 44 and d["suppressed"].drop("other").all()
    totals = out.groupby("origin")["volume"].sum()  # NaN (hidden) rows are skipped
    assert totals.to_dict() == df.groupby("origin")["volume"].sum().to_dict()
    assert "combined into 'other'" in out.attrs["privacy"]["statement"]


def test_remove_mode_marks_small_flows():
    df = od([("A", "B", 2), ("A", "C", 7)])
    out = protect_flows(df, policy=DEFAULT_POLICY.with_(flows="remove"))
    assert out["suppressed"].tolist() == [True, False]
    assert out["volume"].isna().tolist() == [True, False]
    assert "other" not in set(out["destination"])


def test_tiny_origin_hides_its_other_flow():
    out = protect_flows(od([("A", "B", 1), ("A", "C", 2)]), policy=DEFAULT_POLICY)
    other = out[out["destination"] == "other"]
    assert other["suppressed"].all() and other["volume"].isna().all()


flows = st.lists(
    st.tuples(st.sampled_from("ABCD"), st.integers(0, 30),
              st.one_of(st.integers(0, 6), st.integers(0, 500))),
    min_size=1, max_size=80,
)
policies = st.sampled_from([
    DEFAULT_POLICY,
    DEFAULT_POLICY.with_(k=3),
    DEFAULT_POLICY.with_(rounding=5),
    DEFAULT_POLICY.with_(noise=NoiseTable(), rounding=3, random_rounding=True),
])


@settings(max_examples=80, deadline=None)
@given(flows, policies)
def test_other_flow_preserves_origin_totals(rows, policy: Policy):
    df = od(rows).drop_duplicates(["origin", "destination"]).reset_index(drop=True)
    out = protect_flows(df, policy=policy)
    shown = out[~out["suppressed"]]
    assert (shown.loc[shown["volume"] > 0, "volume"] >= policy.k).all()
    raw_tot = df.groupby("origin")["volume"].sum()
    shown_tot = shown.groupby("origin")["volume"].sum().reindex(raw_tot.index, fill_value=0)
    n_shown = shown.groupby("origin").size().reindex(raw_tot.index, fill_value=0)
    per_flow = (policy.noise.max_deviation if policy.noise else 0) + (policy.rounding or 1) - 1
    big = raw_tot >= policy.k  # a whole origin below k cannot be shown at all
    assert ((shown_tot - raw_tot).abs()[big] <= per_flow * n_shown[big]).all()
    if not policy.noise and not policy.rounding:
        assert (shown_tot[big] == raw_tot[big]).all()
    # every small flow is hidden; no pooled "other" holds a single flow
    small = df[(df["volume"] > 0) & (df["volume"] < policy.k)]
    merged = out[out["rule"] == "merged"]
    assert set(zip(small.origin, small.destination.astype(str), strict=True)) <= set(
        zip(merged.origin, merged.destination, strict=True))
    assert (merged.groupby("origin").size() >= 2).all() or merged.empty or (
        raw_tot[merged.origin.unique()] < policy.k).any()


# ---- grids -----------------------------------------------------------------------------------

def test_grid_drop_hides_small_squares():
    g = np.array([[0, 3, 10], [7, 1, 0]])
    shown, mask = protect_grid(g, policy=DEFAULT_POLICY)
    assert mask.tolist() == [[False, True, False], [False, True, False]]
    assert np.isnan(shown[mask]).all()
    np.testing.assert_array_equal(shown[~mask], g[~mask])


def test_grid_coarsen_merges_blocks_instead_of_dropping():
    g = np.zeros((10, 10))
    g[0, 0] = 2  # a small square in block (0, 0)
    g[1, 1] = 9
    g[7, 7] = 12  # block (1, 1): all fine squares shown
    g[6, 8] = 1
    g[9, 9] = 3  # block (1, 1) now has small squares: merged into 16
    g[2, 7] = 20  # block (0, 1): untouched
    shown, mask = protect_grid(g, policy=DEFAULT_POLICY.with_(grid="coarsen"), factor=5)
    assert (shown[:5, :5] == 11).all() and mask[:5, :5].all()
    assert (shown[5:, 5:] == 16).all() and mask[5:, 5:].all()
    assert shown[2, 7] == 20 and not mask[:5, 5:].any()
    assert np.nansum(shown[~mask]) + 11 + 16 == g.sum()


def test_grid_coarsen_hides_small_blocks_and_pads_edges():
    g = np.zeros((7, 6))
    g[0, 0] = 1
    g[6, 5] = 30
    shown, mask = protect_grid(g, policy=DEFAULT_POLICY.with_(grid="coarsen"), factor=5)
    assert np.isnan(shown[:5, :5]).all() and mask[:5, :5].all()
    assert shown[6, 5] == 30


@settings(max_examples=60, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 17), st.integers(1, 17)),
              elements=st.one_of(st.integers(0, 6), st.integers(0, 100))),
       st.sampled_from(["drop", "coarsen"]), st.booleans())
def test_no_grid_square_below_k(g, mode, noisy):
    policy = DEFAULT_POLICY.with_(grid=mode, noise=NoiseTable() if noisy else None)
    shown, mask = protect_grid(g, policy=policy, factor=5)
    assert shown.shape == g.shape and mask.shape == g.shape
    vis = shown[~np.isnan(shown)]
    assert (vis[vis > 0] >= K).all()
    assert mask[(g > 0) & (g < K)].all()
    if not noisy and mode == "coarsen":
        # nothing is lost unless a whole block is below k
        assert np.nansum(np.where(mask, 0, shown)) <= g.sum()


@pytest.mark.parametrize("mode", ["drop", "coarsen"])
def test_grid_opt_out(mode, caplog):
    g = np.array([[1.0, 2.0]])
    policy = Policy.off("modelled terrain, no persons").with_(grid=mode)
    with caplog.at_level("WARNING", logger="vizkit.privacy"):
        shown, mask = protect_grid(g, policy=policy, factor=5)
    assert "modelled terrain" in caplog.text
    np.testing.assert_array_equal(shown, g)
    assert not mask.any()
