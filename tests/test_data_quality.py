"""Quality report, its table and JSON output, and the check command's exit codes."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vizkit.data import Provenance, read, read_geojson
from vizkit.quality import check_command, format_report, quality_report

ROOT = Path(__file__).resolve().parents[1]


def table() -> pd.DataFrame:
    df = pd.DataFrame({
        "Region": ["0305", "0380", "0380", "0382", "9999"],
        "Tid": ["2024", "2024", "2024", "2024", "2024"],
        "value": [10.0, np.nan, 3.0, -2.0, 7.0],
        "status": [None, "..", None, None, "p"],
    })
    df.attrs["provenance"] = Provenance(source="SCB", licence="CC0-1.0",
                                        updated="2024-01-01T07:00:00Z", title="T")
    return df


def regions() -> pd.DataFrame:
    feats = [{"type": "Feature", "properties": {"kommun": c}, "geometry": {
        "type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]}}
        for i, c in enumerate(["0305", "0380", "0382", "0381"])]
    return read_geojson({"type": "FeatureCollection", "features": feats}, "kommun",
                        crs="EPSG:4326")


def test_report_counts() -> None:
    r = quality_report(table(), regions=regions(), today=dt.date(2024, 3, 1))
    assert r["rows"] == 5
    assert r["dimensions"] == {"Region": 4, "Tid": 1}
    assert r["missing"] == 1 and r["missing_share"] == pytest.approx(0.2)
    assert r["status_flagged"] == {"..": 1, "p": 1}
    assert r["duplicates"] == 1  # 0380/2024 twice
    assert r["negative_counts"] == 1
    assert r["regions"] == {"code_column": "Region", "without_geometry": ["9999"],
                            "without_values": ["0381"], "zero_padding": [],
                            "suggested_zfill": None}
    assert r["timeliness_days"] == 60
    assert r["licence"] == "CC0-1.0" and r["licence_present"]
    assert r["attribution"] == "Source: SCB · CC0-1.0 · 2024-01-01"
    json.dumps(r)  # serialisable
    text = format_report(r)
    for needle in ("rows", "Region (4)", "1 (20.0%)", "'..': 1", "9999", "60 days ago",
                   "CC0-1.0"):
        assert needle in text


def test_report_without_licence() -> None:
    df = table()
    df.attrs["provenance"] = Provenance(source="Somebody")
    r = quality_report(df)
    assert not r["licence_present"] and "MISSING" in format_report(r)
    assert r["timeliness_days"] is None


def test_disclosure_included_when_min_count_given() -> None:
    df = pd.DataFrame({"Region": ["0305", "0380", "0382"], "value": [2.0, 50.0, 7.0]})
    r = quality_report(df, min_count=5)
    d = r["disclosure"]
    assert isinstance(d, dict), d  # a report, never a "report failed" string
    assert d["keys"] == ["Region"] and d["count"] == "value"
    assert d["hidden"]["cells"] == 1  # only 2.0 is below 5
    assert d["hidden"]["share_of_total"] == pytest.approx(2 / 59, abs=1e-6)
    assert r["errors"] == []
    json.dumps(r)
    stricter = quality_report(df, min_count=10)["disclosure"]
    assert stricter["hidden"]["cells"] == 2  # 2 and 7


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_text_in_a_count_column_is_an_error_naming_column_lines_and_values(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, "trips.csv", "origin;destination;volume\n0305;0380;12\n"
                 "0305;0381;x\n0380;0305;40\n0380;0381;n/a\n0381;0305;..\n")
    r = quality_report(path)
    # the column is a measure with bad cells (not a dimension), '..' is a missing value
    assert r["dimensions"] == {"origin": 3, "destination": 3}
    assert r["value_columns"] == ["volume"] and r["missing"] == 1
    assert r["text_in_measures"]["volume"] == {
        "cells": 2, "first": [{"line": 3, "value": "x"}, {"line": 5, "value": "n/a"}]}
    assert check_command(str(path)) == 1
    out, err = capsys.readouterr()
    assert err == (f"vizkit check: {path}: count column 'volume' has text in 2 cell(s): "
                   "line 3 'x', line 5 'n/a'\n")
    assert "rows" in out and "Traceback" not in out + err
    assert check_command(str(path), as_json=True, min_count=5) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["errors"] == ["count column 'volume' has text in 2 cell(s): line 3 'x', "
                                "line 5 'n/a'",
                                "disclosure report not made: the count column holds text"]
    assert "disclosure" not in report and err.count("\n") == 2


def test_negative_counts_stop_the_disclosure_report_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, "pop.csv", "kommun,year,antal\n0114,2024,12\n0115,2024,-3\n"
                 "0117,2024,7\n0120,2024,-1\n")
    r = quality_report(path)
    assert r["negative_counts"] == 2
    assert r["negative_examples"]["antal"]["first"] == [{"line": 3, "value": -3},
                                                        {"line": 5, "value": -1}]
    assert check_command(str(path)) == 0  # negative counts alone are reported, not fatal
    capsys.readouterr()
    assert check_command(str(path), min_count=5) == 1
    out, err = capsys.readouterr()
    assert err == (f"vizkit check: {path}: disclosure report not made: count column 'antal' "
                   "has 2 negative count(s): line 3 -3, line 5 -1\n")
    assert "failed" not in out and "Traceback" not in out + err


def test_a_table_without_a_count_column_says_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, "codes.csv", "kommun,kommun_namn\n0114,Upplands Väsby\n"
                 "0115,Vallentuna\n")
    assert check_command(str(path)) == 0
    capsys.readouterr()
    assert check_command(str(path), min_count=5) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no count column found" in err


def test_regions_that_are_not_geojson_are_named(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    data = ROOT / "assets" / "uppsala_population.json"
    for regions, needle in ((ROOT / "assets" / "uppsala_commuting_od.csv", "not a .geojson"),
                            (data, "this is a JSON-stat table"),
                            (write(tmp_path, "one.geojson", '{"type": "Feature"}'),
                             "JSON of type 'Feature'")):
        assert check_command(str(data), regions=str(regions)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err
        assert err.startswith(f"vizkit check: cannot read the --regions file {regions}: ")


def test_codes_that_differ_only_by_leading_zeros_are_named_with_the_fix() -> None:
    lan = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13"]
    values = pd.DataFrame({"Region": lan, "value": np.arange(len(lan)) * 10.0})
    feats = [{"type": "Feature", "properties": {"l_id": int(c)}, "geometry": {
        "type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]}}
        for i, c in enumerate(lan)]
    regions = read_geojson({"type": "FeatureCollection", "features": feats}, "l_id",
                           crs="EPSG:4326")
    reg = quality_report(values, regions=regions)["regions"]
    assert reg["without_geometry"] == lan[:8]          # 8 of 11 lost their zero
    assert reg["zero_padding"] == [[c, c.lstrip("0")] for c in lan[:8]]
    assert reg["suggested_zfill"] == 2
    text = format_report(quality_report(values, regions=regions))
    assert "8 codes differ only by leading zeros ('01' ~ '1'" in text
    assert "zfill=2" in text and "id_width=2" in text


def test_check_command_prints_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture
                                             ) -> None:
    path = ROOT / "assets" / "uppsala_population.json"
    assert check_command(str(path)) == 0
    out = capsys.readouterr().out
    assert "rows" in out and "54" in out and "CC0-1.0" in out
    assert check_command(str(path), as_json=True,
                         regions=str(ROOT / "assets" / "uppsala_municipalities.geojson")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 54 and report["dimensions"]["Region"] == 9
    assert report["regions"]["without_geometry"] == ["03"]  # the county row
    assert report["regions"]["without_values"] == []


@pytest.mark.parametrize("content, needle", [
    ('{"version": "2.0", "class": "dataset", "id": ["A"], "size": [2], "dimension": {"A"',
     "invalid JSON"),
    ('{"version": "2.0", "class": "dataset", "id": ["A"], "size": [2], "dimension": '
     '{"A": {"category": {"index": ["a", "b"]}}}, "value": [1]}', "'value'"),
])
def test_check_command_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture,
                                           content: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert check_command(str(path)) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and str(path) in err
    assert "Traceback" not in err
    assert check_command(str(tmp_path / "missing.json")) != 0
    assert "cannot open" in capsys.readouterr().err


def test_module_cli(tmp_path: Path) -> None:
    good = subprocess.run([sys.executable, "-m", "vizkit.quality",
                           str(ROOT / "assets" / "uppsala_commuting_od.csv"), "--json",
                           "--min-count", "5"], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert good.returncode == 0, good.stderr
    report = json.loads(good.stdout)
    assert report["rows"] == 106 and "disclosure" in report
    bad = tmp_path / "x.json"
    bad.write_text('{"columns": [], "data": [', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "vizkit.quality", str(bad)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("vizkit check: cannot read") and run.stderr.count("\n") == 1


def test_csv_lines_survive_a_selection(tmp_path: Path) -> None:
    path = write(tmp_path, "sel.csv", "kommun,antal\n0114,1\n0115,x\n0117,2\n0120,y\n")
    df = read(path)
    r = quality_report(df[df["kommun"] != "0115"])  # line 3 ('x') filtered out
    assert r["text_in_measures"]["antal"]["first"] == [{"line": 5, "value": "y"}]
