"""The packaged demo (used by ``vizkit demo`` outside a project checkout).

A modelled population landscape — synthetic towns on a 250 m grid, not real data — so the demo
needs no files besides vizkit itself. Inside the project, ``vizkit demo`` shows
``scenes/flagship.py`` instead.
"""

import numpy as np

import vizkit
from vizkit.privacy import Policy


class PackagedDemo(vizkit.Scene):
    title = "vizkit demo (modelled data)"
    showcase_t = 0.0

    def setup(self, assets):
        rng = np.random.default_rng(7)
        y, x = np.mgrid[0:160, 0:240] * 250.0
        surface = np.zeros(x.shape)
        for tx, ty, r, peak in zip(rng.uniform(5e3, 55e3, 12), rng.uniform(5e3, 35e3, 12),
                                   rng.uniform(800, 3000, 12), rng.uniform(50, 900, 12),
                                   strict=True):
            surface += peak * np.exp(-((x - tx) ** 2 + (y - ty) ** 2) / (2 * r * r))
        self.add(vizkit.Terrain(surface, extent=(0, 0, 60_000, 40_000), scale="sqrt",
                                max_height=6_000, colormap="magma",
                                policy=Policy.off("modelled surface, not about people")))
        self.frame_all(azimuth=-20, elevation=35, margin=0.8)

    def update(self, frame):
        self.orbit.azimuth = -20 + 3 * frame.t
