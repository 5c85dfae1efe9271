"""The gallery: real open data through vizkit with default settings only.

``python docs/gallery.py`` renders four pictures into ``docs/gallery/`` from the real open data
built into ``assets/open/`` (``assets/README.md`` says where each file comes from):

* ``norway_grid.png`` — Statistics Norway's 1 km population grid of 2019 as a terrain;
* ``sweden_regions.png`` — Sweden's 290 kommuner as regions (their land area: the open data
  holds SCB's boundaries but no statistic per kommun), over the län borders;
* ``norway_commuting.png`` — commuting between Norway's 356 kommuner in 2022 as flows, over
  the kommune and fylke borders;
* ``norway_grid_dome.png`` — the population terrain as a 2048² domemaster.

"Default settings" means what a new user types: the layer with its data and nothing else
(no scale, colour map, height, light, intensity or camera angle chosen by hand), the camera
from ``scene.frame_all()``, the renderer's default quality (``laptop``) and, for the dome,
its default framing (no ``gaze``). The scenes are importable: ``tests/test_look_render_gallery.py``
checks the same pictures for meaning (no clipped white, a luminance spread, nothing drawn
outside the data's footprint).

``python docs/gallery.py --size 1280x720 --dome 2048`` are the defaults; ``--out DIR`` writes
elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPEN = ROOT / "assets" / "open"
NORWAY_CRS = "EPSG:25833"          # SSB's grid, Kartverket's boundaries: one CRS, no reprojection
AREA_IS_NOT_PEOPLE = "land area of each kommun: geography, not about people"

if str(ROOT) not in sys.path:      # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

import vizkit  # noqa: E402
import vizkit.data as vd  # noqa: E402
from vizkit.privacy import Policy  # noqa: E402


def norway_population_grid(year: int = 2019):
    """SSB's registered residents on the 1 km grid in ``year`` (a ``vizkit.data`` grid)."""
    table = vd.read_parquet(OPEN / "no_grid_1km_population.parquet")
    return vd.grid_from_frame(table, "ssbid_1000m", f"pop_{year}", cell_size=1000)


class NorwayGrid(vizkit.Scene):
    """Norway's population, 1 km squares, 2019 — a terrain with default settings."""

    title = "Norway: residents per square kilometre, 2019"

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(norway_population_grid()))
        self.add(vizkit.Attribution([self.terrain]))
        self.frame_all()


class SwedenRegions(vizkit.Scene):
    """Sweden's kommuner as regions (land area), the län borders beneath."""

    title = "Sweden: the 290 kommuner by land area"

    def setup(self, assets):
        kommuner = vd.read_geojson(OPEN / "se_kommuner.geojson", "code")
        lan = vd.read_geojson(OPEN / "se_lan.geojson", "code")
        area = (kommuner["area"] / 1e6).rename("value")       # km², from SCB's boundaries
        self.add(vizkit.BaseMap(kommuner, lan))
        self.regions = self.add(vizkit.Regions(
            kommuner, area, units="km²", label="Land area",
            policy=Policy.off(AREA_IS_NOT_PEOPLE)))
        self.add(vizkit.Attribution([self.regions]))
        self.frame_all()


def norway_commuting(year: int = 2022):
    """``(od, places, kommuner, fylker)``: commuters between kommuner in ``year`` (SSB table
    03321) and where the kommuner are, in one CRS."""
    od = vd.read_parquet(OPEN / "no_commuting_od.parquet")
    od = od[od["year"] == year].reset_index(drop=True)
    centroids = vd.read_csv(OPEN / "no_kommune_centroids.csv", codes=["kommune_code"])
    centroids = centroids[centroids["year"] == year]
    places = centroids.rename(columns={"kommune_code": "code"})[["code", "x", "y"]]
    kommuner = vd.read_geojson(OPEN / "no_kommuner_2020-2022.geojson", "code", crs=NORWAY_CRS)
    fylker = vd.read_geojson(OPEN / "no_fylker_2020.geojson", "code", crs=NORWAY_CRS)
    return od, places, kommuner, fylker


class NorwayCommuting(vizkit.Scene):
    """Commuting between Norway's kommuner, 2022 — flows with default settings."""

    title = "Norway: commuting between kommuner, 2022"

    def setup(self, assets):
        od, places, kommuner, fylker = norway_commuting()
        self.add(vizkit.BaseMap(kommuner, fylker))
        self.flows = self.add(vizkit.Flows(od, places, volume="commuters"))
        self.add(vizkit.Attribution([self.flows]))
        self.frame_all()


GALLERY = {"norway_grid": NorwayGrid, "sweden_regions": SwedenRegions,
           "norway_commuting": NorwayCommuting}
DOME = ("norway_grid_dome", NorwayGrid)
SHOW_T = 4.0                       # seconds into the scene: flows under way


def render(out: Path, size: tuple[int, int] = (1280, 720), dome: int = 2048) -> list[Path]:
    """Render the gallery into ``out``; returns the files written."""
    from vizkit.clock import FrameState
    from vizkit.targets.dome import DomeRenderer
    from vizkit.targets.offscreen import OffscreenRenderer

    out.mkdir(parents=True, exist_ok=True)
    frame = FrameState(SHOW_T, 1 / 30, round(SHOW_T * 30))
    written = []
    renderer = OffscreenRenderer(size)
    try:
        for name, scene_class in GALLERY.items():
            scene = scene_class()
            path = out / f"{name}.png"
            renderer.render(scene, frame).save(path)
            scene.release()
            written.append(path)
    finally:
        renderer.release()
    name, scene_class = DOME
    domemaster = DomeRenderer(dome)
    try:
        scene = scene_class()
        path = out / f"{name}.png"
        domemaster.render(scene, frame).save(path)
        scene.release()
        written.append(path)
    finally:
        domemaster.release()
    return written


def main(argv: list[str] | None = None) -> int:
    from vizkit.cli.common import parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "gallery"))
    parser.add_argument("--size", type=parse_size, default=(1280, 720))
    parser.add_argument("--dome", type=int, default=2048)
    args = parser.parse_args(argv)
    for path in render(Path(args.out), args.size, args.dome):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
