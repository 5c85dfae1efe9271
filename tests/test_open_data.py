"""The real open-data assets in assets/open/: reproducible from the published files, totals
equal to the sources, codes that join their own kommune structure, provenance carried.

Expected numbers come from the tables of ``../shared/data/open/README.md`` (typed in below) and
from reading the source files here with ``rdata`` and pandas — never from the build script.
Tests that need the source folder or ``rdata`` skip with the reason; the others check the
committed assets alone. The build runs once per session (about 40 s: rdata parses the R files
in pure Python).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from vizkit.data import read_csv, read_geojson, read_parquet

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets" / "open"
OPEN = Path(os.environ.get("VIZKIT_OPEN_DATA", ROOT.parent / "shared" / "data" / "open"))
PENDLING = OPEN / "norway" / "ssb_pendling_03321"

needs_sources = pytest.mark.skipif(
    not OPEN.is_dir(), reason=f"published open data {OPEN} is absent (../shared/data/open; "
    "set VIZKIT_OPEN_DATA to point elsewhere)")

# From the README of ../shared/data/open: year → (Σ value, non-zero cells, Σ diagonal, kommuner)
README_FLOWS = {
    2017: (2_609_737, 29_632, 1_710_155, 426), 2018: (2_667_158, 30_263, 1_737_492, 422),
    2019: (2_691_283, 30_529, 1_740_395, 422), 2020: (2_673_248, 25_424, 1_783_408, 356),
    2021: (2_753_966, 26_236, 1_822_120, 356), 2022: (2_809_789, 26_923, 1_849_365, 356)}
# year → (cells, Σ pop_tot)
README_GRID = {2001: (55_991, 4_445_028), 2007: (55_569, 4_667_394),
               2013: (55_130, 5_028_982), 2019: (54_988, 5_317_737)}
STRUCTURE_YEARS = {"2017": [2017], "2018-2019": [2018, 2019], "2020-2022": [2020, 2021, 2022]}


def _load_build_module():
    spec = importlib.util.spec_from_file_location("build_open_data",
                                                  ROOT / "assets" / "build_open_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_open_data"] = module  # its worker processes find it by this name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The assets built afresh from ../shared/data/open, once per session."""
    if not OPEN.is_dir():
        pytest.skip(f"published open data {OPEN} is absent (../shared/data/open)")
    pytest.importorskip("rdata", reason="the asset build needs rdata: pip install '.[build]'")
    out = tmp_path_factory.mktemp("open_assets")
    _load_build_module().build(OPEN, out)
    return out


@pytest.fixture(scope="session")
def flows() -> pd.DataFrame:
    return read_parquet(ASSETS / "no_commuting_od.parquet")


@pytest.fixture(scope="session")
def within() -> pd.DataFrame:
    return read_csv(ASSETS / "no_commuting_within.csv")


def _rdata():
    rdata = pytest.importorskip("rdata", reason="reading the sources needs rdata")
    warnings.filterwarnings("ignore", "Missing constructor", UserWarning)
    return rdata


# --- reproducibility --------------------------------------------------------------------------

@pytest.mark.slow
def test_build_reproduces_the_committed_assets(built: Path) -> None:
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(p.name for p in ASSETS.iterdir())
    for name in names:
        fresh, committed = built / name, ASSETS / name
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(fresh), pd.read_parquet(committed),
                                          check_exact=True)
        elif name.endswith((".json", ".geojson")):
            assert json.loads(fresh.read_text("utf-8")) == json.loads(
                committed.read_text("utf-8")), name
        else:
            assert fresh.read_bytes() == committed.read_bytes(), name


@needs_sources
def test_licence_text_travels_with_the_assets() -> None:
    copied = ASSETS / "LICENSE-statisticsnorway-pendling.txt"
    assert copied.read_bytes() == (PENDLING / "LICENSE").read_bytes()
    assert b"Apache License" in copied.read_bytes()[:200]


