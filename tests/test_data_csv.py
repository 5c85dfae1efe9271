"""CSV with Swedish conventions, and Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vizkit.data import DataError, Provenance, read, read_csv, read_parquet, write_parquet

SWEDISH = (
    "Kommun;Namn;År;Folkmängd;Andel\n"
    "0114;Upplands Väsby;2023;48 612;12,5\n"
    "0180;Stockholm;2023;984 748;..\n"
    "0380;Uppsala;2023;..;7,25\n"
    "0581;Norrköping;2023;145 000;-1,5\n"
)


def test_latin1_semicolon_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "se.csv"
    path.write_bytes(SWEDISH.replace("48 612", "48612").replace("984 748", "984748")
                     .replace("145 000", "145000").encode("iso-8859-1"))
    df = read_csv(path)
    assert df.attrs["csv"] == {"sep": ";", "decimal": ",", "encoding": "iso-8859-1"}
    assert df["Kommun"].tolist() == ["0114", "0180", "0380", "0581"]  # leading zeros kept
    assert df["Namn"].iloc[0] == "Upplands Väsby"
    assert df["År"].dtype == np.int64 and df["År"].iloc[0] == 2023
    assert df["Andel"].dtype == np.float64
    assert df["Andel"].iloc[0] == 12.5 and df["Andel"].iloc[3] == -1.5
    assert np.isnan(df["Andel"].iloc[1])  # ".." is missing
    assert df["Folkmängd"].dtype == np.float64 and np.isnan(df["Folkmängd"].iloc[2])
    assert df["Folkmängd"].iloc[1] == 984748.0


def test_utf8_with_bom_and_forced_code_columns(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffkod,år,värde\n1,2020,1.5\n2,2021,2.5\n".encode())
    df = read_csv(path, codes=["år"])
    assert df.attrs["csv"]["encoding"] == "utf-8-sig"
    assert list(df.columns) == ["kod", "år", "värde"]
    assert df["kod"].tolist() == ["1", "2"]  # named like a code
    assert df["år"].tolist() == ["2020", "2021"]  # forced
    assert df["värde"].tolist() == [1.5, 2.5]


def test_decimal_point_with_semicolons_and_text_column_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("a;b;c\n1.5;x;7\n2.25;y;8\n", encoding="utf-8")
    df = read_csv(path)
    assert df.attrs["csv"]["decimal"] == "."
    assert df["a"].tolist() == [1.5, 2.25] and df["b"].tolist() == ["x", "y"]
    assert df["c"].dtype == np.int64


def test_leading_zero_column_without_code_name_stays_string(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("x,n\n0305,1\n1280,2\n", encoding="utf-8")
    assert read_csv(path)["x"].tolist() == ["0305", "1280"]


def test_ragged_and_empty_files_raise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n3;4;5;6\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_csv(bad)
    assert str(bad) in str(err.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        read_csv(empty)
    with pytest.raises(DataError, match="cannot open"):
        read_csv(tmp_path / "nope.csv")


def test_sidecar_provenance(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "x.provenance.json").write_text(
        '{"source": "Me", "licence": "CC-BY-4.0", "updated": "2024-01-01"}', encoding="utf-8")
    prov = read_csv(path).attrs["provenance"]
    assert prov.licence == "CC-BY-4.0" and prov.source == "Me" and prov.file == str(path)


def test_parquet_round_trip_keeps_provenance(tmp_path: Path) -> None:
    df = pd.DataFrame({"Region": ["0114", "0380"], "value": [1.0, np.nan]})
    df.attrs["provenance"] = Provenance(source="SCB", licence="CC0-1.0", title="T")
    path = tmp_path / "t.parquet"
    write_parquet(df, path)
    back = read_parquet(path)
    assert back["Region"].tolist() == ["0114", "0380"]
    assert back.attrs["provenance"].licence == "CC0-1.0"
    assert isinstance(read(path), pd.DataFrame)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    with pytest.raises(DataError, match="Parquet"):
        read_parquet(junk)


def test_read_dispatch_refuses_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="unknown file type"):
        read(path)


# --- published variants ------------------------------------------------------------------------


def test_space_separated_grid_file_as_statistics_norway_publishes_it(tmp_path: Path) -> None:
    # SSB's 'rute_100m sum' files: one space between fields, ids (x + 2e6) * 1e7 + y
    path = tmp_path / "befolkning_100m.csv"
    path.write_text("rute_100m sum\n22620006649100 12\n22620006649200 3\n"
                    "22621006649100 40\n", encoding="utf-8")
    df = read_csv(path)
    assert list(df.columns) == ["rute_100m", "sum"]           # two columns, not one
    assert df.attrs["csv"]["sep"] == r"\s+"
    assert df["rute_100m"].tolist()[0] == "22620006649100"    # ids stay text
    assert df["sum"].tolist() == [12, 3, 40] and df["sum"].dtype == np.int64
    from vizkit.data import grid_from_frame

    grid = grid_from_frame(df, "rute_100m", "sum")
    assert grid.cell_size == 100 and grid.total() == 55
    assert grid.extent[:2] == (262_000.0, 6_649_100.0)        # lower-left of the first square
    one_line = tmp_path / "one.csv"
    one_line.write_text("name\nUpplands Väsby\n", encoding="utf-8")
    assert list(read_csv(one_line).columns) == ["name"]       # a space in a value is no separator


def test_semicolons_with_a_bom_and_grouped_thousands(tmp_path: Path) -> None:
    path = tmp_path / "scb.csv"
    text = SWEDISH.replace("48 612", "48\u00a0612")  # SCB's no-break space between groups
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    df = read_csv(path)
    assert df.attrs["csv"] == {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
    assert df.columns[0] == "Kommun"  # no BOM glued to the header
    assert df["Folkmängd"].tolist()[:2] == [48612.0, 984748.0]
    assert df["Andel"].tolist()[0] == 12.5


def test_quoted_thousands_separators_in_a_comma_file(tmp_path: Path) -> None:
    path = tmp_path / "en.csv"
    path.write_text('region,persons,share\n0114,"48,612",0.5\n0180,"984,748",1.25\n'
                    '0380,"1,234,567",2\n', encoding="utf-8")
    df = read_csv(path)
    assert df["persons"].tolist() == [48612, 984748, 1234567]
    assert df["persons"].dtype == np.int64 and df["share"].tolist() == [0.5, 1.25, 2.0]
    assert df["region"].tolist() == ["0114", "0180", "0380"]


def test_excel_unicode_text_tab_separated_utf16(tmp_path: Path) -> None:
    path = tmp_path / "excel.txt"
    path.write_bytes("Kommun\tFolkmängd\n0114\t48612\n0180\t984748\n".encode("utf-16"))
    df = read(path)
    assert df.attrs["csv"]["encoding"] == "utf-16" and df.attrs["csv"]["sep"] == "\t"
    assert df["Kommun"].tolist() == ["0114", "0180"]
    assert df["Folkmängd"].tolist() == [48612, 984748]
