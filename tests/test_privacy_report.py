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


def test_report_with_a_full_policy_and_secondary():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": np.repeat(np.arange(6), 5), "b": np.tile(np.arange(5), 6),
                       "value": rng.choice([1, 2, 8, 30, 100], 30)})
    policy = DEFAULT_POLICY.with_(secondary=True, rounding=5, noise=NoiseTable())
    rep = disclosure_report(df, count="value", keys=["a", "b"], policy=policy)
    json.dumps(rep)
    r = rep["rules"]
    assert r["secondary"]["cells"] > 0
    assert rep["hidden"]["cells"] == r["threshold"]["cells"] + r["secondary"]["cells"]
    assert r["rounding"]["cells"] > 0 and rep["mean_abs_change"] > 0
    raw = set(df["value"].astype(float))
    # no raw value is carried, only counts of cells and shares
    numbers = [v for rule in r.values() for v in rule.values()] + [rep["mean_abs_change"]]
    assert all(0 <= v <= 1 or float(v).is_integer() for v in numbers)
    assert not raw & {rep["mean_abs_change"]}


def test_report_tolerates_rows_that_are_not_cells():
    df = pd.DataFrame({"region": ["a", "a", "b"], "value": [1.0, np.nan, 9.0]})
    rep = disclosure_report(df, count="value", keys=None, k=5)
    assert rep["missing_cells"] == 1 and rep["rules"]["threshold"]["cells"] == 1
    assert rep["notes"]
