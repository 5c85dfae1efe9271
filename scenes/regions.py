"""Regions — the eight municipalities of Uppsala län rise as prisms as they fill with people.

Each municipality is extruded to a height proportional to its population density (persons per
km² — a rate, not a total, so big municipalities do not look crowded just for being big) and
coloured by it (viridis); the prisms grow from 2019 to 2024 while the camera circles the county.
The density is a measure resting on the population counts (``base="value"``): a municipality
with fewer residents than the disclosure threshold would not be shown.
Uppsala's lake is a hole in its prism and Östhammar's island a second polygon of a multipolygon.
Beneath the prisms a base map (``vizkit.BaseMap``) draws the county's land, its outline and the
municipal borders as thin lines: they show where a prism is low and through the lake.

Data: ``assets/uppsala_population.json`` (JSON-stat) and ``assets/uppsala_municipalities.geojson``
read with ``vizkit.data`` — codes and names are real, the population figures and the shapes are
**modelled** (vizkit's sample data, see assets/README.md), not Statistics Sweden's.
"""
# vizkit-test: compare

import vizkit
import vizkit.data as vd

SECONDS_PER_YEAR = 2.0
REST = 0.75                    # seconds the prisms hold still on each year


def centre(polygons) -> tuple[float, float, float]:
    """Where a municipality's name goes: the centre of its largest ring's bounding box, at
    ground level (lifted a little by the label's own height on screen)."""
    ring = max((rings[0] for rings in polygons), key=len)
    (x0, y0), (x1, y1) = ring.min(axis=0), ring.max(axis=0)
    return ((x0 + x1) / 2, (y0 + y1) / 2, 0.0)


def year_index(t: float, years: int) -> float:
    """Fractional year step at scene time ``t``: rest on each year, then morph to the next."""
    year, into = divmod(t, SECONDS_PER_YEAR)
    return min(year + max(0.0, (into - REST) / (SECONDS_PER_YEAR - REST)), years - 1)


class RegionsScene(vizkit.Scene):
    title = "Population by municipality, Uppsala län 2019–2024 (modelled data)"
    duration = 14.0
    test_t = 3.5                # mid-way from 2020 to 2021

    def setup(self, assets):
        population = vd.select_level(vd.read_jsonstat(assets.path("uppsala_population.json")),
                                     "kommun")
        municipalities = vd.read_geojson(assets.path("uppsala_municipalities.geojson"),
                                         id_property="kommun")
        area_km2 = municipalities["area"] / 1e6
        population["density"] = population["value"] / population["Region"].astype(str).map(area_km2)
        self.basemap = self.add(vizkit.BaseMap(municipalities))   # land, outline, borders
        self.regions = self.add(vizkit.Regions(
            municipalities, population, code="Region", value="density", time="Tid",
            base="value", colormap="viridis", max_height=22_000, units="persons per km²",
            label="Population density (modelled)",
            provenance=population.attrs.get("provenance")))
        names = dict(zip(municipalities.index, municipalities["name"], strict=True))
        centres = municipalities["geometry"].map(centre)
        named = self.add(vizkit.Labels(  # names and shapes: the municipalities' own dataset
            [names[code] for code in centres.index], list(centres),
            priority=area_km2.loc[centres.index], size="small",
            provenance=municipalities.attrs.get("provenance")))
        self.add(vizkit.Caption(self.tr("title"), anchor="top-left", size="title"))
        self.add(vizkit.Legend(self.regions, title=self.tr("density"), units=self.tr("per_km2")))
        self.add(vizkit.Attribution([self.regions, named]))
        self.add(vizkit.InfoCard([self.regions], names=names,
                                 labels={self.regions.name: self.tr("density")},
                                 units={self.regions.name: self.tr("per_km2")}))
        self.frame_all(azimuth=-30, elevation=34, margin=0.62)
        self.tour = vizkit.Timeline(easing="smooth")
        self.tour.key(0, azimuth=-30, elevation=34).key(self.duration, azimuth=20, elevation=28)

    def update(self, frame):
        self.regions.time_index = year_index(frame.t, self.regions.steps)
        self.tour.apply(self.orbit, frame.t)


if __name__ == "__main__":
    vizkit.run(RegionsScene)
