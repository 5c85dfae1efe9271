"""Height field — a lit, colour-mapped terrain from a plain numpy array.

The smallest complete vizkit scene: a modelled population surface (three Gaussian "towns",
clearly synthetic) rises as a terrain, coloured by viridis and lit by a low sun, while the
camera swings slowly round it. The surface is modelled, not counted, so it is drawn without
disclosure control — declared with ``Policy.off``, which the layer's statement repeats.
"""
# vizkit-test: compare

import numpy as np

import vizkit
from vizkit.privacy import Policy

CELL_M = 250.0                 # grid cell size, metres
ROWS, COLS = 96, 144           # 24 km × 36 km


def modelled_surface() -> np.ndarray:
    """Persons per cell around three synthetic towns (modelled, not real data)."""
    y, x = np.mgrid[0:ROWS, 0:COLS] * CELL_M
    towns = [(26_000, 14_000, 2_200, 900.0), (9_000, 8_000, 3_500, 350.0),
             (12_000, 19_000, 1_500, 500.0)]
    surface = np.zeros((ROWS, COLS))
    for tx, ty, radius, peak in towns:
        surface += peak * np.exp(-((x - tx) ** 2 + (y - ty) ** 2) / (2 * radius**2))
    return surface


class HeightFieldScene(vizkit.Scene):
    title = "Height field"

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(
            modelled_surface(), extent=(0, 0, COLS * CELL_M, ROWS * CELL_M),
            colormap="viridis", scale="sqrt", max_height=4_000,
            policy=Policy.off("modelled surface, not about people")))
        self.frame_all(azimuth=-25, elevation=38, margin=0.8)
        self.tour = vizkit.Timeline(easing="smooth", loop=True)
        self.tour.key(0, azimuth=-25).key(10, azimuth=25).key(20, azimuth=-25)

    def update(self, frame):
        self.tour.apply(self.orbit, frame.t)


if __name__ == "__main__":
    vizkit.run(HeightFieldScene)
