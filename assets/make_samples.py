"""Make vizkit's sample data for Uppsala län (county code "03") and its 8 municipalities.

Run from the repository root: ``PYTHONPATH=. python assets/make_samples.py``. Deterministic
(fixed seeds, no network); the outputs are committed and described, with provenance and licence, in
``assets/README.md``. Facts used: municipality codes and names, and approximate town-centre
coordinates. Everything else — populations, polygons, grid, commuting, hourly profile — is
**modelled** and says so inside each file.

Needs shapely (Voronoi cells and clipping) in addition to vizkit's own dependencies.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from vizkit.data.crs import SWEREF99_TM, WGS84, project
from vizkit.data.grid import inspire_id

HERE = Path(__file__).resolve().parent
YEARS = list(range(2019, 2025))
LICENCE = "CC0-1.0"
SOURCE = "vizkit sample data (modelled)"
UPDATED = "2026-11-21"

# code, municipality, main town (the municipal seat), lon, lat. Codes and names are SCB's;
# coordinates are approximate town centres (about ±1 km), WGS84.
TOWNS = [
    ("0305", "Håbo", "Bålsta", 17.528, 59.567),
    ("0319", "Älvkarleby", "Skutskär", 17.411, 60.629),
    ("0330", "Knivsta", "Knivsta", 17.788, 59.726),
    ("0331", "Heby", "Heby", 16.875, 59.935),
    ("0360", "Tierp", "Tierp", 17.514, 60.344),
    ("0380", "Uppsala", "Uppsala", 17.639, 59.859),
    ("0381", "Enköping", "Enköping", 17.078, 59.636),
    ("0382", "Östhammar", "Östhammar", 18.372, 60.259),
]

# MODELLED population 2024 (round magnitudes, not SCB figures) and yearly growth rates.
POP_2024 = {"0305": 22_600, "0319": 9_600, "0330": 20_500, "0331": 14_300,
            "0360": 21_500, "0380": 246_000, "0381": 47_500, "0382": 22_300}
GROWTH = {"0305": 0.008, "0319": 0.002, "0330": 0.025, "0331": 0.003,
          "0360": 0.004, "0380": 0.013, "0381": 0.010, "0382": 0.002}

# A MODELLED county outline (lon, lat), drawn coarsely around the real county's extent.
OUTLINE = [(16.60, 59.95), (16.75, 59.70), (16.90, 59.55), (17.20, 59.45), (17.55, 59.48),
           (17.85, 59.55), (18.05, 59.65), (18.35, 59.85), (18.75, 60.05), (18.85, 60.30),
           (18.55, 60.45), (18.10, 60.55), (17.70, 60.70), (17.35, 60.70), (17.15, 60.55),
           (17.05, 60.35), (16.70, 60.25), (16.60, 59.95)]
ISLAND_CENTRE = (18.95, 60.45)  # modelled island belonging to Östhammar (a MultiPolygon)
LAKE_OFFSET_M = (2_000.0, 13_000.0)  # modelled lake (a hole) in Uppsala kommun, from the town


def _to_3006(lonlat: np.ndarray) -> np.ndarray:
    x, y = project(lonlat[:, 0], lonlat[:, 1], WGS84, SWEREF99_TM)
    return np.column_stack([x, y])


def _to_wgs84(xy: np.ndarray) -> list[list[float]]:
    lon, lat = project(xy[:, 0], xy[:, 1], SWEREF99_TM, WGS84)
    return np.round(np.column_stack([lon, lat]), 5).tolist()


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> shapely.Polygon:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return shapely.Polygon(np.column_stack([cx + rx * np.cos(a), cy + ry * np.sin(a)]))


def town_points() -> pd.DataFrame:
    df = pd.DataFrame(TOWNS, columns=["kommun", "kommun_name", "town", "lon", "lat"])
    xy = _to_3006(df[["lon", "lat"]].to_numpy())
    df["x"], df["y"] = xy[:, 0], xy[:, 1]
    return df


def regions(towns: pd.DataFrame) -> dict[str, shapely.Geometry]:
    """Voronoi cells around the towns, clipped to the outline; a lake hole; an island."""
    outline = shapely.Polygon(_to_3006(np.array(OUTLINE)))
    points = shapely.MultiPoint(towns[["x", "y"]].to_numpy())
    cells = shapely.voronoi_polygons(points, extend_to=outline.buffer(50_000))
    out: dict[str, shapely.Geometry] = {}
    for cell in cells.geoms:
        clipped = shapely.intersection(cell, outline)
        inside = towns[shapely.contains_xy(cell, towns["x"], towns["y"])]
        out[str(inside["kommun"].iloc[0])] = clipped
    u = towns.set_index("kommun").loc["0380"]
    lake = _ellipse(u.x + LAKE_OFFSET_M[0], u.y + LAKE_OFFSET_M[1], 3_500, 2_000)
    assert out["0380"].contains(lake.buffer(500)), "the lake must lie inside Uppsala kommun"
    out["0380"] = shapely.Polygon(out["0380"].exterior.coords, [lake.exterior.coords])
    ix, iy = _to_3006(np.array([ISLAND_CENTRE]))[0]
    island = _ellipse(ix, iy, 4_000, 9_000)
    assert island.disjoint(outline), "the island must lie off the coast"
    out["0382"] = shapely.MultiPolygon([out["0382"], island])
    return out


def write_geojson(towns: pd.DataFrame, geoms: dict[str, shapely.Geometry]) -> None:
    features = []
    for row in towns.itertuples():  # 8 features
        geom = shapely.orient_polygons(geoms[row.kommun])  # RFC 7946: exterior counter-clockwise
        parts = list(getattr(geom, "geoms", [geom]))
        coords = [[_to_wgs84(np.asarray(p.exterior.coords))]
                  + [_to_wgs84(np.asarray(r.coords)) for r in p.interiors] for p in parts]
        gtype = "MultiPolygon" if len(parts) > 1 else "Polygon"
        features.append({"type": "Feature",
                         "properties": {"kommun": row.kommun, "name": row.kommun_name,
                                        "lan": "03", "modelled": True},
                         "geometry": {"type": gtype,
                                      "coordinates": coords if len(parts) > 1 else coords[0]}})
    doc = {"type": "FeatureCollection", "name": "Uppsala län municipalities (MODELLED shapes)",
           "description": "Modelled polygons: Voronoi cells around real town centres, clipped "
                          "to a coarse county outline, with a modelled lake and island. Not "
                          "real boundaries. vizkit sample data, CC0-1.0.",
           "features": features}
    (HERE / "uppsala_municipalities.geojson").write_text(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def population() -> pd.DataFrame:
    """Modelled population per municipality and year (rows: kommun, columns: years)."""
    years = np.array(YEARS)
    rows = {k: np.round(POP_2024[k] / (1 + GROWTH[k]) ** (2024 - years)).astype(int)
            for k in POP_2024}
    return pd.DataFrame(rows, index=years).T


def write_population(pop: pd.DataFrame) -> None:
    codes = ["03", *pop.index]
    names = {t[0]: f"{t[1]}" for t in TOWNS} | {"03": "Uppsala län"}
    values = np.vstack([pop.sum(axis=0).to_numpy(), pop.to_numpy()])  # (region, year)
    doc = {
        "version": "2.0", "class": "dataset",
        "label": "Population by municipality and year, Uppsala län (MODELLED)",
        "source": SOURCE, "updated": UPDATED,
        "note": ["MODELLED data: round magnitudes with smooth growth, not SCB figures. "
                 "Region codes and names are SCB's. The Region dimension mixes the county "
                 "(\"03\") and its municipalities (4-digit codes), as SCB tables do."],
        "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [len(codes), 1, len(YEARS)],
        "dimension": {
            "Region": {"label": "region", "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {c: names[c] for c in codes}}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {
                "index": {"BE0101N1": 0}, "label": {"BE0101N1": "Folkmängd (modelled)"},
                "unit": {"BE0101N1": {"base": "persons", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {
                "index": {str(y): i for i, y in enumerate(YEARS)},
                "label": {str(y): str(y) for y in YEARS}}},
        },
        "value": values.reshape(-1).tolist(),
        "extension": {"modelled": True, "licence": LICENCE,
                      "citation": "vizkit sample data: modelled population of Uppsala län "
                                  "municipalities 2019–2024, CC0-1.0."},
    }
    (HERE / "uppsala_population.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    exact = weights / weights.sum() * total
    out = np.floor(exact).astype(np.int64)
    short = total - out.sum()
    out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


def write_grid(towns: pd.DataFrame, geoms: dict[str, shapely.Geometry], pop: pd.DataFrame
               ) -> None:
    """Modelled 1 km population grid: an urban kernel around each town plus rural spread."""
    rng = np.random.default_rng(3)
    xmin, ymin, xmax, ymax = shapely.MultiPolygon(
        [p for g in geoms.values() for p in getattr(g, "geoms", [g])]).bounds
    xs = np.arange(np.floor(xmin / 1000) * 1000, xmax, 1000.0)
    ys = np.arange(np.floor(ymin / 1000) * 1000, ymax, 1000.0)
    gx, gy = np.meshgrid(xs, ys)
    cx, cy = gx.ravel() + 500, gy.ravel() + 500  # cell centres
    rural_noise = rng.lognormal(0.0, 0.8, size=cx.shape)
    out = []
    for town in towns.itertuples():  # 8 municipalities; cells are vectorised
        inside = shapely.contains_xy(geoms[town.kommun], cx, cy)
        d2 = (cx[inside] - town.x) ** 2 + (cy[inside] - town.y) ** 2
        sigma = 1200.0 * np.sqrt(POP_2024[town.kommun] / 20_000)
        urban = np.exp(-d2 / (2 * sigma**2))
        rural = rural_noise[inside] * np.exp(-np.sqrt(d2) / 25_000)
        cols = {}
        for year in YEARS:
            share = 0.60 + 0.01 * (year - YEARS[0])  # slow urbanisation
            w = share * urban / urban.sum() + (1 - share) * rural / rural.sum()
            cols[f"pop_{year}"] = _largest_remainder(w, int(pop.loc[town.kommun, year]))
        frame = pd.DataFrame({"grid_id": inspire_id(gx.ravel()[inside], gy.ravel()[inside],
                                                    1000, 3006).to_numpy(),
                              "kommun": town.kommun, **cols})
        out.append(frame)
    grid = pd.concat(out, ignore_index=True)
    grid = grid[grid.filter(like="pop_").sum(axis=1) > 0]
    grid.to_csv(HERE / "uppsala_grid_1km.csv", index=False)


def write_towns(towns: pd.DataFrame) -> None:
    towns[["kommun", "kommun_name", "town", "lon", "lat"]].to_csv(
        HERE / "uppsala_towns.csv", index=False, encoding="utf-8")


def write_commuting(towns: pd.DataFrame, pop: pd.DataFrame) -> None:
    """Modelled commuting OD (production-constrained gravity model), Swedish CSV conventions."""
    x, y = towns["x"].to_numpy(), towns["y"].to_numpy()
    codes = towns["kommun"].to_numpy()
    p = pop.loc[codes, 2024].to_numpy(dtype=float)
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) / 1000.0  # km
    np.fill_diagonal(d, 4.0 + np.sqrt(p) / 60.0)  # mean trip length inside a municipality
    workers = 0.48 * p
    attraction = p**1.15
    beta = 0.11  # per km
    w = attraction[None, :] * np.exp(-beta * d)
    trips = workers[:, None] * w / w.sum(axis=1, keepdims=True)  # (origin, destination)
    pt = 0.15 + 0.25 * (1 - np.exp(-d / 25.0))
    pt[towns["kommun"].to_numpy() == "0380", towns["kommun"].to_numpy() == "0330"] += 0.15
    bike = np.where(d < 12.0, 0.25 * np.exp(-d / 6.0), 0.0)
    car = 1.0 - pt - bike
    rows = []
    for mode, share in (("car", car), ("public_transport", pt), ("bike", bike)):
        vol = np.round(trips * share).astype(int)
        o, t = np.nonzero(vol > 0)
        rows.append(pd.DataFrame({"origin": codes[o], "destination": codes[t],
                                  "origin_name": towns["kommun_name"].to_numpy()[o],
                                  "destination_name": towns["kommun_name"].to_numpy()[t],
                                  "mode": mode, "volume": vol[o, t],
                                  "distance_km": np.round(d[o, t], 1)}))
    od = pd.concat(rows, ignore_index=True).sort_values(["origin", "destination", "mode"])
    assert (od["volume"] < 5).sum() >= 3, "want a few small flows for disclosure control"
    od.to_csv(HERE / "uppsala_commuting_od.csv", sep=";", decimal=",", index=False,
              encoding="iso-8859-1")


def write_hourly() -> None:
    """Modelled share of daily trips by hour and direction; each column sums to 1."""
    h = np.arange(24) + 0.5
    to_work = np.exp(-0.5 * ((h - 7.5) / 1.0) ** 2) + 0.08 * ((h > 9) & (h < 15)) + 0.005
    to_home = np.exp(-0.5 * ((h - 16.6) / 1.3) ** 2) + 0.06 * ((h > 11) & (h < 15)) + 0.005
    cols = {}
    for name, raw in (("to_work", to_work), ("to_home", to_home)):
        share = np.round(raw / raw.sum(), 6)
        share[np.argmax(share)] += round(1.0 - share.sum(), 6)  # exact sum after rounding
        cols[name] = share
    pd.DataFrame({"hour": np.arange(24), **cols}).to_csv(
        HERE / "hourly_profile.csv", index=False, float_format="%.6f")


SIDECARS = {
    "uppsala_towns": ("Town-centre coordinates, Uppsala län municipalities", False,
                      "Municipality codes and names: SCB. Coordinates: approximate town "
                      "centres (about ±1 km)."),
    "uppsala_municipalities": ("Uppsala län municipalities (MODELLED shapes)", True, ""),
    "uppsala_grid_1km": ("Population on a 1 km grid, Uppsala län, 2019–2024 (MODELLED)", True,
                         ""),
    "uppsala_commuting_od": ("Commuting between Uppsala län municipalities (MODELLED, gravity "
                             "model)", True, ""),
    "hourly_profile": ("Share of daily commuting trips by hour and direction (MODELLED)", True,
                       ""),
}


def write_sidecars() -> None:
    """``<name>.provenance.json`` next to files that cannot carry their own metadata."""
    for stem, (title, modelled, note) in SIDECARS.items():
        doc = {"source": "vizkit sample data" + (" (modelled)" if modelled else ""),
               "licence": LICENCE, "updated": UPDATED, "title": title, "modelled": modelled,
               "citation_text": f"{title}. vizkit sample data, {LICENCE}. {note}".strip()}
        (HERE / f"{stem}.provenance.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    towns = town_points()
    geoms = regions(towns)
    pop = population()
    write_towns(towns)
    write_geojson(towns, geoms)
    write_population(pop)
    write_grid(towns, geoms, pop)
    write_commuting(towns, pop)
    write_hourly()
    write_sidecars()


if __name__ == "__main__":
    main()
