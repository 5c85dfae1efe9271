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
