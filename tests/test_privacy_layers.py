"""Disclosure control inside layers: counts are protected before upload, hidden cells are drawn
marked (grey), picking and legends see only protected values, and opting out is explicit."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.layers.legend import HIDDEN_COLOR
from vizkit.privacy import DEFAULT_POLICY, Policy
from vizkit.render.picking import Picker
from vizkit.testing import TopDown

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)
K = DEFAULT_POLICY.k


def counts_grid() -> np.ndarray:
    """40 × 60 persons per square: a left half of small counts 1–4, a right half of 20s."""
    rng = np.random.default_rng(3)
    values = np.where(np.arange(60) < 30, rng.integers(1, 5, (40, 60)), 20).astype(float)
    values[:, 28:32] = 0.0          # a band of empty squares: zero is shown as zero
    return values


def top_down_with_credits(values, **kw):
    """The shared top-down test scene, plus the credits line."""
    scene = TopDown.scene(values, **kw)
    setup = scene.setup

    def setup_with_credits(assets):
        setup(assets)
        scene.credits = scene.add(vizkit.Attribution([scene.terrain]))

    scene.setup = setup_with_credits
    return scene

def test_no_shown_terrain_value_is_below_k_and_raw_values_are_gone():
    terrain = vizkit.Terrain(counts_grid(), extent=(0, 0, 600, 400))
    shown = terrain.values[np.isfinite(terrain.values)]
    assert not ((shown > 0) & (shown < K)).any()
    assert (shown == 0).any() and (shown == 20).any()
    assert terrain.hidden.sum() == 40 * 28          # every small count, and only those
    assert np.isnan(terrain.values[terrain.hidden]).all()
    legend = terrain.legend()
    assert legend.domain == (0.0, 20.0) and legend.note == "Values below 5 are not shown."
    assert legend.hidden_color == HIDDEN_COLOR     # hidden cells are marked, not holes


def test_hidden_cells_are_hatched_holes_stay_holes_and_picks_read_protected_values(offscreen):
    values = counts_grid()
    values[2:8, 40:50] = np.nan                              # no data: stays a hole
    scene = top_down_with_credits(values)
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    light = np.round(np.array(HIDDEN_COLOR[:3]) * 255)
    dark = np.round(np.array(HIDDEN_COLOR[:3]) * 255 * 0.55)
    left = image[60:120, 60:120].reshape(-1, 3)              # hidden squares: hatched
    is_light = np.abs(left - light).max(axis=1) <= 3
    is_dark = np.abs(left - dark).max(axis=1) <= 3
    assert (is_light | is_dark).mean() > 0.95
    assert 0.2 < is_light.mean() < 0.8                       # both stripes are there
    assert np.abs(image[90, 250] - light).max() > 40         # right half: drawn in colour
    background = np.round(np.array(scene.background) * 255)
    x, y = project_to_screen((450.0, 50.0, 0.0), scene.camera.view_matrix(),
                             scene.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    assert np.abs(image[int(y), int(x)] - background).max() <= 2   # no data: a hole
    picker = Picker(offscreen.gpu)
    view = scene.view_state(SIZE, FRAME)
    hidden = picker.pick(scene, view, 90, 90)
    shown = picker.pick(scene, view, 250, 90)
    picker.release()
    assert hidden is not None and np.isnan(hidden.value)
    assert shown is not None and shown.value == 20.0
    assert "Values below 5 are not shown." in scene.credits.text
    scene.release()


def test_regions_protect_their_counts_and_say_so():
    squares = {f"03{i:02d}": [[[i * 10, 0], [i * 10 + 8, 0], [i * 10 + 8, 8], [i * 10, 8]]]
               for i in range(4)}
    values = {"0300": [3, 12], "0301": [0, 4], "0302": [7, 9], "0303": [1, 1]}
    regions = vizkit.Regions(squares, values, times=[2023, 2024])
    shown = regions.values[np.isfinite(regions.values)]
    assert not ((shown > 0) & (shown < K)).any()
    assert regions.hidden.sum() == 4
    assert regions.privacy_statement == "Values below 5 are not shown."
    assert regions.legend().domain[1] == 12.0


def test_rounding_policies_reach_the_layer():
    policy = DEFAULT_POLICY.with_(rounding=5)
    terrain = vizkit.Terrain(np.array([[3.0, 7.0], [12.0, 26.0]]), extent=(0, 0, 2, 2),
                             policy=policy)
    shown = terrain.values[0]
    assert np.isnan(shown[0, 0])
    assert (shown[np.isfinite(shown)] % 5 == 0).all()
    assert "rounded" in terrain.privacy_statement


def test_opting_out_is_explicit_and_logged(caplog):
    with pytest.raises(TypeError, match=r"policy=None is not an opt-out"):
        vizkit.Terrain(counts_grid(), extent=(0, 0, 600, 400), policy=None)
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        terrain = vizkit.Terrain(counts_grid(), extent=(0, 0, 600, 400),
                                 policy=Policy.off("counts of trees, not people"))
    assert "counts of trees, not people" in caplog.text
    assert terrain.hidden.sum() == 0 and np.nanmin(terrain.values) == 0
    assert "without disclosure protection" in terrain.privacy_statement


def test_values_that_are_not_counts_are_left_alone_and_that_is_logged(caplog):
    density = counts_grid() / 3.0     # persons per hectare, not whole numbers
    with caplog.at_level(logging.INFO, logger="vizkit.privacy"):
        terrain = vizkit.Terrain(density, extent=(0, 0, 600, 400))
    assert "not counts" in caplog.text
    assert terrain.hidden.sum() == 0 and terrain.privacy_statement == ""
    forced = vizkit.Terrain(density, extent=(0, 0, 600, 400), counts=True)
    shown = forced.values[np.isfinite(forced.values)]
    assert not ((shown > 0) & (shown < K)).any()


PLACES = {"A": (0.0, 0.0), "B": (10_000.0, 0.0), "C": (0.0, 10_000.0), "D": (10_000.0, 10_000.0)}


def od_table(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["origin", "destination", "volume"])


def test_flows_pool_small_counts_per_origin_and_keep_origin_totals():
    raw = od_table([("A", "B", 40), ("A", "C", 2), ("A", "D", 3), ("B", "A", 25),
                    ("B", "C", 1), ("B", "D", 30), ("C", "D", 12)])
    flows = vizkit.Flows(raw, PLACES, particles_per_unit=1)
    shown = flows.volumes.ravel()
    assert not ((shown > 0) & (shown < K)).any()
    assert flows.hidden_flows >= 3
    assert "pooled with the next smallest into 'other'" in flows.privacy_statement
    totals = raw.groupby("origin")["volume"].sum()
    drawn = {code: flows.volumes[flows.flow_origin == i].sum()
             for i, code in enumerate(flows.location_codes) if code in totals.index}
    for code, total in totals.items():
        assert drawn[code] == pytest.approx(total)            # pooled, not dropped
    assert "other:A" in list(flows.location_codes)            # drawn as a marked stub


def test_a_table_protected_before_the_layer_is_a_measure_resting_on_its_counts():
    from vizkit.layers.flows import FlowsError
    from vizkit.privacy import protect_flows

    raw = od_table([("A", "B", 40), ("A", "C", 2), ("A", "D", 3)])
    protected = protect_flows(raw, policy=DEFAULT_POLICY)
    spread = protected.dropna(subset=["volume"]).assign(trips=lambda d: d["volume"] / 3)
    with pytest.raises(FlowsError, match=r"column 'trips' holds counts.* row 0 \(A→B: 13\.3"):
        vizkit.Flows(spread, PLACES, volume="trips")       # fractions: not silently shown
    flows = vizkit.Flows(spread, PLACES, volume="trips", base="volume", particles_per_unit=1)
    codes = [flows.location_codes[i] for i in flows.flow_destination]
    assert sorted(codes) == ["B", "other:A"]
    assert sorted(flows.volumes.ravel()) == pytest.approx([5 / 3, 40 / 3])


def test_flows_opt_out_is_explicit(caplog):
    from vizkit.layers.flows import FlowsError

    raw = od_table([("A", "B", 2)])
    flows = vizkit.Flows(raw, PLACES, policy=None)           # None: the scene's policy
    with pytest.raises(FlowsError, match="disclosure control hid every flow"):
        _ = flows.privacy_statement                          # the default policy, on first need
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        flows = vizkit.Flows(raw, PLACES, policy=Policy.off("public bus timetable"))
        assert flows.volumes.sum() == 2
    assert "public bus timetable" in caplog.text
