"""JSON-stat reader: dense/sparse values, status, nulls, collections, bundles, bad input."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vizkit.data import (
    DataError,
    Provenance,
    read_jsonstat,
    read_px_json,
    region_level,
    select_level,
)


def cube(dims: dict[str, list[str]], value: object, **extra: object) -> dict:
    """A JSON-stat 2.0 dataset over ``dims`` (id → codes) with labels ``L<code>``."""
    doc = {
        "version": "2.0", "class": "dataset", "label": "Test table", "source": "SCB",
        "updated": "2024-02-21T07:00:00Z",
        "id": list(dims), "size": [len(c) for c in dims.values()],
        "dimension": {d: {"label": d.lower(), "category": {
            "index": {c: i for i, c in enumerate(codes)},
            "label": {c: f"L{c}" for c in codes}}} for d, codes in dims.items()},
        "value": value,
    }
    doc.update(extra)
    return doc


def write(tmp_path: Path, doc: object, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


DIMS = {"Region": ["0114", "0180", "03"], "Kon": ["1", "2"], "Tid": ["2022", "2023"]}


def test_dense_values_row_major_with_codes_and_labels() -> None:
    df = read_jsonstat(cube(DIMS, list(range(12))))
    assert len(df) == 12
    assert list(df.columns) == ["Region", "Region_label", "Kon", "Kon_label", "Tid",
                                "Tid_label", "value"]
    # last dimension varies fastest
    assert df["Tid"].astype(str).tolist()[:4] == ["2022", "2023", "2022", "2023"]
    assert df["Kon"].astype(str).tolist()[:4] == ["1", "1", "2", "2"]
    row = df[(df.Region == "0180") & (df.Kon == "2") & (df.Tid == "2022")]
    assert row["value"].item() == 1 * 4 + 1 * 2 + 0
    assert row["Region_label"].item() == "L0180"
    assert df["value"].dtype == np.float64


def test_codes_keep_leading_zeros_and_index_order() -> None:
    # the object's index positions, not its key order, decide the order
    doc = cube(DIMS, list(range(12)))
    doc["dimension"]["Region"]["category"]["index"] = {"03": 2, "0114": 0, "0180": 1}
    df = read_jsonstat(doc)
    assert list(df["Region"].cat.categories) == ["0114", "0180", "03"]
    assert df["Region"].iloc[0] == "0114"
    assert isinstance(df["Region"].iloc[0], str)


def test_index_as_list_and_missing_index_for_single_category() -> None:
    doc = cube({"Region": ["0581"], "Tid": ["2020", "2021"]}, [1, 2])
    doc["dimension"]["Tid"]["category"]["index"] = ["2020", "2021"]
    del doc["dimension"]["Region"]["category"]["index"]
    df = read_jsonstat(doc)
    assert df["Region"].tolist() == ["0581", "0581"]
    assert df["Tid"].tolist() == ["2020", "2021"]


def test_nulls_become_nan() -> None:
    df = read_jsonstat(cube(DIMS, [1, None, 3, None, 5, 6, 7, 8, 9, 10, 11, None]))
    assert int(df["value"].isna().sum()) == 3
    assert df["value"].iloc[2] == 3.0


def test_sparse_values_fill_nan_or_keep_only_stored_cells() -> None:
    doc = cube(DIMS, {"0": 5, "11": 7.5, "6": None})
    dense = read_jsonstat(doc)
    assert len(dense) == 12
    assert dense["value"].iloc[0] == 5 and dense["value"].iloc[11] == 7.5
    assert int(dense["value"].isna().sum()) == 10
    only = read_jsonstat(doc, sparse=True)
    assert len(only) == 3
    assert only["Region"].astype(str).tolist() == ["0114", "0180", "03"]  # cells 0, 6, 11
    assert only["Tid"].astype(str).tolist() == ["2022", "2022", "2023"]


def test_status_string_list_and_sparse_object() -> None:
    vals = list(range(12))
    assert set(read_jsonstat(cube(DIMS, vals, status="p"))["status"]) == {"p"}
    lst = [None] * 12
    lst[3] = ".."
    df = read_jsonstat(cube(DIMS, vals, status=lst))
    assert df["status"].iloc[3] == ".." and int(df["status"].notna().sum()) == 1
    df = read_jsonstat(cube(DIMS, vals, status={"1": "e", "10": "."}))
    assert df["status"].iloc[1] == "e" and df["status"].iloc[10] == "."
    assert int(df["status"].isna().sum()) == 10
    assert "status" not in read_jsonstat(cube(DIMS, vals)).columns


def test_several_time_and_region_dimensions() -> None:
    dims = {"Fran": ["0305", "0380"], "Till": ["0380", "0381", "0382"],
            "Ar": ["2023", "2024"], "Manad": ["01", "02", "03"]}
    n = 2 * 3 * 2 * 3
    df = read_jsonstat(cube(dims, list(range(n)), role={"geo": ["Fran", "Till"],
                                                        "time": ["Ar", "Manad"]}))
    expected = list(itertools.product(*dims.values()))
    got = list(zip(*(df[d].astype(str) for d in dims), strict=True))
    assert got == expected
    assert df.attrs["role"]["geo"] == ["Fran", "Till"]
    assert df.loc[(df.Fran == "0380") & (df.Manad == "02"), "value"].sum() == sum(
        i for i, t in enumerate(expected) if t[0] == "0380" and t[3] == "02")


def test_attrs_and_provenance() -> None:
    doc = cube({"ContentsCode": ["BE0101N1"], "Tid": ["2024"]}, [10],
               note=["first", "second"], role={"metric": ["ContentsCode"]})
    doc["dimension"]["ContentsCode"]["category"]["unit"] = {"BE0101N1": {"base": "antal",
                                                                         "decimals": 0}}
    df = read_jsonstat(doc)
    a = df.attrs
    assert a["title"] == "Test table" and a["source"] == "SCB"
    assert a["updated"] == "2024-02-21T07:00:00Z" and a["notes"] == ["first", "second"]
    assert a["unit"] == {"BE0101N1": {"base": "antal", "decimals": 0}}
    assert a["licence"] == "CC0-1.0"  # SCB's open-data licence
    prov = a["provenance"]
    assert isinstance(prov, Provenance) and prov.source == "SCB"
    assert "Source: SCB" in prov.attribution() and "CC0-1.0" in prov.attribution()
    assert prov.citation().startswith("Test table. SCB (updated 2024-02-21), CC0-1.0.")
    # provenance survives pandas operations (attrs are propagated)
    sub = df[df["value"] > 0].merge(df[["Tid"]], on="Tid")
    assert sub.attrs["provenance"] == prov
    assert pd.concat([df, df]).attrs["provenance"] == prov


def test_licence_argument_and_extension() -> None:
    doc = cube({"A": ["x"]}, [1], source="Somebody")
    assert read_jsonstat(doc).attrs["licence"] is None
    assert read_jsonstat(doc, licence="CC-BY-4.0").attrs["licence"] == "CC-BY-4.0"
    doc["extension"] = {"licence": "CC0-1.0", "modelled": True}
    df = read_jsonstat(doc)
    assert df.attrs["licence"] == "CC0-1.0" and df.attrs["provenance"].modelled


def test_collection_of_two_datasets() -> None:
    a = cube({"Region": ["01"]}, [1], label="A")
    b = cube({"Region": ["02", "03"]}, [2, 3], label="B")
    for d in (a, b):
        del d["version"]
    col = {"version": "2.0", "class": "collection", "link": {"item": [a, b]}}
    out = read_jsonstat(col)
    assert set(out) == {"A", "B"}
    assert out["B"]["value"].tolist() == [2.0, 3.0]
    one = read_jsonstat({"version": "2.0", "class": "collection", "link": {"item": [a]}})
    assert isinstance(one, pd.DataFrame)


def test_collection_of_links_only_is_refused() -> None:
    col = {"version": "2.0", "class": "collection",
           "link": {"item": [{"class": "dataset", "href": "https://example.org/x"}]}}
    with pytest.raises(DataError, match=r"link\.item\[0\]"):
        read_jsonstat(col)


def test_jsonstat_1_bundle() -> None:
    def ds(codes: list[str], vals: list[int]) -> dict:
        return {"label": "x", "value": vals, "dimension": {
            "id": ["Region"], "size": [len(codes)], "role": {"geo": ["Region"]},
            "Region": {"category": {"index": {c: i for i, c in enumerate(codes)}}}}}
    out = read_jsonstat({"first": ds(["0581"], [1]), "second": ds(["01", "02"], [2, 3])})
    assert set(out) == {"first", "second"}
    assert out["first"]["Region"].tolist() == ["0581"]
    assert out["second"].attrs["role"] == {"geo": ["Region"]}


def test_metadata_only_response_allocates_nothing() -> None:
    dims = {"Region": [f"{i:04d}" for i in range(300)], "Alder": [str(i) for i in range(100)],
            "Tid": [str(1968 + i) for i in range(57)], "X": [str(i) for i in range(20)]}
    doc = cube(dims, [])
    assert math.prod(doc["size"]) == 34_200_000
    df = read_jsonstat(doc)
    assert len(df) == 0 and df.attrs["metadata_only"]
    assert len(df["Region"].cat.categories) == 300
    assert df.attrs["dimensions"]["Tid"]["size"] == 57


def test_px_json_is_refused_and_read_by_its_own_reader(tmp_path: Path) -> None:
    doc = {"columns": [{"code": "Region", "text": "region", "type": "d"},
                       {"code": "Tid", "text": "år", "type": "t"},
                       {"code": "BE0101N1", "text": "Folkmängd", "type": "c"},
                       {"code": "BE0101N2", "text": "Folkökning", "type": "c"}],
           "comments": [],
           "data": [{"key": ["0114", "2020"], "values": ["47000", ".."]},
                    {"key": ["0114", "2021"], "values": ["47500", "-120"]}],
           "metadata": [{"label": "Folkmängd", "source": "SCB", "updated": "2022-02-21"}]}
    path = write(tmp_path, doc)
    with pytest.raises(DataError, match="plain 'json' format, not JSON-stat") as err:
        read_jsonstat(path)
    assert str(path) in str(err.value)
    df = read_px_json(path)
    assert len(df) == 4
    assert df["Region"].tolist() == ["0114"] * 4
    assert df["ContentsCode"].astype(str).tolist() == ["BE0101N1"] * 2 + ["BE0101N2"] * 2
    assert df["value"].tolist()[:2] == [47000.0, 47500.0]
    assert math.isnan(df["value"].iloc[2]) and df["status"].iloc[2] == ".."
    assert df["value"].iloc[3] == -120.0
    assert df.attrs["licence"] == "CC0-1.0"
    doc["data"][1]["values"][0] = "abc"
    with pytest.raises(DataError, match=r"data\[1\]\.values\[0\].*non-numeric"):
        read_px_json(write(tmp_path, doc, "bad.json"))


# --- bad input: the message names the file and the field ------------------------------------


def test_truncated_json(tmp_path: Path) -> None:
    text = json.dumps(cube(DIMS, list(range(12))))
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_jsonstat(path)
    assert str(path) in str(err.value) and "(json)" in str(err.value)
    assert "truncated" in str(err.value)


def test_size_not_matching_value_count(tmp_path: Path) -> None:
    path = write(tmp_path, cube(DIMS, list(range(11))))
    with pytest.raises(DataError) as err:
        read_jsonstat(path)
    assert str(path) in str(err.value) and "'value'" in str(err.value)
    assert "11 entries" in str(err.value) and "12 cells" in str(err.value)


def test_size_not_matching_categories(tmp_path: Path) -> None:
    doc = cube(DIMS, list(range(12)))
    doc["size"][1] = 3
    path = write(tmp_path, doc)
    with pytest.raises(DataError, match=r"size\[1\]") as err:
        read_jsonstat(path)
    assert err.value.file == str(path) and err.value.field == "size[1]" and err.value.value == 3


def test_dimension_not_described(tmp_path: Path) -> None:
    doc = cube(DIMS, list(range(12)))
    del doc["dimension"]["Kon"]
    path = write(tmp_path, doc)
    with pytest.raises(DataError, match=r"dimension\.Kon.*not described") as err:
        read_jsonstat(path)
    assert str(path) in str(err.value)


def test_non_numeric_value(tmp_path: Path) -> None:
    vals: list[object] = list(range(12))
    vals[7] = "n/a"
    path = write(tmp_path, cube(DIMS, vals))
    with pytest.raises(DataError) as err:
        read_jsonstat(path)
    assert err.value.field == "value[7]" and err.value.value == "n/a"
    assert str(path) in str(err.value)
    sparse = write(tmp_path, cube(DIMS, {"3": 1, "9": "x"}), "s.json")
    with pytest.raises(DataError, match=r"value\[9\]"):
        read_jsonstat(sparse)


def test_sparse_index_out_of_range_and_missing_value(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"value\[12\].*outside"):
        read_jsonstat(write(tmp_path, cube(DIMS, {"12": 1})))
    doc = cube(DIMS, [])
    del doc["value"]
    with pytest.raises(DataError, match="'value': missing"):
        read_jsonstat(write(tmp_path, doc, "nv.json"))


def test_data_error_is_value_error_and_picklable() -> None:
    import pickle

    err = DataError("f.json", "size[0]", "bad", 3)
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.file, again.field, again.value) == ("f.json", "size[0]", 3)


# --- levels ----------------------------------------------------------------------------------


def test_region_levels_and_select_level() -> None:
    df = read_jsonstat(cube({"Region": ["00", "03", "0305", "0380", "25", "2584"],
                             "Tid": ["2024"]}, list(range(6))))
    assert region_level(["00", "03", "0380", "X1"]).tolist() == [
        "country", "county", "municipality", "other"]
    assert select_level(df, "kommun")["Region"].tolist() == ["0305", "0380", "2584"]
    assert select_level(df, "län")["Region"].tolist() == ["03", "25"]
    assert select_level(df, "riket")["value"].tolist() == [0.0]
    assert select_level(df, 4)["Region"].cat.categories.tolist() == ["0305", "0380", "2584"]
    with pytest.raises(DataError, match="level"):
        select_level(df, "parish")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_property_every_cell_lands_on_its_codes(sizes: list[int], data: st.DataObject) -> None:
    dims = {f"D{k}": [f"{k}{i:02d}" for i in range(n)] for k, n in enumerate(sizes)}
    n = math.prod(sizes)
    keep = data.draw(st.sets(st.integers(0, n - 1), max_size=n))
    sparse = {str(i): i * 10 for i in keep}
    df = read_jsonstat(cube(dims, sparse), sparse=True)
    combos = list(itertools.product(*dims.values()))
    assert len(df) == len(keep)
    for (_, row), cell in zip(df.iterrows(), sorted(keep), strict=True):
        assert tuple(str(row[d]) for d in dims) == combos[cell]
        assert row["value"] == cell * 10


# --- published variants ------------------------------------------------------------------------


def test_sizes_written_as_strings_as_irelands_cso_does(tmp_path: Path) -> None:
    # CSO's PxStat writes JSON-stat 2.0 with string sizes and its own extension block
    doc = {
        "version": "2.0", "class": "dataset", "label": "Population at each Census",
        "source": "Central Statistics Office, Ireland", "updated": "2023-05-30T11:00:00Z",
        "id": ["STATISTIC", "TLIST(A1)", "C02199V02655"], "size": ["1", "2", "3"],
        "role": {"time": ["TLIST(A1)"], "metric": ["STATISTIC"]},
        "dimension": {
            "STATISTIC": {"label": "Statistic", "category": {
                "index": ["FY001"], "label": {"FY001": "Population"},
                "unit": {"FY001": {"label": "Number", "decimals": 0}}}},
            "TLIST(A1)": {"label": "Census Year", "category": {
                "index": ["2016", "2022"], "label": {"2016": "2016", "2022": "2022"}}},
            "C02199V02655": {"label": "Sex", "category": {
                "index": ["-", "1", "2"], "label": {"-": "Both sexes", "1": "Male",
                                                    "2": "Female"}}}},
        "value": [4761865, 2354428, 2407437, 5149139, 2544549, 2604590],
        "extension": {"matrix": "FY001", "copyright": {"name": "Central Statistics Office, "
                                                       "Ireland", "code": "CSO"}},
    }
    df = read_jsonstat(write(tmp_path, doc))
    assert len(df) == 6
    both = df[df["C02199V02655"] == "-"]
    assert both["value"].tolist() == [4761865.0, 5149139.0]
    assert (df.groupby("TLIST(A1)", observed=True)["value"].sum()
            == 2 * both.set_index("TLIST(A1)")["value"]).all()  # male + female = both
    assert df.attrs["dimensions"]["C02199V02655"]["size"] == 3
    assert df.attrs["unit"]["FY001"]["decimals"] == 0
    bad = dict(doc, size=["1", "two", "3"])
    with pytest.raises(DataError, match=r"size\[1\]"):
        read_jsonstat(bad)


def test_older_eurostat_status_object_with_its_own_labels(tmp_path: Path) -> None:
    # The older Eurostat JSON: dense status as {"value": [...], "category": {"label": ...}}
    doc = {
        "version": "2.0", "class": "dataset", "label": "Population on 1 January",
        "source": "Eurostat", "updated": "2020-03-04",
        "id": ["geo", "time"], "size": [2, 3],
        "dimension": {
            "geo": {"label": "geo", "category": {"index": {"SE": 0, "NO": 1},
                                                 "label": {"SE": "Sweden", "NO": "Norway"}}},
            "time": {"label": "time", "category": {"index": {"2017": 0, "2018": 1,
                                                             "2019": 2}}}},
        "value": [10120242, 10230185, None, 5258317, 5295619, 5328212],
        "status": {"value": [None, "b", ":", None, None, "p"],
                   "category": {"label": {":": "not available", "b": "break in time series",
                                          "p": "provisional"}}},
    }
    df = read_jsonstat(write(tmp_path, doc))
    assert df["status"].astype(object).where(df["status"].notna(), None).tolist() == [
        None, "b", ":", None, None, "p"]
    assert df["value"].isna().tolist() == [False, False, True, False, False, False]
    assert df.attrs["status_labels"] == {":": "not available", "b": "break in time series",
                                         "p": "provisional"}
    from vizkit.quality import format_report, quality_report

    report = quality_report(df)
    assert report["status_flagged"] == {":": 1, "b": 1, "p": 1}
    assert "':' not available" in format_report(report)


def test_current_eurostat_sparse_status_with_labels_in_the_extension() -> None:
    doc = cube({"geo": ["SE", "NO"], "time": ["2022", "2023"]}, {"0": 12.5, "1": 13.0, "3": 4.0},
               status={"1": "e", "2": ":"},
               extension={"status": {"label": {"e": "estimated", ":": "not available"}}})
    df = read_jsonstat(doc)
    assert df["value"].tolist()[:2] == [12.5, 13.0] and np.isnan(df["value"].iloc[2])
    assert df["status"].tolist()[1:3] == ["e", ":"]
    assert df.attrs["status_labels"] == {"e": "estimated", ":": "not available"}


def test_values_written_as_strings_and_missing_symbols_in_value() -> None:
    doc = cube({"Region": ["0114", "0180"], "Tid": ["2023", "2024"]},
               ["12", "..", None, "7.5"])
    df = read_jsonstat(doc)
    assert df["value"].tolist()[0] == 12.0 and df["value"].tolist()[3] == 7.5
    assert df["value"].isna().tolist() == [False, True, True, False]
    assert df["status"].iloc[1] == ".."  # the symbol is kept as the cell's status
    assert pd.isna(df["status"].iloc[0]) and pd.isna(df["status"].iloc[2])
    sparse = read_jsonstat(cube({"Region": ["0114", "0180"]}, {"1": ":"}), sparse=True)
    assert sparse["Region"].tolist() == ["0180"] and sparse["status"].tolist() == [":"]


def test_hierarchy_coordinates_and_category_notes_are_kept() -> None:
    doc = cube({"Region": ["00", "03", "0380"]}, [3, 2, 1])
    cat = doc["dimension"]["Region"]["category"]
    cat["child"] = {"00": ["03"], "03": ["0380"]}
    cat["coordinates"] = {"0380": [17.64, 59.86]}
    cat["note"] = {"0380": ["Boundaries of 2007"]}
    cat["index"] = {"00": "0", "03": "1", "0380": "2"}  # positions written as strings
    dims = read_jsonstat(doc).attrs["dimensions"]["Region"]
    assert dims["codes"] == ["00", "03", "0380"]
    assert dims["child"] == {"00": ["03"], "03": ["0380"]}
    assert dims["coordinates"] == {"0380": [17.64, 59.86]}
    assert dims["notes"] == {"0380": ["Boundaries of 2007"]}


@pytest.mark.parametrize("doc, words", [
    ({"version": "2.0", "class": "error", "status": 400, "label": "Invalid filter: geo=XX"},
     "400 Invalid filter: geo=XX"),
    ({"version": "2.0", "error": [{"status": "404", "id": "100", "label": "No data found"}]},
     "404 No data found"),
])
def test_error_responses_are_refused_with_the_publishers_words(tmp_path: Path, doc: dict,
                                                               words: str) -> None:
    path = write(tmp_path, doc)
    with pytest.raises(DataError) as err:
        read_jsonstat(path)
    assert str(err.value) == (f"{path}: field 'error': the publisher answered with an error: "
                              f"{words}")
