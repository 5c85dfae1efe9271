"""Secondary suppression: a differencing attack on the shown table and its totals must fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vizkit.privacy import DEFAULT_POLICY, add_totals, secondary_suppression

K = 5


def _equations(ext: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each line of the extended table as (flat indices, coefficients): sum(coef * x) = 0."""
    idx = np.arange(ext.size).reshape(ext.shape)
    if ext.ndim == 1:
        coef = np.ones(ext.size)
        coef[-1] = -1
        return [(idx, coef)]
    eqs = []
    for line in (*idx, *idx.T):
        coef = np.ones(line.size)
        coef[-1] = -1
        eqs.append((line, coef))
    return eqs


def determined_by_linear_algebra(ext: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hidden entries whose value follows from the shown entries and the line equations."""
    unknown = np.flatnonzero(hidden.ravel())
    if unknown.size == 0:
        return np.zeros(0, bool)
    col = {u: i for i, u in enumerate(unknown)}
    rows = []
    for line, coef in _equations(ext):
        r = np.zeros(unknown.size)
        for cell, c in zip(line, coef, strict=True):
            if cell in col:
                r[col[cell]] = c
        rows.append(r)
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:].T  # (unknowns, nullity)
    return np.all(np.abs(null) < 1e-9, axis=1)


def interval_attack(ext: np.ndarray, hidden: np.ndarray, rounds: int = 50) -> np.ndarray:
    """Bounds propagation (hidden entries are known to be >= 1); True where lo == hi."""
    flat = ext.ravel()
    hid = hidden.ravel()
    lo = np.where(hid, 1.0, flat)
    hi = np.where(hid, np.inf, flat)
    eqs = _equations(ext)
    for _ in range(rounds):
        before = (lo.copy(), hi.copy())
        for line, coef in eqs:
            for j, cell in enumerate(line):
                if not hid[cell]:
                    continue
                others = np.delete(np.arange(line.size), j)
                oc, ol = coef[others], line[others]
                # coef_j * x_j = -sum(oc * x_o)
                smin = np.where(oc > 0, oc * lo[ol], oc * hi[ol]).sum()
                smax = np.where(oc > 0, oc * hi[ol], oc * lo[ol]).sum()
                a, b = sorted((-smax / coef[j], -smin / coef[j]))
                lo[cell] = max(lo[cell], a)
                hi[cell] = min(hi[cell], b)
        if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
            break
    return (lo >= hi - 1e-9)[hid]


def assert_attack_fails(table: np.ndarray, hidden: np.ndarray) -> None:
    ext = add_totals(table)
    assert hidden.shape == ext.shape
    assert not determined_by_linear_algebra(ext, hidden).any(), "a hidden entry is determined"
    assert not interval_attack(ext, hidden).any(), "a hidden entry is pinned by its bounds"


def test_single_small_cell_in_a_row_gets_a_partner():
    table = np.array([[3, 10, 12], [8, 9, 20], [15, 7, 6]])
    hidden = secondary_suppression(table, k=K)
    assert hidden[0, 0]
    assert hidden.sum(axis=1)[0] >= 2 and hidden[:, 0].sum() >= 2
    assert_attack_fails(table, hidden)


def test_two_ones_in_a_row_are_not_left_alone():
    # hidden cells are never 0, so two hidden 1s in a line would give themselves away
    table = np.array([[1, 1, 30], [1, 1, 40], [20, 25, 30]])
    hidden = secondary_suppression(table, k=K)
    assert_attack_fails(table, hidden)


def test_bridge_between_two_blocks_is_closed():
    # two 2x2 blocks of small cells joined by one small cell: that cell is a bridge
    t = np.full((4, 4), 50)
    t[:2, :2] = 2
    t[2:, 2:] = 3
    t[0, 2] = 4
    hidden = secondary_suppression(t, k=K)
    assert_attack_fails(t, hidden)


def test_one_dimensional_table():
    t = np.array([2, 30, 40, 50])
    hidden = secondary_suppression(t, k=K)
    assert hidden.sum() == 2 and hidden[0] and hidden[1]  # the smallest partner
    assert_attack_fails(t, hidden)


def test_small_total_is_hidden_and_protected():
    t = np.array([[1, 1, 0], [20, 30, 40], [10, 0, 9]])
    hidden = secondary_suppression(t, k=K)
    assert hidden[0, -1]  # row total 2 < k
    assert_attack_fails(t, hidden)


cells = st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 60))


@settings(max_examples=150, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(2, 6), st.integers(2, 6)), elements=cells))
def test_differencing_attack_fails_on_random_tables(table):
    hidden = secondary_suppression(table, k=K)
    ext = add_totals(table)
    assert not hidden[ext == 0].any(), "zeros are never hidden"
    assert hidden[(ext > 0) & (ext < K)].all(), "every small entry is hidden"
    assert_attack_fails(table, hidden)


@settings(max_examples=60, deadline=None)
@given(arrays(np.int64, st.integers(1, 8), elements=cells))
def test_differencing_attack_fails_on_random_1d_tables(table):
    hidden = secondary_suppression(table, k=K)
    assert_attack_fails(table, hidden)


def test_protect_with_totals_resists_the_attack_on_its_own_output():
    rng = np.random.default_rng(3)
    t = rng.choice([0, 1, 2, 3, 4, 8, 15, 40], size=(7, 5))
    df = pd.DataFrame(
        [(f"r{i}", f"c{j}", t[i, j]) for i in range(7) for j in range(5)],
        columns=["region", "sex", "value"],
    )
    out = DEFAULT_POLICY.with_(secondary=True).protect(
        df, keys=["region", "sex"], totals=True)
    wide = out.pivot(index="region", columns="sex", values="value")
    rows = [f"r{i}" for i in range(7)] + ["Total"]
    wide = wide.loc[rows, [f"c{j}" for j in range(5)] + ["Total"]]
    hidden = wide.isna().to_numpy()
    assert (out["suppressed"] == out["value"].isna()).all()
    shown = wide.to_numpy()
    np.testing.assert_array_equal(shown[~hidden], add_totals(t)[~hidden])
    assert_attack_fails(t, hidden)


@pytest.mark.parametrize("shape", [(40, 30), (200, 60)])
def test_large_tables_are_protected_quickly(shape):
    rng = np.random.default_rng(0)
    t = rng.poisson(6, shape)
    hidden = secondary_suppression(t, k=K)
    ext = add_totals(t)
    assert hidden[(ext > 0) & (ext < K)].all()
    assert not determined_by_linear_algebra(ext, hidden).any() if shape[0] <= 40 else True
    counts = np.concatenate([hidden.sum(0), hidden.sum(1)])
    assert not (counts == 1).any()


def test_secondary_on_three_keys_works_per_slice_of_the_leading_key():
    rng = np.random.default_rng(9)
    frames = []
    for year in (2023, 2024):
        t = rng.choice([0, 1, 3, 9, 25, 60], size=(5, 4))
        frames.append(pd.DataFrame([(year, f"r{i}", f"c{j}", t[i, j]) for i in range(5)
                                    for j in range(4)], columns=["year", "region", "sex",
                                                                 "value"]))
    df = pd.concat(frames, ignore_index=True)
    out = DEFAULT_POLICY.with_(secondary=True).protect(df, keys=["year", "region", "sex"])
    for year, part in out.groupby("year"):
        raw = df[df["year"] == year].pivot(index="region", columns="sex", values="value")
        hidden = part.pivot(index="region", columns="sex", values="suppressed").to_numpy()
        ext_hidden = secondary_suppression(raw.to_numpy(), k=K)
        np.testing.assert_array_equal(hidden, ext_hidden[:-1, :-1])
        assert_attack_fails(raw.to_numpy(), ext_hidden)


def test_exhaustive_integer_attack_on_small_tables():
    """Try every integer completion (hidden entries 1 … grand total) of small tables: each
    hidden entry must take at least two values among the completions that match all totals."""
    rng = np.random.default_rng(12)
    tested = 0
    while tested < 60:
        table = rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12], size=tuple(rng.integers(2, 5, 2)))
        hidden = secondary_suppression(table, k=K)
        ext = add_totals(table)
        cells = np.argwhere(hidden)
        top = int(ext[-1, -1])
        if not len(cells) or hidden[-1, -1] or top ** len(cells) > 1e5:
            continue  # nothing hidden, or the grand total itself hidden (no upper bound known)
        tested += 1
        axes = np.meshgrid(*[np.arange(1, top + 1)] * len(cells), indexing="ij")
        guesses = np.stack(axes, -1).reshape(-1, len(cells))
        e = np.broadcast_to(ext, (len(guesses), *ext.shape)).copy()
        e[:, cells[:, 0], cells[:, 1]] = guesses
        fits = ((e[:, :, :-1].sum(2) == e[:, :, -1]).all(1)
                & (e[:, :-1, :].sum(1) == e[:, -1, :]).all(1))
        found = guesses[fits]
        assert len(found) >= 2
        assert (found.min(0) < found.max(0)).all(), f"pinned in\n{table}"