@needs_sources
def test_build_stops_on_a_source_whose_totals_differ(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    build = _load_build_module()
    grid_dir = tmp_path / "norway" / "ssb_grid_1km"
    grid_dir.mkdir(parents=True)
    for year in README_GRID:
        name = f"NOR1000M_POP_{year}.csv"
        text = (OPEN / "norway" / "ssb_grid_1km" / name).read_bytes()
        if year == 2013:  # one more person in the first cell
            head, first, rest = text.split(b"\r\n", 2)
            cells = first.split(b";")
            cells[1] = str(int(cells[1]) + 1).encode()
            text = b"\r\n".join([head, b";".join(cells), rest])
        (grid_dir / name).write_bytes(text)
    with pytest.raises(build.BuildError, match=r"NOR1000M_POP_2013\.csv.*5028983.*5028982"):
        build.build_grid(tmp_path, tmp_path)
    assert build.main(["--source", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "source folder not found" in err


# --- totals -----------------------------------------------------------------------------------

def test_commuting_totals_per_year_equal_the_published_tables(flows: pd.DataFrame,
                                                              within: pd.DataFrame) -> None:
    for year, (total, nonzero, diagonal, kommuner) in README_FLOWS.items():
        off = flows[flows["year"] == year]
        home = within[within["year"] == year]
        assert len(home) == kommuner, year
        assert int(home["employed_in_home_kommune"].sum()) == diagonal, year
        assert int(off["commuters"].sum()) + diagonal == total, year
        assert len(off) + int((home["employed_in_home_kommune"] > 0).sum()) == nonzero, year
        assert (off["commuters"] > 0).all() and (off["origin"] != off["destination"]).all()
    # README: 2022 has 26,567 off-diagonal flows, 960,424 commuters; Bærum → Oslo 29,502
    f22 = flows[flows["year"] == 2022]
    assert len(f22) == 26_567 and f22["commuters"].sum() == 960_424
    top = f22.loc[f22["commuters"].idxmax()]
    assert (top["origin"], top["destination"], top["commuters"]) == ("3024", "0301", 29_502)


def test_grid_totals_per_year_equal_the_published_tables() -> None:
    grid = read_parquet(ASSETS / "no_grid_1km_population.parquet")
    assert not grid["ssbid_1000m"].duplicated().any()
    for year, (cells, persons) in README_GRID.items():
        column = grid[f"pop_{year}"]
        assert (int((column > 0).sum()), int(column.sum())) == (cells, persons), year
    # the corners are the ids' own: id = (x + 2,000,000) · 10^7 + y, on the 1 km lattice
    ids = (grid["x"].astype(np.int64) + 2_000_000) * 10_000_000 + grid["y"].astype(np.int64)
    assert (ids == grid["ssbid_1000m"]).all()
    assert (grid["x"] % 1000 == 0).all() and (grid["y"] % 1000 == 0).all()


def test_oslo_is_the_densest_cell_and_lies_in_oslo() -> None:
    grid = read_parquet(ASSETS / "no_grid_1km_population.parquet")
    kommuner = read_geojson(ASSETS / "no_kommuner_2020-2022.geojson", "code", crs="EPSG:25833")
    oslo = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:])
                                 for p in kommuner.loc["0301", "geometry"]])
    for year in README_GRID:
        top = grid.loc[grid[f"pop_{year}"].idxmax()]
        assert oslo.contains(shapely.Point(top["x"] + 500, top["y"] + 500)), year


@needs_sources
def test_flows_2022_equal_an_independent_read_of_the_source(flows: pd.DataFrame) -> None:
    raw = _rdata().read_rds(PENDLING / "data_pendling2022.rds")
    raw = raw[(raw["Bokommuen"] != raw["ArbstedKomm"]) & (raw["value"] > 0)]
    expected = {(o, d, int(v)) for o, d, v in zip(raw["Bokommuen"], raw["ArbstedKomm"],
                                                   raw["value"], strict=True)}
    f22 = flows[flows["year"] == 2022]
    got = set(zip(f22["origin"], f22["destination"], f22["commuters"].astype(int),
                  strict=True))
    assert got == expected


@needs_sources
def test_kommune_figures_equal_an_independent_read_of_the_source() -> None:
    rdata = _rdata()
    table = read_csv(ASSETS / "no_kommune_employment.csv")
    names = {"BefolkningBosted": "residents_15_74", "SysselBosted": "employed_by_residence",
             "SysselArbsted": "employed_by_workplace"}
    for year in README_FLOWS:
        raw = rdata.read_rds(PENDLING / f"data_kommune{year}.rds")
        mine = table[table["year"] == year].set_index("kommune_code")
        for content, column in names.items():
            part = raw[raw["ContentsCode"] == content]
            assert dict(zip(part["Region"], part["value"].astype(int), strict=True)) == \
                mine[column].astype(int).to_dict(), (year, content)
    oslo = table[(table["year"] == 2022) & (table["kommune_code"] == "0301")].iloc[0]
    assert (oslo["residents_15_74"], oslo["employed_by_residence"],
            oslo["employed_by_workplace"]) == (555_149, 397_395, 528_121)  # README


