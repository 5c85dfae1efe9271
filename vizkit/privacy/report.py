"""Disclosure report: what each rule of a policy changes in a table, and the information lost.

Used by ``vizkit check DATA --min-count K [--json]``, which calls
``disclosure_report(df, count="value", keys=None, k=K)``. The report holds counts of cells and
shares only — no raw values — so it can be published alongside the exhibit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vizkit.privacy.columns import counts_of, resolve_keys
from vizkit.privacy.policy import DEFAULT_POLICY, Policy

RULES = ("threshold", "secondary", "cell_key", "rounding")


def _share(part: float, whole: float) -> float:
    return round(float(part) / float(whole), 6) if whole else 0.0


def disclosure_report(
    df: pd.DataFrame,
    *,
    count: str = "value",
    keys: Sequence[str] | None = None,
    k: int = 5,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """Apply a policy to a count table and report what each rule changed.

    Args:
        df: a count table (key columns + count column).
        count: the count column.
        keys: key columns; None = inferred by the rule in :mod:`vizkit.privacy.columns`
            (non-float columns that are not labels or metadata).
        k: threshold, used when ``policy`` is None (then the policy is the default with this k).
        policy: the policy to assess.

    Returns:
        A JSON-serialisable dict: ``statement``, ``policy``, ``keys``, ``cells``,
        ``missing_cells``, ``rules`` (per rule: ``cells``, ``share_of_cells``,
        ``share_of_total`` — the share of the table total those cells carry), ``hidden``
        (all hidden cells) and ``mean_abs_change`` of shown values (noise and rounding).

    Raises:
        KeyError: ``count`` or a key is not a column.
        ValueError: the count column holds text or negative counts (one line naming the
            column, the first row and its value).
    """
    policy = policy if policy is not None else DEFAULT_POLICY.with_(k=k)
    keys = resolve_keys(df, count, keys)
    raw_all = counts_of(df, count)  # text or negative counts: one line naming column and row
    notes: list[str] = []
    unique = bool(keys) and not df.duplicated(keys).any()
    if unique:
        prot = policy.protect(df, count=count, keys=keys)
        shown, hidden, rule = (prot[count].to_numpy(np.float64), prot["suppressed"].to_numpy(),
                               prot["rule"].to_numpy(str))
    else:
        notes.append("keys do not identify cells uniquely: each row is treated as a cell and "
                     "secondary suppression is skipped")
        res = policy.with_(secondary=False).apply(np.nan_to_num(raw_all), cell_keys=None
                                                  if not policy.needs_cell_keys else
                                                  np.arange(len(df)))
        shown, hidden, rule = res.values, res.suppressed, res.rule.astype(str)
    missing = np.isnan(raw_all)
    raw = np.where(missing, 0.0, raw_all)
    total = raw.sum()
    n_cells = int((~missing).sum())
    rules: dict[str, dict[str, float | int]] = {}
    for name in RULES:
        sel = np.char.find(rule.astype(str), name) >= 0 if rule.size else np.zeros(0, bool)
        if name == "threshold" or name == "secondary":
            sel = rule == name
        rules[name] = {"cells": int(sel.sum()), "share_of_cells": _share(sel.sum(), n_cells),
                       "share_of_total": _share(raw[sel].sum(), total)}
    visible = ~hidden & ~missing
    change = np.abs(shown[visible] - raw[visible]) if visible.any() else np.zeros(0)
    return {
        "statement": policy.statement,
        "policy": policy.params(),
        "count": count,
        "keys": list(keys),
        "cells": n_cells,
        "missing_cells": int(missing.sum()),
        "rules": rules,
        "hidden": {"cells": int(hidden.sum()), "share_of_cells": _share(hidden.sum(), n_cells),
                   "share_of_total": _share(raw[hidden].sum(), total)},
        "mean_abs_change": round(float(change.mean()), 6) if change.size else 0.0,
        "notes": notes,
    }


def format_disclosure_report(report: dict[str, Any]) -> str:
    """Human-readable text of a :func:`disclosure_report` dict."""
    lines = [
        f"Disclosure control: {report['statement']}",
        f"  cells: {report['cells']} ({report['missing_cells']} missing); "
        f"keys: {', '.join(report['keys']) or '(none)'}; count: {report['count']}",
        f"  {'rule':12s} {'cells':>8s} {'% cells':>8s} {'% total':>8s}",
    ]
    for name, r in report["rules"].items():
        lines.append(f"  {name:12s} {r['cells']:8d} {100 * r['share_of_cells']:7.2f}% "
                     f"{100 * r['share_of_total']:7.2f}%")
    h = report["hidden"]
    lines.append(f"  {'hidden':12s} {h['cells']:8d} {100 * h['share_of_cells']:7.2f}% "
                 f"{100 * h['share_of_total']:7.2f}%")
    lines.append(f"  mean absolute change of shown values: {report['mean_abs_change']:g}")
    lines.extend(f"  note: {n}" for n in report.get("notes", []))
    return "\n".join(lines)
