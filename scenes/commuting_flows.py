"""Commuting flows — a day of commuting between the eight municipalities of Uppsala län.

Particles stream along arcs from home municipality to work municipality, coloured by travel
mode (amber car, blue public transport, green bike); trips inside a municipality circle it as a
ring. One scene second is a quarter of an hour: the morning rush swells towards Uppsala from
06:00, the evening return pulses back after 15:00. The ground is the population surface on a
1 km grid. Keys 1–8 highlight one municipality's flows, 0 clears.

The layer draws whole trips per hour and protects them with the scene's policy: fewer than 5
trips an hour on one arc (by one mode) are pooled per origin into "other destinations", short
arcs pointing out of town, as the credits line says.

Data: ``assets/uppsala_commuting_od.csv`` (trips per day by mode), ``hourly_profile.csv``
(share of trips per hour, to work and home), ``uppsala_towns.csv`` (town centres) and
``uppsala_grid_1km.csv`` — read through :mod:`vizkit.data`. Town coordinates are facts; the
trip volumes, hourly profile and population grid are **modelled data** (see assets/README.md),
not statistics.
"""
# vizkit-test: compare

import numpy as np
import pandas as pd

import vizkit
import vizkit.data as vd

START_HOUR = 6.0               # the clock reads 06:00 at t = 0
HOURS_PER_SECOND = 0.25        # a day plays in 96 s
MODE_COLORS = {"car": "#ffb347", "public_transport": "#4fb3ff", "bike": "#7be38a"}
KEYS = ["0305", "0319", "0330", "0331", "0360", "0380", "0381", "0382"]  # keys 1–8


def towns(assets):
    """Municipality code → town centre in SWEREF99 TM metres."""
    frame = vd.read_csv(assets.path("uppsala_towns.csv"), codes=["kommun"])
    x, y = vd.project(frame["lon"], frame["lat"])
    return pd.DataFrame({"code": frame["kommun"], "x": x, "y": y})


def whole_trips(daily, shares):
    """(F, 24) whole trips per hour: each flow's daily trips spread over the hourly shares by
    largest remainders, so a flow's hours add up to its day."""
    exact = np.outer(np.asarray(daily, float), np.asarray(shares, float) / np.sum(shares))
    trips = np.floor(exact)
    left = np.asarray(daily, float) - trips.sum(axis=1)
    order = np.argsort(trips - exact, axis=1, kind="stable")  # largest remainder first
    return (trips + (np.argsort(order, axis=1) < left[:, None])).astype(np.int64)


def hourly_trips(assets):
    """Trips per (origin, destination, mode, hour), in whole trips: the day's trips to work
    spread over the morning profile, and the same people's trips home (destination → origin)
    over the evening one. The layer protects these hourly counts (the scene's policy: trips
    below 5 an hour are pooled per origin, hour and mode into "other destinations")."""
    od = vd.read_csv(assets.path("uppsala_commuting_od.csv"),
                     codes=["origin", "destination"])
    hours = vd.read_csv(assets.path("hourly_profile.csv"))
    parts = []
    for profile, start, end in (("to_work", "origin", "destination"),
                                ("to_home", "destination", "origin")):
        trips = whole_trips(od["volume"], hours[profile])
        parts.append(pd.DataFrame({
            "origin": np.repeat(od[start].to_numpy(), len(hours)),
            "destination": np.repeat(od[end].to_numpy(), len(hours)),
            "mode": np.repeat(od["mode"].to_numpy(), len(hours)),
            "hour": np.tile(hours["hour"].to_numpy(), len(od)),
            "volume": trips.ravel()}))
    table = pd.concat(parts, ignore_index=True)
    table = table[table["volume"] > 0].reset_index(drop=True)
    table.attrs["provenance"] = od.attrs.get("provenance")  # credited by the layer
    return table


class CommutingScene(vizkit.Scene):
    title = "Commuting in Uppsala län over a day"
    background = (0.02, 0.025, 0.04)
    test_t = 6.0               # 07:30, the morning rush

    def setup(self, assets):
        population = vd.grid_from_frame(vd.read_csv(assets.path("uppsala_grid_1km.csv")),
                                        "grid_id", "pop_2024")
        self.ground = self.add(vizkit.Terrain(
            population, colormap=["#0c111c", "#1c2940", "#3d5878", "#9bb6d3"],
            scale="sqrt", max_height=2_500, ambient=0.5, label="Population 2024 (modelled)",
            policy=self.policy,
            hidden_color=(0.13, 0.17, 0.24, 1.0)))  # squares under 5 people: a quiet hatch
        self.flows = self.add(vizkit.Flows(
            hourly_trips(assets), towns(assets), time="hour", time_bins=range(24),
            category="mode", colors=MODE_COLORS, cyclic=True, target_particles=40_000,
            size_px=(1.6, 3.0), ring_light=0.12, trip_seconds=6.0, arc_height=0.14,
            bend=0.1, ring_radius=6_000, show_arcs=True, arc_alpha=0.08,
            ground=self.ground, altitude=300))
        table = vd.read_csv(assets.path("uppsala_towns.csv"), codes=["kommun"])
        x, y = vd.project(table["lon"], table["lat"])
        towns_named = self.add(vizkit.Labels(
            list(table["town"]), list(zip(x, y, [900.0] * len(x), strict=True)), size="small",
            provenance=table.attrs.get("provenance")))
        self.add(vizkit.Caption(self.tr("title"), anchor="top-left", size="title"))
        self.add(vizkit.ColorKey([(MODE_COLORS[mode], self.tr(mode)) for mode in MODE_COLORS],
                                 title=self.tr("modes")))
        self.add(vizkit.Attribution([self.ground, self.flows, towns_named]))
        self.frame_all(azimuth=-15, elevation=48, margin=0.55)
        low, high = self.flows.bounds()
        self.orbit.target = ((low[0] + high[0]) / 2, (low[1] + high[1]) / 2 - 6_000, 0.0)
        self.tour = vizkit.Timeline(easing="sine", loop=True)
        self.tour.key(0, azimuth=-15).key(48, azimuth=15).key(96, azimuth=-15)

    def update(self, frame):
        self.flows.time_bin = (START_HOUR + HOURS_PER_SECOND * frame.t) % 24
        self.tour.apply(self.orbit, frame.t)

    def on_key(self, event):
        key = event.key
        if key in {str(i + 1) for i in range(len(KEYS))}:
            self.flows.select(KEYS[int(key) - 1])
            return vizkit.HANDLED
        if key == "0":
            self.flows.select(None)
            return vizkit.HANDLED
        return None


if __name__ == "__main__":
    vizkit.run(CommutingScene)