@needs_sources
def test_grid_2019_equals_the_source_csv() -> None:
    src = pd.read_csv(OPEN / "norway" / "ssb_grid_1km" / "NOR1000M_POP_2019.csv", sep=";",
                      dtype=str)
    expected = dict(zip(src["SSBID1000M"].astype(np.int64), src["pop_tot"].astype(int),
                        strict=True))
    grid = read_parquet(ASSETS / "no_grid_1km_population.parquet")
    listed = grid[grid["pop_2019"] > 0]
    assert dict(zip(listed["ssbid_1000m"], listed["pop_2019"].astype(int), strict=True)) == \
        expected


# --- codes and structures ---------------------------------------------------------------------

def _boundary_codes() -> dict[str, set[str]]:
    return {s: set(read_geojson(ASSETS / f"no_kommuner_{s}.geojson", "code",
                                crs="EPSG:25833").index) for s in STRUCTURE_YEARS}


def test_every_flow_code_has_a_geometry_and_a_centroid_in_its_structure(
        flows: pd.DataFrame) -> None:
    boundaries = _boundary_codes()
    centroids = read_csv(ASSETS / "no_kommune_centroids.csv")
    figures = read_csv(ASSETS / "no_kommune_employment.csv")
    for structure, years in STRUCTURE_YEARS.items():
        for year in years:
            f = flows[flows["year"] == year]
            assert set(f["structure"]) == {structure}
            codes = set(f["origin"]) | set(f["destination"])
            assert codes <= boundaries[structure], year
            assert len(boundaries[structure]) == README_FLOWS[year][3]
            for table in (centroids, figures):
                assert set(table.loc[table["year"] == year, "kommune_code"]) == \
                    boundaries[structure], year
            # every kommune of the matrix has flows, except Rindal in 2019 (see below)
            assert boundaries[structure] - codes == ({"1567"} if year == 2019 else set())
    assert len(boundaries["2020-2022"]) == 356
    fylker = read_geojson(ASSETS / "no_fylker_2020.geojson", "code", crs="EPSG:25833")
    assert set(fylker.index) == {c[:2] for c in boundaries["2020-2022"]}


def test_rindal_2019_is_empty_in_the_source(within: pd.DataFrame) -> None:
    """A source quirk the assets keep (and their provenance states): Rindal moved to Trøndelag
    on 1 January 2019 (1567 → 5061); the 2019 files carry 1567 with zeros and no 5061."""
    figures = read_csv(ASSETS / "no_kommune_employment.csv")
    rindal = figures[figures["kommune_code"].isin(["1567", "5061"])].set_index("year")
    assert rindal.loc[2019, "kommune_code"] == "1567"
    assert rindal.loc[2019, "residents_15_74"] == 0 and rindal.loc[2018, "residents_15_74"] > 0
    home = within[within["kommune_code"] == "1567"].set_index("year")
    assert home.loc[2019, "employed_in_home_kommune"] == 0
    side = json.loads((ASSETS / "no_commuting_od.provenance.json").read_text("utf-8"))
    assert any("Rindal" in step for step in side["processing"])


def test_the_kommune_structures_never_mix(flows: pd.DataFrame, within: pd.DataFrame) -> None:
    boundaries = _boundary_codes()
    # Trondheim was 1601 in 2017, 5001 from 2018 (Trøndelag), and Oslo 0301 throughout
    assert "1601" in boundaries["2017"] and "1601" not in boundaries["2018-2019"]
    assert "5001" in boundaries["2018-2019"] and "5001" not in boundaries["2017"]
    assert "3024" in boundaries["2020-2022"] and "3024" not in boundaries["2018-2019"]
    assert len(boundaries["2017"] & boundaries["2020-2022"]) < 200
    for table in (flows, within):
        by_structure = table.groupby("structure")["year"].unique()
        assert {s: sorted(int(y) for y in v) for s, v in by_structure.items()} == \
            STRUCTURE_YEARS
    for structure in STRUCTURE_YEARS:
        rows = flows[flows["structure"] == structure]
        assert set(rows["origin"]) <= boundaries[structure]
        assert set(rows["destination"]) <= boundaries[structure]


