"""Uppsala län, a day and six years — the vizkit flagship exhibit.

The population of Uppsala län on a 1 km grid rises as a terrain that grows from 2019 to 2024,
while a day of commuting between its eight municipalities streams across it as particles:
amber by car, blue by public transport, green by bike. The credits in the corner name every
dataset, its licence and that the grid and the trips are **modelled data** (see
assets/README.md); the municipality codes, names and town coordinates are real. Squares with
fewer than 5 residents are hatched and fewer than 5 trips an hour on one arc are pooled into
"other destinations" (disclosure control), as the credits and the legend say.

Words on screen come from ``flagship.strings.toml`` (Swedish and English; ``l`` or the language
button switches); town names float over the towns; a tap on the terrain opens an info card.
"""
# vizkit-test: compare

import numpy as np
from commuting_flows import hourly_trips, towns  # the same protected trips as that scene

import vizkit
import vizkit.data as vd

YEARS = list(range(2019, 2025))
SECONDS_PER_YEAR = 8.0          # the terrain morphs one year every 8 s, then starts again
HOURS_PER_SECOND = 0.5          # and a day of commuting plays in 48 s
START_HOUR = 5.0
MODE_COLORS = {"car": "#ffb347", "public_transport": "#4fb3ff", "bike": "#7be38a"}


class Flagship(vizkit.Scene):
    title = "Uppsala län — where people live and how they commute"
    background = (0.02, 0.025, 0.04)
    showcase_t = 5.0            # `vizkit demo` renders this moment: 07:30, early 2019 → 2020
    test_t = 5.0

    def setup(self, assets):
        grid_table = vd.read_csv(assets.path("uppsala_grid_1km.csv"))
        population = vd.grid_from_frame(grid_table, "grid_id", [f"pop_{y}" for y in YEARS])
        self.terrain = self.add(vizkit.Terrain(
            population, times=YEARS, colormap="magma", scale="sqrt", max_height=9_000,
            ambient=0.45, units="persons per km²", label="Population (modelled)",
            policy=self.policy,
            hidden_color=(0.22, 0.16, 0.30, 1.0)))  # squares under 5 people: a quiet hatch
        self.flows = self.add(vizkit.Flows(
            hourly_trips(assets), towns(assets), time="hour", time_bins=range(24),
            category="mode", colors=MODE_COLORS, cyclic=True, target_particles=30_000,
            size_px=(1.5, 2.8), trip_seconds=5.0, arc_height=0.16,
            bend=0.12, ring_radius=2_500, show_arcs=True, arc_alpha=0.05,
            ground=self.terrain, altitude=400))
        named = self.add(self.town_labels(assets))
        self.add(vizkit.Caption(self.tr("title"), anchor="top-left", size="title"))
        self.clock = self.add(vizkit.TimeScrubber(
            YEARS[0], YEARS[-1], label=self.clock_text, ticks=YEARS,
            tick_label=lambda year, language: str(int(year))))
        self.add(vizkit.LanguageButton(self.words.languages))
        self.add(vizkit.Legend(self.terrain, title=self.tr("population"),
                               units=self.tr("per_km2")))
        self.add(vizkit.ColorKey([(MODE_COLORS[mode], self.tr(mode)) for mode in MODE_COLORS],
                                 title=self.tr("modes")))
        self.add(vizkit.Attribution([self.terrain, self.flows, named]))
        self.add(vizkit.InfoCard([self.terrain], labels={self.terrain.name: self.tr("population")},
                                 units={self.terrain.name: self.tr("per_km2")}))
        self.add(vizkit.Narration(loop=len(YEARS) * SECONDS_PER_YEAR)
                 .cue(0.5, 4.5, self.tr("grow")).cue(4.5, 11.0, self.tr("morning")))
        self.frame_all(azimuth=-20, elevation=42, margin=0.62)
        self.tour = vizkit.Timeline(easing="sine", loop=True)
        self.tour.key(0, azimuth=-20, elevation=42).key(24, azimuth=10, elevation=34)
        self.tour.key(48, azimuth=-20, elevation=42)

    def town_labels(self, assets):
        """The eight towns' names over their places, biggest town first when they crowd."""
        table = vd.read_csv(assets.path("uppsala_towns.csv"), codes=["kommun"])
        x, y = vd.project(table["lon"], table["lat"])
        ground = self.terrain.heights_at(x, y, step=len(YEARS) - 1)
        return vizkit.Labels(list(table["town"]), np.column_stack([x, y, ground + 1_500]),
                             priority=ground, size="small",
                             provenance=table.attrs.get("provenance"))

    def clock_text(self, year: float, language) -> str:
        """The read-out of the time scrubber: the year and the time of day (per language)."""
        return f"{int(year)}   {language.hours(int(self.hour * 4) / 4)}"

    def update(self, frame):
        self.terrain.time_index = (frame.t / SECONDS_PER_YEAR) % (len(YEARS) - 1)
        self.hour = (START_HOUR + HOURS_PER_SECOND * frame.t) % 24
        self.flows.time_bin = self.hour
        self.clock.value = float(self.terrain.time_label())
        self.tour.apply(self.orbit, frame.t)


if __name__ == "__main__":
    vizkit.run(Flagship)
