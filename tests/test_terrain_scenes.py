"""The terrain and regions scenes mean what they show (tests/test_scenes.py compares every
scene with its reference image)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vizkit.clock import FrameState
from vizkit.script import load_target

SCENES = Path(__file__).resolve().parent.parent / "scenes"


def test_population_terrain_animates_years_and_ends_on_the_change_view(offscreen):
    scene = load_target(SCENES / "population_terrain.py").create()
    frames = {}
    for t in (0.0, 6.0, 100.0):
        frames[t] = offscreen.render(scene, FrameState(t, 1 / 30, 0)).rgb.astype(int)
    terrain = scene.terrain
    assert terrain.time_index == terrain.steps - 1 and terrain.change == (0, terrain.steps - 1)
    assert terrain.legend().kind == "diverging"
    assert terrain.times[0] == 2019 and terrain.provenance.modelled
    # Unlisted squares are 0 persons; outside the county (the land mask) nothing is drawn,
    # inside it the squares next to people are ground.
    footprint = terrain.layout.footprint()
    assert terrain.values[0, 0, 0] == 0.0 and not footprint[0, 0]
    assert np.nanmin(terrain.values) == 0.0
    assert footprint.sum() > 0.5 * (terrain.values[0] > 0).sum()
    assert np.abs(frames[0.0] - frames[6.0]).max() > 0
    scene.release()


def test_regions_scene_joins_every_municipality(offscreen):
    scene = load_target(SCENES / "regions.py").create()
    offscreen.render(scene, FrameState(0.0, 1 / 30, 0))
    regions = scene.regions
    assert len(regions.codes) == 8 and not np.isnan(regions.values).any()
    assert regions.times[0] == "2019" and regions.steps == 6
    scene.release()