def test_codes_keep_their_leading_zeros(flows: pd.DataFrame, within: pd.DataFrame) -> None:
    assert flows["origin"].str.fullmatch(r"\d{4}").all()
    assert flows["destination"].str.fullmatch(r"\d{4}").all()
    codes_2017 = set(within.loc[within["year"] == 2017, "kommune_code"])
    codes_2022 = set(within.loc[within["year"] == 2022, "kommune_code"])
    assert sum(c.startswith("0") for c in codes_2017) == 155  # README: 155 of 426 in 2017
    assert {c for c in codes_2022 if c.startswith("0")} == {"0301"}  # only Oslo from 2020
    se = read_geojson(ASSETS / "se_kommuner.geojson", "code")
    assert len(se) == 290 and sum(c.startswith("0") for c in se.index) == 90  # README
    lan = read_geojson(ASSETS / "se_lan.geojson", "code")
    assert len(lan) == 21 and "01" in lan.index
    codes = read_csv(ASSETS / "se_kommuner_codes.csv")
    assert set(codes["code"]) == set(se.index) and set(codes["lan_code"]) == set(lan.index)


def test_swedish_boundaries_are_in_sweref99_and_meet_norway() -> None:
    se = read_geojson(ASSETS / "se_kommuner.geojson", "code")
    assert se.attrs["source_crs"] == "EPSG:3006"
    # README bbox: x 277,248–917,271, y 6,133,891–7,669,870; Stockholm 0180 near (674, 6580) km
    xy = np.concatenate([r for polys in se["geometry"] for p in polys for r in p])
    assert xy[:, 0].min() == pytest.approx(277_248, abs=2) and xy[:, 1].max() == \
        pytest.approx(7_669_870, abs=2)
    assert se.loc["0180", "centroid_x"] == pytest.approx(674_000, abs=10_000)
    assert se.loc["0180", "centroid_y"] == pytest.approx(6_580_000, abs=10_000)
    # Sweden and Norway, both in UTM 33N, share their border: Strömstad (1486) touches Halden
    se33 = read_geojson(ASSETS / "se_kommuner.geojson", "code", crs="EPSG:25833")
    no = read_geojson(ASSETS / "no_kommuner_2020-2022.geojson", "code", crs="EPSG:25833")
    stromstad = shapely.Polygon(se33.loc["1486", "geometry"][0][0])
    halden = shapely.Polygon(no.loc["3001", "geometry"][0][0])
    assert stromstad.distance(halden) < 2_000


# --- provenance and size ----------------------------------------------------------------------

def test_every_asset_has_provenance_naming_source_licence_and_processing() -> None:
    data = [p for p in ASSETS.iterdir() if p.suffix in (".csv", ".parquet", ".geojson")]
    assert len(data) == 13
    for path in data:
        side = json.loads((ASSETS / f"{path.stem}.provenance.json").read_text("utf-8"))
        assert side["source"] and side["licence"] and side["url"] and side["title"], path.name
        assert side["modelled"] is False and side["processing"] and side["sources"], path.name
    od = read_parquet(ASSETS / "no_commuting_od.parquet").attrs["provenance"]
    assert od.source == "Statistics Norway (SSB)" and not od.modelled
    assert od.licence == "NLOD-2.0 AND Apache-2.0" and "03321" in od.title
    assert "15–74" in od.title and "4th quarter" in od.title
    assert od.attribution() == "Source: Statistics Norway (SSB) · NLOD-2.0 AND Apache-2.0 · " \
                               "2023-02-24"
    kartverket = read_geojson(ASSETS / "no_kommuner_2020-2022.geojson", "code")
    assert kartverket.attrs["provenance"].licence == "CC-BY-4.0"
    assert read_geojson(ASSETS / "se_lan.geojson", "code").attrs["provenance"].licence == \
        "CC0-1.0"


def test_assets_stay_small() -> None:
    total = sum(p.stat().st_size for p in (ROOT / "assets").rglob("*") if p.is_file())
    assert total < 10_000_000
