"""Readers against real published files in ../shared/data/real (skipped when absent).

``VIZKIT_SHARED=/path/to/shared`` points the tests at another copy of the shared folder (a git
worktree sits one level deeper than the checkout the default expects).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vizkit.data import (
    DataError,
    grid_from_frame,
    join_regions,
    read,
    read_csv,
    read_geojson,
    read_jsonstat,
    read_px_json,
    region_level,
)
from vizkit.quality import quality_report

REAL = Path(os.environ.get("VIZKIT_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
            ) / "data" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(),
                                reason=f"real public data folder {REAL} is absent")
JS = REAL / "jsonstat"
GEO = REAL / "geo"
GRID = REAL / "grid"


def test_scb_v2_one_cell() -> None:
    df = read_jsonstat(JS / "scb_v2_TAB638_data_riket_2024.json")
    assert len(df) == 1 and df["value"].item() == 50937.0
    row = df.iloc[0]
    assert (row["Region"], row["Region_label"]) == ("00", "Riket")
    assert row["Civilstand_label"] == "ogifta" and row["Kon_label"] == "män"
    assert row["Tid"] == "2024"
    assert df.attrs["source"] == "SCB" and df.attrs["licence"] == "CC0-1.0"
    assert df.attrs["updated"] == "2025-02-21T07:00:00Z"
    assert len(df.attrs["notes"]) == 3 and "\r\n" in df.attrs["notes"][1]
    assert df.attrs["role"] == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert df.attrs["extension"]["px"]["tableid"] == "TAB638"


def test_scb_v2_two_cells_all_digit_content_code() -> None:
    df = read_jsonstat(JS / "scb_v2_TAB5974_data_kon_2026.json")
    assert df["value"].tolist() == [50080.0, 47361.0]
    assert df["ContentsCode"].tolist() == ["000005NO"] * 2
    assert df["InrikesUtrikes"].tolist() == ["83"] * 2
    assert df["Kon_label"].tolist() == ["män", "kvinnor"]
    assert df.attrs["unit"]["000005NO"]["base"] == "antal"


def test_scb_metadata_response_with_empty_values_and_mixed_levels() -> None:
    df = read_jsonstat(JS / "scb_v2_TAB638_metadata_region312_empty_values.json")
    assert len(df) == 0 and df.attrs["metadata_only"]
    dims = df.attrs["dimensions"]
    assert [dims[d]["size"] for d in dims] == [312, 4, 102, 2, 2, 57]
    codes = dims["Region"]["codes"]
    levels = pd.Series(region_level(codes)).value_counts().to_dict()
    assert levels == {"municipality": 290, "county": 21, "country": 1}
    assert "100+" in dims["Alder"]["codes"] and "tot" in dims["Alder"]["codes"]
    assert dims["Civilstand"]["codes"] == ["OG", "G", "SK", "ÄNKL"]


def test_scb_v1_plain_json_is_refused_by_jsonstat_and_read_by_px_reader() -> None:
    path = JS / "scb_v1_pxjson_BefolkningNy_civilstand_2015-2017.json"
    with pytest.raises(DataError, match="not JSON-stat"):
        read_jsonstat(path)
    df = read_px_json(path)
    assert len(df) == 12 and df["value"].sum() == pytest.approx(
        5157443 + 5257563 + 5347489 + 3291001 + 3329589 + 3358397 + 957814 + 967638
        + 978713 + 444759 + 440363 + 435643)
    assert df.loc[(df.Civilstand == "ÄNKL") & (df.Tid == "2017"), "value"].item() == 435643
    assert df.attrs["column_types"] == {"Civilstand": "d", "Tid": "t", "BE0101N1": "c"}
    votes = read(JS / "scb_v1_pxjson_ME0104T24_personroster.json")
    assert votes["Parti"].tolist() == ["M", "C"] and votes["value"].tolist() == [133222, 59183]


def test_scb_v1_jsonstat1_bundle() -> None:
    df = read_jsonstat(JS / "scb_v1_jsonstat1_statswe_norrbotten_deaths.json")
    assert len(df) == 1120 == 20 * 2 * 28
    assert df["Region"].unique().tolist() == ["25"]
    assert df["Region_label"].iloc[0] == "25 Norrbottens län"
    assert df["Alder"].cat.categories.tolist()[:2] == ["0", "1-4"]
    assert df["Alder"].cat.categories.tolist()[-1] == "90+"
    assert df["Tid"].iloc[-1] == "1996"
    assert df["value"].notna().all()


def test_ssb_status_dots() -> None:
    df = read_jsonstat(JS / "ssb_v1_jsonstat1_29843_status_dots.json")
    assert len(df) == 37_440 == 20 * 6 * 312
    assert int(df["value"].isna().sum()) == 7200
    assert (df["status"] == ".").sum() == 7200
    assert (df["value"].isna() == (df["status"] == ".")).all()
    assert df["Tid"].iloc[0] == "1990M01"
    assert df.attrs["licence"] == "CC-BY-4.0" and df.attrs["source"] == "Statistics Norway"
    r = quality_report(df)
    assert r["status_flagged"] == {".": 7200} and r["missing"] == 7200


def test_kommuner_geojson_and_join_with_code_list() -> None:
    k = read_geojson(GEO / "se_kommuner_okfse.geojson", "id")
    assert len(k) == 290 and k.index.is_unique
    assert "0138" in k.index and k.loc["0138", "kom_namn"] == "Tyresö"
    assert k["geometry_type"].value_counts().to_dict() == {"Polygon": 279, "MultiPolygon": 11}
    # geo_point_2d is [lat, lon]: the computed centroid agrees once the order is swapped
    from vizkit.data import WGS84, project
    lat, lon = np.array(k["geo_point_2d"].tolist()).T
    x, y = project(lon, lat, WGS84)
    inside = np.hypot(x - k["centroid_x"], y - k["centroid_y"]) < 30_000
    assert inside.mean() > 0.9
    codes = read_csv(GEO / "se_municipalities_sjbrg.csv")
    assert codes["municipality_code"].iloc[0] == "0114" and len(codes) == 290
    joined, report = join_regions(codes, k, code_column="municipality_code")
    assert report.complete and len(joined) == 290
    assert (joined["municipality_name_short"] == joined["kom_namn"]).all()


def test_metadata_region_codes_match_geometry() -> None:
    meta = read_jsonstat(JS / "scb_v2_TAB638_metadata_region312_empty_values.json")
    k = read_geojson(GEO / "se_kommuner_okfse.geojson", "id")
    r = quality_report(meta, regions=k)
    assert len(r["regions"]["without_geometry"]) == 22  # Riket + 21 län
    assert r["regions"]["without_values"] == []


def test_lan_geojson_integer_ids() -> None:
    lan = read_geojson(GEO / "se_lan_okfse.geojson", "l_id", id_width=2)
    assert len(lan) == 21 and "03" in lan.index and lan.loc["03", "name"] == "Uppsala"
    raw = read_geojson(GEO / "se_lan_okfse.geojson", "l_id")
    assert "3" in raw.index and "03" not in raw.index
    counties = read_csv(GEO / "se_counties_sjbrg.csv")
    assert counties["county_code"].tolist()[:2] == ["01", "03"]
    _, report = join_regions(counties, raw, code_column="county_code", zfill=2)
    assert report.complete
    # without padding, 8 of 21 län miss — and the report says why and what fixes it
    _, unpadded = join_regions(counties, raw, code_column="county_code")
    assert len(unpadded.only_in_values) == 8 and len(unpadded.matched) == 13
    assert [a for a, _ in unpadded.zero_padding] == list(unpadded.only_in_values)
    assert unpadded.suggested_zfill == 2 and "zfill=2" in unpadded.summary()
    _, auto = join_regions(counties, raw, code_column="county_code", zfill="auto")
    assert auto.complete


def test_norway_grids_1km_sums_to_5km() -> None:
    one = read_csv(GRID / "ssb_norway_pop_1km_2015.csv")
    five = read_csv(GRID / "ssb_norway_pop_5km_2015.csv")
    assert one.attrs["csv"]["decimal"] == "," and five.attrs["csv"]["decimal"] == "."
    assert len(one) == 55_213 and len(five) == 7_723
    assert one["ssbid_1000m"].dtype != np.int64  # ids stay strings
    assert one["pop_ave"].iloc[0] == pytest.approx(39.9)
    assert int(five["pop_ave"].isna().sum()) > 0  # "." marks a hidden average
    g1 = grid_from_frame(one, "ssbid_1000m", "pop_tot")
    g5 = grid_from_frame(five, "ru5000m", "pop_tot")
    assert g1.cell_size == 1000 and g5.cell_size == 5000 and g1.crs == "EPSG:25833"
    assert g1.extent[0] == -75_000.0  # negative eastings
    assert g1.total() == g5.total() == 5_146_614
    coarse = g1.coarsen(5)
    a, b = coarse.to_frame(), g5.to_frame()
    merged = a.merge(b, on=["x", "y"], how="outer")
    assert len(merged) == 7_723
    assert (merged["value_x"] == merged["value_y"]).all()


def test_every_real_file_passes_check() -> None:
    from vizkit.quality import check_command

    for path in sorted(JS.glob("*.json")) + sorted(GEO.glob("*")) + sorted(GRID.glob("*.csv")):
        assert check_command(str(path)) == 0, path
