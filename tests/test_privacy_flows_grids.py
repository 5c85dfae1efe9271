"""Flows (remove / pool into "other") and grids (drop / coarsen); the flow layer's side of the
disclosure contract: what one frame shows, cell keys by identity, the statement, the scene's
policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import vizkit
from vizkit.layers.flows import Flows, FlowsError
from vizkit.privacy import DEFAULT_POLICY, NoiseTable, Policy, protect_flows, protect_grid

K = 5
ROOT = Path(__file__).resolve().parent.parent


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
    assert out.attrs["privacy"]["statement"] == (
        "Flows below 5 are pooled with the next smallest into 'other' per origin; pools below 5 "
        "are hidden.")


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
    # every small flow is hidden
    small = df[(df["volume"] > 0) & (df["volume"] < policy.k)]
    merged = out[out["rule"] == "merged"]
    assert set(zip(small.origin, small.destination.astype(str), strict=True)) <= set(
        zip(merged.origin, merged.destination, strict=True))
    # every shown pool holds at least two flows, reaches k and is not all 1s (which would pin
    # each member); a pool that cannot is hidden
    members = merged.groupby("origin").size()
    raw = df.astype({"destination": str}).set_index(["origin", "destination"])["volume"]
    for _, pool in out[out["destination"] == "other"].iterrows():
        inside = raw.loc[pool.origin].loc[
            merged.loc[merged.origin == pool.origin, "destination"]]
        if pool.suppressed:
            assert inside.sum() < policy.k or len(inside) < 2
        else:
            assert members[pool.origin] >= 2 and inside.sum() >= policy.k
            assert inside.sum() > len(inside)


def test_a_pool_of_ones_takes_the_next_flow():
    # five flows of 1 reach k = 5 but would pin every member at 1: the 9 joins them
    df = od([("E", d, 1) for d in "ABCDF"] + [("E", "G", 9), ("E", "H", 30)])
    out = protect_flows(df, policy=DEFAULT_POLICY).set_index("destination")
    assert out.loc["other", "volume"] == 14 and out.loc["G", "rule"] == "merged"
    assert out.loc["H", "volume"] == 30


def test_the_database_path_pools_the_same_way():
    from vizkit.privacy import aggregate_od

    records = pd.DataFrame([("E", d) for d in "ABCDF"] + [("E", "G")] * 9 + [("E", "H")] * 30
                           + [("A", "B")] * 7, columns=["origin", "destination"])
    lazy = aggregate_od(records, origin="origin", destination="destination", count="volume")
    database = lazy.execute().sort_values(["origin", "destination"]).reset_index(drop=True)
    counts = records.groupby(["origin", "destination"], as_index=False).size()
    pandas = protect_flows(counts.rename(columns={"size": "volume"}), policy=DEFAULT_POLICY)
    pandas = pandas.sort_values(["origin", "destination"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(database[pandas.columns], pandas, check_dtype=False)
    assert database.set_index("destination").loc["other", "volume"] == 14


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


# ---- the flow layer: what one frame shows ------------------------------------------------------

PLACES = {c: (10_000.0 * i, 4_000.0 * (i % 3)) for i, c in enumerate("ABCDEF")}
HOURS = [7, 8, 9]


def hourly(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "hour", "mode", "volume"])


def layer(table: pd.DataFrame, policy: Policy, places=None, **options):
    """A flow layer bound to ``policy`` as a scene with that policy binds it."""
    flows = Flows(table, PLACES if places is None else places, time="hour", time_bins=HOURS,
                  category="mode", particles_per_unit=1, **options)
    flows.bind_policy(policy)
    return flows


def frame_view(flows):
    """What one frame of the layer shows, per time bin: drawn flows to real places
    ``{(origin, destination, hour, mode): value}`` and pools ``{(origin, hour, mode): value}``;
    particles per flow are checked to carry nothing else."""
    table = flows.flows
    shown, pools = {}, {}
    for b, hour in enumerate(flows.time_bins):
        particles = flows.visible_counts(b)
        volume = flows.volumes[:, b]
        np.testing.assert_array_equal(
            particles, np.where(volume > 0, np.maximum(np.floor(volume + 0.5), 1), 0))
        for f in np.flatnonzero(volume > 0):
            o, d, m = table.origin[f], str(table.destination[f]), table.category[f]
            if d.startswith("other:"):
                pools[(o, hour, m)] = volume[f]
            else:
                shown[(o, d, hour, m)] = volume[f]
    return shown, pools


def recovered(unknowns: list, equations: list[tuple[list, float]]) -> set:
    """A linear attack: unknowns (hidden cells, each at least 1) and equations (cells, sum).
    Returns the cells whose value is determined — by the equations' row space, or pinned by
    bounds propagated through them."""
    index = {u: i for i, u in enumerate(unknowns)}
    found = set()
    if equations:
        a = np.zeros((len(equations), len(unknowns)))
        for row, (cells, _) in enumerate(equations):
            a[row, [index[c] for c in cells]] = 1.0
        rank = np.linalg.matrix_rank(a)
        for u, i in index.items():
            probe = np.vstack([a, np.eye(len(unknowns))[i]])
            if np.linalg.matrix_rank(probe) == rank:
                found.add(u)
    lo = dict.fromkeys(unknowns, 1.0)
    hi = dict.fromkeys(unknowns, np.inf)
    for _ in range(len(unknowns) + 2):
        for cells, total in equations:
            for c in cells:
                others = [x for x in cells if x != c]
                hi[c] = min(hi[c], total - sum(lo[x] for x in others))
                lo[c] = max(lo[c], total - sum(hi[x] for x in others))
    return found | {u for u in unknowns if lo[u] >= hi[u]}


od_rows = st.lists(st.tuples(st.sampled_from("ABCD"), st.sampled_from("ABCDEF"),
                             st.sampled_from(HOURS), st.sampled_from("xy"),
                             st.one_of(st.integers(1, 6), st.integers(1, 60))),
                   min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(od_rows, st.sampled_from([DEFAULT_POLICY, DEFAULT_POLICY.with_(k=3),
                                 DEFAULT_POLICY.with_(k=10),
                                 DEFAULT_POLICY.with_(flows="remove"),
                                 DEFAULT_POLICY.with_(flows="remove", secondary=True)]))
def test_no_hidden_flow_can_be_worked_out_from_what_a_frame_shows(rows, policy):
    table = hourly(rows).groupby(["origin", "destination", "hour", "mode"],
                                 as_index=False)["volume"].sum()
    raw = {(r.origin, r.destination, r.hour, r.mode): r.volume for r in table.itertuples()}
    try:
        flows = layer(table, policy)
    except FlowsError as error:  # nothing left to draw: the frame shows no flow at all
        assert "hid every flow" in str(error)
        return
    shown, pools = frame_view(flows)
    k = policy.k
    for cell, value in shown.items():  # drawn flows are their own raw values, never small
        assert value == raw[cell] and value >= k
    assert all(value >= k for value in pools.values())
    hidden = [cell for cell in raw if cell not in shown]
    assert all(cell in hidden for cell, v in raw.items() if v < k)
    group = {cell: (cell[0], cell[2], cell[3]) for cell in raw}
    equations = [([c for c in hidden if group[c] == g], value) for g, value in pools.items()]
    if policy.flows == "merge":
        # a stronger attacker also knows every origin's total per hour and mode, wherever it
        # would itself be shown (at least k): a map of commuters by origin beside the flows
        totals: dict = {}
        for cell, v in raw.items():
            totals[group[cell]] = totals.get(group[cell], 0) + v
        for g, total in totals.items():
            inside = [c for c in hidden if group[c] == g]
            known = sum(v for c, v in shown.items() if group[c] == g)
            if total >= k and inside:
                equations.append((inside, total - known))
    else:
        assert not pools
    assert equations or not pools
    assert not recovered(hidden, equations), (hidden, equations)
    assert flows.hidden_flows == len(hidden)


def test_the_attack_finds_a_lone_hidden_flow():
    # the attack is able to fail: one hidden cell beside its group's total is recovered
    assert recovered(["a"], [(["a"], 3.0)]) == {"a"}
    assert recovered(["a", "b"], [(["a", "b"], 2.0)]) == {"a", "b"}      # 1 + 1: pinned
    assert recovered(["a", "b"], [(["a", "b"], 7.0)]) == set()
    assert recovered(["a", "b", "c"], [(["a", "b"], 7.0), (["b", "c"], 9.0),
                                       (["a", "c"], 8.0)]) == {"a", "b", "c"}


def noisy_table(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cells = [(o, d, h, m) for o in "ABCD" for d in "ABCDEF" for h in HOURS for m in "xy"]
    picked = [cells[i] for i in rng.choice(len(cells), 90, replace=False)]
    return hourly([(*c, int(v)) for c, v in zip(picked, rng.integers(8, 90, len(picked)),
                                                strict=True)])


@pytest.mark.parametrize("policy", [
    DEFAULT_POLICY.with_(noise=NoiseTable(), seed=11),
    DEFAULT_POLICY.with_(rounding=5, random_rounding=True, seed=3),
])
def test_noise_follows_the_cell_not_its_row_or_place_order(policy):
    table = noisy_table()
    full, _ = frame_view(layer(table, policy))
    raw = {(r.origin, r.destination, r.hour, r.mode): r.volume for r in table.itertuples()}
    assert sum(full[c] != raw[c] for c in full) > 10     # the policy does perturb
    reversed_places = dict(reversed(list(PLACES.items())))
    variants = {
        "shuffled rows, places reversed": layer(table.sample(frac=1, random_state=2), policy,
                                                reversed_places),
        "a subset of origins": layer(table[table.origin.isin(["B", "D"])], policy),
        "a second layer": layer(table, policy),
        "the places as a frame": layer(table, policy, pd.DataFrame(
            {"code": list(reversed_places), "x": [p[0] for p in reversed_places.values()],
             "y": [p[1] for p in reversed_places.values()]})),
    }
    for what, other in variants.items():
        shown, _ = frame_view(other)
        shared = set(shown) & set(full)
        assert len(shared) > 20, what
        assert all(shown[c] == full[c] for c in shared), what
    # and the table API keys the same cells the same way
    table_api = protect_flows(table, policy=policy, by=["hour", "mode"])
    listed = {(r.origin, r.destination, r.hour, r.mode): r.volume
              for r in table_api.itertuples() if r.destination != "other" and not r.suppressed}
    assert all(listed[c] == full[c] for c in full)


# ---- what the statement says ---------------------------------------------------------------

def test_the_statement_says_exactly_what_was_applied(caplog):
    table = noisy_table()
    measure = table.assign(share=table["volume"] / 7)
    cases = [
        (DEFAULT_POLICY, {},
         "Flows below 5 are pooled with the next smallest into 'other' per origin, hour and "
         "mode; pools below 5 are hidden."),
        (DEFAULT_POLICY.with_(noise=NoiseTable(), rounding=5), {},
         "Flows below 5 are pooled with the next smallest into 'other' per origin, hour and "
         "mode; pools below 5 are hidden. Shown values have small random changes (at most ±2) "
         "to protect individuals. They are rounded to a multiple of 5, so parts need not add "
         "up to totals."),
        (DEFAULT_POLICY.with_(flows="remove", secondary=True), {},
         "Flows below 5 are not shown."),  # no sum of hidden flows is shown: nothing to add
        (DEFAULT_POLICY.with_(k=10, noise=NoiseTable()), dict(volume="share", base="volume"),
         "Flows resting on fewer than 10 counts are pooled with the next smallest into 'other' "
         "per origin, hour and mode; pools below 10 are hidden. Shown values are as given."),
        (Policy.off("timetable capacity, not people"), {},
         "Raw values are shown without disclosure protection (timetable capacity, not "
         "people)."),
    ]
    for policy, options, statement in cases:
        flows = layer(measure if options else table, policy, **options)
        assert flows.privacy_statement == statement
    flows = Flows(table, PLACES)  # never added to a scene: the default policy, on first need
    assert flows.privacy_statement == cases[0][2].replace(", hour and mode", "")


def test_noise_is_applied_when_stated_and_a_measure_is_drawn_as_given():
    table = noisy_table()
    noisy = DEFAULT_POLICY.with_(noise=NoiseTable(), seed=4)
    shown, _ = frame_view(layer(table, noisy))
    raw = {(r.origin, r.destination, r.hour, r.mode): r.volume for r in table.itertuples()}
    assert any(shown[c] != raw[c] for c in shown)
    spread = table.assign(trips=table["volume"] * 0.37)
    measure, _ = frame_view(layer(spread, noisy, volume="trips", base="volume"))
    assert measure and all(measure[c] == pytest.approx(raw[c] * 0.37) for c in measure)


def test_a_measure_is_hidden_where_its_base_is_small():
    table = hourly([("A", "B", 7, "x", 40), ("A", "C", 7, "x", 2), ("A", "D", 7, "x", 3),
                    ("B", "C", 7, "x", 4)])
    table["share"] = [0.5, 0.25, 0.125, 0.75]
    flows = layer(table, DEFAULT_POLICY, volume="share", base="volume")
    shown, pools = frame_view(flows)
    assert shown == {("A", "B", 7, "x"): 0.5}         # drawn as given
    assert pools == {("A", 7, "x"): 0.375}             # 2 + 3 counts pooled: their shares
    assert flows.hidden_flows == 3                     # B→C: a base of 4, alone: hidden


# ---- counts or a measure: never a silent switch-off --------------------------------------------

def test_non_whole_volumes_name_the_column_row_and_value():
    table = hourly([("A", "B", 7, "x", 40), ("A", "C", 8, "x", 12.5), ("B", "C", 9, "y", 3)])
    with pytest.raises(FlowsError) as info:
        Flows(table, PLACES, time="hour", category="mode", name="Trips")
    message = str(info.value)
    assert message.startswith("Trips: column 'volume' holds counts, which are whole numbers; "
                              "1 row(s) are not: row 1 (A→C: 12.5);")
    assert "base=" in message and "Policy.off" in message and "\n" not in message
    off = Flows(table, PLACES, time="hour", category="mode",
                policy=Policy.off("synthetic: no persons"))
    assert off.volumes.sum() == 55.5
    with pytest.raises(FlowsError, match=r"column 'people' holds counts, .* row 0 \(A→B: 2\.5\)"):
        Flows(table.assign(people=[2.5, 13, 3]), PLACES, base="people")
    with pytest.raises(FlowsError, match=r"base 'people' must hold the counts .* row 2 \(B→C: 0\)"):
        Flows(table.assign(people=[2, 13, 0]), PLACES, base="people")


def test_the_counts_keyword_is_gone_with_a_pointer():
    with pytest.raises(TypeError, match=r"counts= is gone: .*base=.*Policy\.off"):
        Flows(od([("A", "B", 10)]), PLACES, counts=True)


# ---- the scene's policy reaches the layer ------------------------------------------------------

class PolicyScene(vizkit.Scene):
    def __init__(self, policy: Policy):
        super().__init__()
        self._scene_policy = policy

    @property
    def policy(self) -> Policy:
        return self._scene_policy


def test_a_scene_policy_is_the_default_and_an_explicit_one_only_tightens(gpu):
    table = noisy_table()
    strict = PolicyScene(DEFAULT_POLICY.with_(k=40))
    flows = Flows(table, PLACES, time="hour", category="mode", particles_per_unit=1)
    flows.prepare(gpu)                                  # drawn once with the default (k = 5)
    assert flows.prepared and flows.policy.k == 5
    strict.add(flows)                                   # the scene's policy re-protects …
    assert not flows.prepared                           # … and drops what was uploaded
    shown, pools = frame_view(flows)
    assert flows.policy.k == 40 and "below 40" in flows.privacy_statement
    assert min([*shown.values(), *pools.values()]) >= 40
    weaker = Flows(table, PLACES, time="hour", category="mode",
                   policy=DEFAULT_POLICY.with_(k=3))
    assert strict.add(weaker).policy.k == 40            # a layer cannot weaken the scene's
    stricter = Flows(table, PLACES, time="hour", category="mode",
                     policy=DEFAULT_POLICY.with_(k=60, noise=NoiseTable()))
    assert strict.add(stricter).policy == DEFAULT_POLICY.with_(k=60, noise=NoiseTable())
    off = Flows(table, PLACES, time="hour", category="mode", policy=Policy.off("test data"))
    assert not strict.add(off).policy.enabled           # only an explicit off weakens it
    strict.release()


def test_an_exhibit_threshold_reaches_the_bundled_flow_scenes(tmp_path):
    from vizkit.exhibit import ExhibitConfig
    from vizkit.script import load_target

    for name in ("commuting_flows", "flagship"):
        script = ROOT / "scenes" / f"{name}.py"
        scene = load_target(script).create()
        scene.exhibit = ExhibitConfig(folder=tmp_path, scene=script, min_count=10)
        scene.ensure_setup()
        flows = scene.flows
        drawn = flows.volumes[flows.volumes > 0]
        assert drawn.min() >= 10, name
        assert "below 10" in flows.privacy_statement, name
        counts = np.concatenate([flows.visible_counts(b) for b in range(24)])
        assert counts.max() > 0
        scene.release()
