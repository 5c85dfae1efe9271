"""One rule for keys and measures: the CSV reader, disclosure control and the quality report
agree on every table, including the ones where they used to disagree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vizkit.data import read_csv, read_jsonstat
from vizkit.data.columns import column_roles, count_column, to_numbers
from vizkit.privacy import disclosure_report
from vizkit.privacy.columns import infer_keys
from vizkit.quality import quality_report


def roles_everywhere(df: pd.DataFrame, count: str) -> tuple[list[str], list[str], list[str]]:
    """(quality's dimensions, disclosure control's keys, quality's measures)."""
    report = quality_report(df)
    return list(report["dimensions"]), infer_keys(df, count), report["value_columns"]


def test_integer_time_columns_are_keys_for_quality_and_privacy(tmp_path: Path) -> None:
    # used to disagree: privacy took 'year' and 'hour' as keys, quality as values (so two
    # years of one region counted as a duplicate and 'year' got a negative-count check)
    path = tmp_path / "trips.csv"
    path.write_text("kommun,year,hour,trips\n0114,2023,7,12\n0114,2024,7,15\n"
                    "0114,2024,8,9\n", encoding="utf-8")
    df = read_csv(path)
    assert df["year"].dtype == np.int64  # stays a number, is a key
    dims, keys, measures = roles_everywhere(df, "trips")
    assert dims == keys == ["kommun", "year", "hour"]
    assert measures == ["trips"]
    assert quality_report(df)["duplicates"] == 0


def test_name_columns_are_labels_everywhere() -> None:
    # used to disagree: quality took 'origin_name' (one word: "Håbo") as a dimension
    df = pd.DataFrame({"origin": ["0305", "0305"], "origin_name": ["Håbo", "Håbo"],
                       "destination": ["0380", "0381"], "destination_name": ["Uppsala", "Enk"],
                       "kommunnamn": ["x", "y"], "volume": [12, 40]})
    dims, keys, measures = roles_everywhere(df, "volume")
    assert dims == keys == ["origin", "destination"]
    assert measures == ["volume"]
    assert column_roles(df).labels == ("origin_name", "destination_name", "kommunnamn")


def test_a_count_column_with_text_is_a_measure_not_a_key() -> None:
    # used to disagree with the truth in all three: text made it a dimension/key
    df = pd.DataFrame({"region": ["01", "03", "04"], "antal": ["12", "x", "30"]})
    report = quality_report(df)
    assert list(report["dimensions"]) == ["region"] and report["value_columns"] == ["antal"]
    assert "antal" not in column_roles(df).keys
    partly = pd.DataFrame({"region": ["01", "03", "04"], "x": ["12", "14", "?"]})
    assert column_roles(partly).measures == ("x",)   # mostly numbers: a measure with bad cells
    assert count_column(df) == "antal"


def test_integer_grid_ids_are_keys_and_grid_id_files_keep_text(tmp_path: Path) -> None:
    # used to disagree: privacy took an int64 'ssbid_1000m' for a measure (and dropped it)
    df = pd.DataFrame({"ssbid_1000m": np.array([22620006649000, 22630006649000]),
                       "pop_tot": [12, 3]})
    assert infer_keys(df, "pop_tot") == ["ssbid_1000m"]
    assert list(quality_report(df)["dimensions"]) == ["ssbid_1000m"]
    path = tmp_path / "grid.csv"
    path.write_text("rute_100m;sum\n22620006649100;12\n22620006649200;3\n", encoding="utf-8")
    assert read_csv(path)["rute_100m"].tolist() == ["22620006649100", "22620006649200"]


def test_declared_dimensions_win_over_names(tmp_path: Path) -> None:
    doc = {"version": "2.0", "class": "dataset", "id": ["Tid", "ContentsCode"], "size": [2, 1],
           "dimension": {"Tid": {"category": {"index": ["2023", "2024"]}},
                         "ContentsCode": {"category": {"index": ["BE0101N1"]}}},
           "value": [1.0, 2.0]}
    df = read_jsonstat(doc)
    roles = column_roles(df)
    assert roles.keys == ("Tid", "ContentsCode") and roles.measures == ("value",)
    assert "Tid_label" in roles.labels
    assert infer_keys(df, "value") == ["Tid", "ContentsCode"]
    assert disclosure_report(df, count="value", k=5)["keys"] == ["Tid", "ContentsCode"]


def test_mean_ages_are_measures_but_whole_ages_are_keys() -> None:
    df = pd.DataFrame({"age": [20, 21], "mean_age": [39.9, 41.2], "value": [3, 4]})
    assert column_roles(df).keys == ("age",)
    assert column_roles(df).measures == ("mean_age", "value")


@pytest.mark.parametrize("text, decimal, expected", [
    ("1 234", ".", 1234.0), ("1\u00a0234,5", ",", 1234.5), ("1,234", ".", 1234.0),
    ("1.234,5", ",", 1234.5), ("39,9", ",", 39.9), ("-3", ".", -3.0), ("1,2", ".", None),
    ("x", ".", None), ("12 34", ".", None),
])
def test_numbers_as_offices_write_them(text: str, decimal: str, expected: float | None) -> None:
    value = to_numbers(pd.Series([text]), decimal).iloc[0]
    assert (np.isnan(value) if expected is None else value == pytest.approx(expected))


def test_a_compound_name_ending_in_a_place_word_is_a_key_only_when_it_holds_codes(tmp_path):
    """``employed_in_home_kommune`` counts people; ``home_kommune`` holds codes."""
    path = tmp_path / "within.csv"
    path.write_text("home_kommune,employed_in_home_kommune,kommune\n0301,9798,301\n"
                    "1103,813,1103\n5001,15065,5001\n", encoding="utf-8")
    df = read_csv(path)
    assert df["home_kommune"].tolist() == ["0301", "1103", "5001"]       # codes keep the zero
    assert df["employed_in_home_kommune"].tolist() == [9798, 813, 15065]  # counts are numbers
    roles = column_roles(df)
    assert "home_kommune" in roles.keys and "kommune" in roles.keys
    assert roles.measures == ("employed_in_home_kommune",)
