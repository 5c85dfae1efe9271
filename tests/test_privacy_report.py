"""Disclosure report: per-rule changes and information loss, JSON-serialisable, no raw values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vizkit.privacy import DEFAULT_POLICY, NoiseTable, disclosure_report, format_disclosure_report
from vizkit.privacy.columns import infer_keys


def sample() -> pd.DataFrame:
    return pd.DataFrame({
        "region": ["0114", "0114", "0115", "0115", "0117", "0117"],
        "region_label": ["Upplands Väsby"] * 2 + ["Vallentuna"] * 2 + ["Österåker"] * 2,
        "sex": ["men", "women"] * 3,
        "year": [2024] * 6,
        "share": [0.1] * 6,
        "status": ["", "", "..", "", "", ""],
        "value": [3, 40, 12, 1, 0, 44],
    })


def test_key_inference_rule():
    assert infer_keys(sample(), "value") == ["region", "sex", "year"]
    df = pd.DataFrame({"kommun": ["Upplands Väsby x", "Täby y"], "code": [1, 2], "value": [1, 2]})
    assert infer_keys(df, "value") == ["code"]  # text with spaces is a label
    wide = pd.DataFrame({"grid_id": ["a", "b"], "year": [2019, 2020], "pop_2019": [1, 2],
                         "pop_2020": [3, 4], "area_km2": [1.0, 1.0]})
    assert infer_keys(wide, "pop_2019") == ["grid_id", "year"]  # other counts are measures


def test_report_counts_rules_and_information_loss():
    rep = disclosure_report(sample(), count="value", keys=None, k=5)
    json.dumps(rep)
    assert rep["keys"] == ["region", "sex", "year"]
    assert rep["cells"] == 6 and rep["missing_cells"] == 0
    t = rep["rules"]["threshold"]
    assert t["cells"] == 2 and t["share_of_cells"] == pytest.approx(2 / 6)
    assert t["share_of_total"] == pytest.approx(4 / 100)
    assert rep["hidden"]["cells"] == 2
    assert rep["rules"]["rounding"]["cells"] == 0
    text = format_disclosure_report(rep)
    assert "Values below 5 are not shown" in text and "threshold" in text


def numbers_in(obj: object, path: tuple[str, ...] = ()):
    """Every number in a JSON-like report with its path of keys (booleans left out)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from numbers_in(value, (*path, str(key)))
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from numbers_in(value, path)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield path, obj


def test_report_with_a_full_policy_and_secondary():
    rng = np.random.default_rng(0)
    # raw counts: small ones for the threshold, and large ones no report number could equal
    big = [1_234_567, 2_345_671, 3_456_712, 4_567_123]
    df = pd.DataFrame({"a": np.repeat(np.arange(6), 5), "b": np.tile(np.arange(5), 6),
                       "value": rng.choice([1, 2, 8, 30, 100, *big], 30)})
    policy = DEFAULT_POLICY.with_(secondary=True, rounding=5, noise=NoiseTable())
    rep = disclosure_report(df, count="value", keys=["a", "b"], policy=policy)
    text = json.dumps(rep)
    r = rep["rules"]
    assert r["secondary"]["cells"] > 0
    assert rep["hidden"]["cells"] == r["threshold"]["cells"] + r["secondary"]["cells"]
    assert r["rounding"]["cells"] > 0 and rep["mean_abs_change"] > 0
    # every number is a count of cells, a share, a policy parameter or the mean change —
    # a new field carrying a raw value (a maximum, a total, a cell's value) fails here
    n = rep["cells"] + rep["missing_cells"]
    for path, value in numbers_in(rep):
        field = path[-1]
        if field in ("cells", "missing_cells"):
            assert isinstance(value, int) and 0 <= value <= n, path
        elif field.startswith("share_of_"):
            assert 0 <= value <= 1, path
        elif path[0] == "policy":
            assert field in ("k", "rounding", "max_deviation", "variance"), path
        else:
            assert field == "mean_abs_change", f"unexpected number at {path}: {value}"
            assert value <= policy.noise.max_deviation + policy.rounding
    raw = set(df["value"].tolist())
    assert raw & set(big)  # the table does hold large raw values ...
    assert not any(str(v) in text for v in big)  # ... and none of them is in the report


def test_negative_or_text_counts_are_refused_naming_column_row_and_value():
    df = pd.DataFrame({"region": ["a", "b", "c"], "value": [4, -2, 9]}, index=[10, 11, 12])
    with pytest.raises(ValueError) as err:
        disclosure_report(df, count="value", k=5)
    assert str(err.value) == ("count column 'value': negative count -2 in row 11 (1 such "
                              "cell); counts must be >= 0")
    with pytest.raises(ValueError, match=r"count column 'value': negative count -2 in row 11"):
        DEFAULT_POLICY.protect(df, count="value")
    with pytest.raises(ValueError, match=r"^counts: negative count -3 in cell 2 \(2 such "):
        DEFAULT_POLICY.apply([5.0, 1.0, -3.0, -1.0])
    text = df.astype({"value": object})
    text.loc[12, "value"] = "n/a"
    text.loc[11, "value"] = 7
    with pytest.raises(ValueError, match=r"count column 'value': text 'n/a' in row 12"):
        disclosure_report(text, count="value", k=5)


def test_report_tolerates_rows_that_are_not_cells():
    df = pd.DataFrame({"region": ["a", "a", "b"], "value": [1.0, np.nan, 9.0]})
    rep = disclosure_report(df, count="value", keys=None, k=5)
    assert rep["missing_cells"] == 1 and rep["rules"]["threshold"]["cells"] == 1
    assert rep["notes"]
