"""Render the pictures of docs/terrain.md (and the README's terrain row) into docs/images/.

    .venv/bin/python docs/terrain_pictures.py

The bundled scenes (modelled sample data) at the moments their captions describe, and
Statistics Norway's 1 km population grid of 2019 (``../shared/data/open/``, real data) drawn as a
bare ``vizkit.Terrain(grid)`` — default settings: the scale, colour domain, height, footprint
and light are the layer's own choices; only the camera is placed. Look at every picture after
running this.
"""

from __future__ import annotations

import sys
from pathlib import Path

import vizkit
import vizkit.data as vd
from vizkit.clock import FrameState
from vizkit.script import load_target
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
NORWAY = ROOT.parent / "shared" / "data" / "open" / "norway" / "ssb_grid_1km"
SIZE = (960, 540)

SCENES = {  # picture → (scene script, scene time in seconds)
    "terrain_population": ("population_terrain", 6.0),
    "terrain_change": ("population_terrain", 20.0),
    "regions_population": ("regions", 3.5),
    "heightfield": ("heightfield", 1.0),
}

# Norway: (picture, orbit target in EPSG:25833 metres, azimuth, elevation, distance in metres)
NORWAY_VIEWS = [
    ("norway_1km_overview", (330_000.0, 7_120_000.0, 0.0), -40.0, 60.0, 1_150_000.0),
    ("norway_1km_oslo", (262_000.0, 6_652_000.0, 0.0), -15.0, 38.0, 170_000.0),
    ("norway_1km_bergen", (-32_000.0, 6_738_000.0, 0.0), 20.0, 42.0, 95_000.0),
]


class Norway(vizkit.Scene):
    title = "Population on Statistics Norway's 1 km grid, 2019"

    def __init__(self, grid, view):
        super().__init__()
        self.grid, self.view = grid, view

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(self.grid))
        _, target, azimuth, elevation, distance = self.view
        self.frame_all(azimuth=azimuth, elevation=elevation)
        self.orbit.target, self.orbit.distance = target, distance


def main() -> int:
    renderer = OffscreenRenderer(SIZE)
    for picture, (script, t) in SCENES.items():
        scene = load_target(ROOT / "scenes" / f"{script}.py").create()
        renderer.render(scene, FrameState(t, 1 / scene.fps, round(t * scene.fps))).save(
            IMAGES / f"{picture}.png")
        scene.release()
        print(f"docs/images/{picture}.png")
    if not NORWAY.is_dir():
        print(f"{NORWAY} is absent: the Norway pictures are left as they are", file=sys.stderr)
        return 0
    table = vd.read_csv(NORWAY / "NOR1000M_POP_2019.csv")
    grid = vd.grid_from_frame(table, "SSBID1000M", "pop_tot", cell_size=1000)
    for view in NORWAY_VIEWS:
        scene = Norway(grid, view)
        renderer.render(scene, FrameState(0.0, 1 / 30, 0)).save(IMAGES / f"{view[0]}.png")
        legend = scene.terrain.legend()
        print(f"docs/images/{view[0]}.png  ({legend.kind}: {legend.scale_note})")
        scene.release()
    renderer.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
