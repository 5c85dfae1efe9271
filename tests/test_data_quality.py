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

from vizkit.data import Provenance, read_geojson
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
                            "without_values": ["0381"]}
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
    assert "disclosure" in r
    d = r["disclosure"]
    if isinstance(d, str):  # the privacy package may not be importable
        assert d.startswith("disclosure report")
    else:
        assert d["hidden"]["cells"] >= 1
    json.dumps(r)


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
