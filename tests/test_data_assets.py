"""The sample data in assets/: consistent, honest about being modelled, read by the readers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import shapely

from vizkit.data import (
    grid_from_frame,
    join_regions,
    read_csv,
    read_geojson,
    read_jsonstat,
    select_level,
)

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
REAL_KOMMUNER = (Path(os.environ.get("VIZKIT_SHARED", ROOT.parent / "shared")) / "data" / "real"
                 / "geo" / "se_kommuner_okfse.geojson")
KOMMUNER = ["0305", "0319", "0330", "0331", "0360", "0380", "0381", "0382"]
YEARS = [str(y) for y in range(2019, 2025)]


def test_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in ASSETS.iterdir() if p.is_file())
    assert total < 2_000_000


def test_population_is_modelled_and_consistent() -> None:
    pop = read_jsonstat(ASSETS / "uppsala_population.json")
    prov = pop.attrs["provenance"]
    assert prov.modelled and prov.licence == "CC0-1.0" and "MODELLED" in pop.attrs["title"]
    assert "modelled" in prov.attribution()
    kommun = select_level(pop, "kommun")
    assert kommun["Region"].cat.categories.tolist() == KOMMUNER
    assert pop["Tid"].cat.categories.tolist() == YEARS
    county = select_level(pop, "county").set_index("Tid")["value"]
    sums = kommun.groupby("Tid", observed=True)["value"].sum()
    np.testing.assert_array_equal(county.loc[YEARS].to_numpy(), sums.loc[YEARS].to_numpy())
    assert kommun["value"].notna().all() and (kommun["value"] > 0).all()


def test_regions_have_hole_and_multipolygon_and_join_population() -> None:
    regions = read_geojson(ASSETS / "uppsala_municipalities.geojson", "kommun")
    assert regions.index.tolist() == KOMMUNER
    assert regions.attrs["provenance"].modelled
    assert (regions["geometry_type"] == "MultiPolygon").sum() >= 1
    assert any(len(poly) > 1 for polys in regions["geometry"] for poly in polys)  # a hole
    pop = select_level(read_jsonstat(ASSETS / "uppsala_population.json"), "kommun")
    joined, report = join_regions(pop, regions, code_column="Region")
    assert report.complete and len(joined) == 8 * 6
    # the modelled cells cover roughly the county's extent (8,200 km² of land in reality)
    assert 6e9 < regions["area"].sum() < 14e9


def test_towns_inside_their_modelled_region() -> None:
    towns = read_csv(ASSETS / "uppsala_towns.csv")
    assert towns["kommun"].tolist() == KOMMUNER
    regions = read_geojson(ASSETS / "uppsala_municipalities.geojson", "kommun", crs="EPSG:4326")
    for row in towns.itertuples():
        polys = regions.loc[row.kommun, "geometry"]
        shape = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
        assert shape.contains(shapely.Point(row.lon, row.lat)), row.town


@pytest.mark.skipif(not REAL_KOMMUNER.is_file(),
                    reason=f"real municipality boundaries {REAL_KOMMUNER} are absent")
def test_town_coordinates_fall_in_the_real_municipalities() -> None:
    towns = read_csv(ASSETS / "uppsala_towns.csv")
    real = read_geojson(REAL_KOMMUNER, "id", crs="EPSG:4326")
    for row in towns.itertuples():
        polys = real.loc[row.kommun, "geometry"]
        shape = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
        # simplified boundaries: allow 2 km (about 0.03°)
        assert shape.distance(shapely.Point(row.lon, row.lat)) < 0.03, row.town


def test_grid_totals_match_population() -> None:
    df = read_csv(ASSETS / "uppsala_grid_1km.csv")
    assert df["grid_id"].str.startswith("CRS3006RES1000mN").all()
    assert df.attrs["provenance"].modelled
    pop = select_level(read_jsonstat(ASSETS / "uppsala_population.json"), "kommun")
    expected = pop.pivot_table(index="Region", columns="Tid", values="value", observed=True)
    got = df.groupby("kommun")[[f"pop_{y}" for y in YEARS]].sum()
    np.testing.assert_array_equal(got.to_numpy(), expected.loc[got.index, YEARS].to_numpy())
    grid = grid_from_frame(df, "grid_id", [f"pop_{y}" for y in YEARS])
    assert grid.values.shape[0] == 6 and grid.crs == "EPSG:3006" and grid.cell_size == 1000
    np.testing.assert_array_equal(grid.total(), expected.sum().loc[YEARS].to_numpy())
    # Uppsala town is the densest place: the peak square lies within 3 km of it
    from vizkit.data import project
    tx, ty = project([17.639], [59.859])
    peak = np.unravel_index(np.argmax(grid.values[-1]), grid.shape)
    cx, cy = grid.centres()
    assert np.hypot(cx[peak[1]] - tx[0], cy[peak[0]] - ty[0]) < 3000


def test_commuting_od_swedish_csv() -> None:
    od = read_csv(ASSETS / "uppsala_commuting_od.csv")
    assert od.attrs["csv"] == {"sep": ";", "decimal": ",", "encoding": "iso-8859-1"}
    assert set(od["origin"]) == set(KOMMUNER) and set(od["destination"]) <= set(KOMMUNER)
    assert set(od["mode"]) == {"car", "public_transport", "bike"}
    assert od["volume"].dtype == np.int64 and (od["volume"] > 0).all()
    assert (od["volume"] < 5).sum() >= 3  # small flows for disclosure control
    assert od["distance_km"].dtype == np.float64
    assert "Östhammar" in set(od["origin_name"])
    assert od.attrs["provenance"].modelled
    assert not od.duplicated(["origin", "destination", "mode"]).any()


def test_hourly_profile_sums_to_one() -> None:
    h = read_csv(ASSETS / "hourly_profile.csv")
    assert h["hour"].tolist() == list(range(24))
    assert h["to_work"].sum() == pytest.approx(1.0, abs=1e-9)
    assert h["to_home"].sum() == pytest.approx(1.0, abs=1e-9)
    assert int(h["to_work"].idxmax()) in (7, 8) and int(h["to_home"].idxmax()) in (16, 17)
