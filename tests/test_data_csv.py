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
