"""Base-map workloads: what land, coastline and borders cost per frame, beside an empty scene.

``basemap_sweden``: Sweden's 290 kommuner with borders, stronger borders between the 21 län
(given as the län boundaries, each kommun grouped into the län it overlaps most), coastline and
land fill, at 1280×720 with a slow orbit — against the same scene with no layer (clear only),
the base map's land alone (lines off), and the base map in full. ``basemap_sweden_dome``: the
same on a 4096 domemaster (five cube faces per frame).

Rows carry wall ms per frame (median, interleaved frame by frame so load on the shared machine
drifts equally on all rows), setup seconds (reading excluded: building the linework, the
triangulation and the upload) and the geometry's size. The boundaries are SCB's, shipped in
``assets/open`` (CC0). ``--quick`` takes 30 kommuner at 320×180 (a 1024 domemaster): it proves
the workloads run.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import row, sized, time_interleaved, workload
from vizkit.clock import Clock
from vizkit.layers.basemap import BaseMap
from vizkit.scene import Scene
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
OPEN = ROOT / "assets" / "open"
SIZE = (sized(1280, 320), sized(720, 180))
DOME = sized(4096, 1024)
KOMMUNER = sized(290, 30)


def sweden() -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(kommuner, län, where they came from): SCB's boundaries shipped in assets/open."""
    import vizkit.data as vd

    kommuner = vd.read_geojson(OPEN / "se_kommuner.geojson", "code")
    lan = vd.read_geojson(OPEN / "se_lan.geojson", "code")
    return (kommuner.iloc[:KOMMUNER], lan,
            f"SCB boundaries, assets/open ({KOMMUNER} kommuner, {len(lan)} län)")


class MapScene(Scene):
    """A base map (or nothing) under a slow orbit that keeps all of it in view."""

    def __init__(self, basemap: BaseMap | None, bounds: tuple[np.ndarray, np.ndarray]):
        super().__init__()
        self.basemap, self.box = basemap, bounds

    def setup(self, assets):
        if self.basemap is not None:
            self.add(self.basemap)
        lo, hi = self.box
        centre = (lo + hi) / 2
        radius = float(np.linalg.norm(hi - lo)) / 2
        self.orbit.target = (float(centre[0]), float(centre[1]), 0.0)
        self.orbit.distance, self.orbit.elevation = 1.6 * radius, 50.0
        self.orbit.scene_radius = radius

    def update(self, frame):
        self.orbit.azimuth = 2.0 * frame.t       # degrees: slow, as an exhibit turns


def _scenes() -> tuple[dict[str, MapScene], float, dict[str, object]]:
    kommuner, lan, source = sweden()
    t0 = time.perf_counter()
    full = BaseMap(kommuner, lan)
    build = time.perf_counter() - t0
    fill = BaseMap(kommuner, lan, coastline_opacity=0.0, border_opacities=0.0)
    box = full.bounds()
    facts = {"source": source, "regions": len(kommuner),
             "segments": int(len(full.linework.coastline)
                             + sum(len(b) for b in full.linework.borders)),
             "land_triangles": int(len(full.linework.land_indices) // 3)}
    scenes = {"empty scene": MapScene(None, box), "basemap land only": MapScene(fill, box),
              "basemap (land, coast, borders)": MapScene(full, box)}
    return scenes, build, facts


@workload("basemap_sweden")
def basemap_sweden():
    """Sweden's 290 kommuner + 21 län as a base map at 1280x720, beside an empty scene."""
    name = "basemap_sweden"
    scenes, build, facts = _scenes()
    clock = Clock(30.0)
    renderer = OffscreenRenderer(SIZE, samples=4)
    setups = {}
    for label, scene in scenes.items():
        t0 = time.perf_counter()
        renderer.draw(scene, clock.frame(0))
        renderer.gpu.ctx.finish()
        setups[label] = time.perf_counter() - t0
    times = time_interleaved({
        label: (lambda i, s=scene: renderer.draw(s, clock.frame(i)), renderer.gpu.ctx.finish)
        for label, scene in scenes.items()})
    empty = times["empty scene"].ms_per_frame_median
    for label in scenes:
        extra = {"note_data": facts["source"], **({"note_geometry": (
            f"{facts['regions']} regions, {facts['segments']} line segments, "
            f"{facts['land_triangles']} land triangles; linework built in {build:.2f} s")}
            if label.startswith("basemap (") else {})}
        yield row(name, label, times[label], setup_s=round(setups[label], 3),
                  upload_bytes_per_frame=0,
                  ratio_to_empty=round(times[label].ms_per_frame_median / empty, 2), **extra)
    for scene in scenes.values():
        scene.release()
    renderer.release()


@workload("basemap_sweden_dome")
def basemap_sweden_dome():
    """The same base map on a 4096 domemaster (five cube faces a frame), beside an empty one."""
    name = "basemap_sweden_dome"
    scenes, _, facts = _scenes()
    del scenes["basemap land only"]
    clock = Clock(30.0)
    dome = DomeRenderer(DOME, samples=4)
    for scene in scenes.values():
        dome.draw(scene, clock.frame(0))
    times = time_interleaved({
        label: (lambda i, s=scene: dome.draw(s, clock.frame(i)), dome.gpu.ctx.finish)
        for label, scene in scenes.items()})
    empty = times["empty scene"].ms_per_frame_median
    for label in scenes:
        yield row(name, label, times[label], upload_bytes_per_frame=0,
                  ratio_to_empty=round(times[label].ms_per_frame_median / empty, 2),
                  note_data=f"{facts['source']}, domemaster {DOME}²")
    for scene in scenes.values():
        scene.release()
    dome.release()
