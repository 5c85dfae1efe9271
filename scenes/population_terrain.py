"""Population terrain — where the people of Uppsala län live, 2019–2024, as a landscape.

Persons per 1 km square rise as a terrain (square-root heights, so the towns do not dwarf the
countryside) that grows year by year while the camera swings round the county; at the end the
colours switch to the change 2019→2024 on a diverging map. Squares the table does not list have
nobody living there (0) and are drawn as ground next to the people — but only on land: the
municipalities' outlines are the land mask, so squares outside the county and in its lake are
not drawn at all.

Data: ``assets/uppsala_grid_1km.csv``, vizkit's sample grid read with ``vizkit.data`` —
**modelled** population (invented to look plausible), not Statistics Sweden figures.
"""
# vizkit-test: compare

import vizkit
import vizkit.data as vd

YEARS = list(range(2019, 2025))
SECONDS_PER_YEAR = 2.5         # one year's morph, including a rest on each year
REST = 1.0                     # seconds the terrain holds still on a year
CHANGE_AT = SECONDS_PER_YEAR * (len(YEARS) - 1) + 2.0   # then show the change 2019 → 2024


def year_index(t: float) -> float:
    """Fractional year step at scene time ``t``: rest on each year, then morph to the next."""
    year, into = divmod(t, SECONDS_PER_YEAR)
    morph = max(0.0, (into - REST) / (SECONDS_PER_YEAR - REST))
    return min(year + morph, len(YEARS) - 1)


class PopulationTerrain(vizkit.Scene):
    title = "Population per km², Uppsala län 2019–2024 (modelled data)"
    duration = CHANGE_AT + 4.0
    test_t = 6.0                # mid-way from 2020 to 2021

    def setup(self, assets):
        squares = vd.read_csv(assets.path("uppsala_grid_1km.csv"))
        x, y, size, _crs = vd.parse_inspire_id(squares["grid_id"])
        points = squares.assign(x=x + size / 2, y=y + size / 2).melt(
            id_vars=["x", "y"], value_vars=[f"pop_{year}" for year in YEARS],
            var_name="column", value_name="persons")
        points["year"] = points["column"].str.removeprefix("pop_").astype(int)
        municipalities = vd.read_geojson(assets.path("uppsala_municipalities.geojson"),
                                         id_property="kommun")
        self.terrain = self.add(vizkit.Terrain.from_points(
            points, value="persons", time="year", cell_size=size, fill=0.0,
            scale="sqrt", colormap="viridis", max_height=14_000, units="persons per km²",
            label="Population (modelled)", provenance=squares.attrs.get("provenance"),
            land=municipalities))       # ground only inside the county, not in its lake
        self.add(vizkit.Caption(self.tr("title"), anchor="top-left", size="title"))
        self.add(vizkit.Legend(self.terrain, title=self.tr("population"),
                               units=self.tr("per_km2")))
        self.add(vizkit.Attribution([self.terrain]))
        self.frame_all(azimuth=-20, elevation=36, margin=0.72)
        self.tour = vizkit.Timeline(easing="smooth")
        self.tour.key(0, azimuth=-20, elevation=36).key(self.duration, azimuth=25, elevation=30)

    def update(self, frame):
        self.terrain.time_index = year_index(frame.t)
        if frame.t >= CHANGE_AT:
            self.terrain.show_change(YEARS[0], YEARS[-1])
        else:
            self.terrain.show_values()
        self.tour.apply(self.orbit, frame.t)


if __name__ == "__main__":
    vizkit.run(PopulationTerrain)
