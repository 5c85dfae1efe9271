"""Joining values to regions by code, with a report of what did not match."""

from __future__ import annotations

import pandas as pd
import pytest

from vizkit.data import DataError, Provenance, join_regions, read_geojson


def regions() -> pd.DataFrame:
    def sq(x0: float) -> list:
        return [[[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kommun": c},
         "geometry": {"type": "Polygon", "coordinates": sq(i)}}
        for i, c in enumerate(["0305", "0380", "0382"])]}
    return read_geojson(doc, "kommun", crs="EPSG:4326")


def test_join_reports_codes_on_one_side_only() -> None:
    values = pd.DataFrame({"Region": ["03", "0380", "0305", "0380", "9999"],
                           "value": [5.0, 1.0, 2.0, 3.0, 4.0]})
    values.attrs["provenance"] = Provenance(source="SCB", licence="CC0-1.0")
    joined, report = join_regions(values, regions(), code_column="Region")
    assert report.matched == ("0305", "0380")
    assert report.only_in_values == ("03", "9999")
    assert report.only_in_regions == ("0382",)
    assert not report.complete
    assert joined["Region"].tolist() == ["0380", "0305", "0380"]
    assert joined["value"].tolist() == [1.0, 2.0, 3.0]
    assert {"geometry", "centroid_x", "area"} <= set(joined.columns)
    assert joined.attrs["provenance"].source == "SCB"
    assert joined.attrs["join"]["only_in_regions"] == ["0382"]
    left, _ = join_regions(values, regions(), code_column="Region", how="left")
    assert len(left) == 5 and left["geometry"].isna().sum() == 2


def test_join_with_zero_padding_and_categorical_codes() -> None:
    values = pd.DataFrame({"kn": pd.Categorical(["305", "380", "382"]), "value": [1, 2, 3]})
    joined, report = join_regions(values, regions(), code_column="kn", zfill=4)
    assert report.complete and len(joined) == 3


def test_missing_code_column() -> None:
    with pytest.raises(DataError, match="'Kommun'"):
        join_regions(pd.DataFrame({"x": [1]}), regions(), code_column="Kommun")


def test_codes_losing_their_leading_zeros_are_named_and_auto_padding_joins_them(caplog) -> None:
    values = pd.DataFrame({"Region": ["0305", "0380", "0382", "9999"], "value": [1, 2, 3, 4]})
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kn": int(c)}, "geometry": {
            "type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]}}
        for i, c in enumerate(["0305", "0380", "0382", "0381"])]}
    regions = read_geojson(doc, "kn", crs="EPSG:4326")        # ids "305", "380", …
    with caplog.at_level("WARNING", logger="vizkit.data"):
        _, report = join_regions(values, regions)
    assert report.matched == ()
    assert report.zero_padding == (("0305", "305"), ("0380", "380"), ("0382", "382"))
    assert report.suggested_zfill == 4
    summary = report.summary()
    assert summary.startswith("0 of 4 value codes matched a region")
    assert "3 codes differ only by leading zeros ('0305' ~ '305'" in summary
    assert "zfill=4" in summary and summary in caplog.text
    joined, fixed = join_regions(values, regions, zfill="auto")
    assert fixed.matched == ("0305", "0380", "0382") and fixed.only_in_values == ("9999",)
    assert fixed.zero_padding == () and len(joined) == 3
    assert joined["Region"].tolist() == ["0305", "0380", "0382"]  # the values' codes kept
    _, explicit = join_regions(values, regions, zfill=4)
    assert explicit.matched == fixed.matched
    with pytest.raises(ValueError, match="zfill must be a width"):
        join_regions(values, regions, zfill=0)
